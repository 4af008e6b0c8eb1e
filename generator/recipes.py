"""The recipe model: one YAML file per recipe in recipes/, validated by a schema.

A recipe is a named, ordered pipeline of stages with default models, data and
evaluation. The template reads the same files (see copier.yml), so this schema is
the contract between recipe authors and the template.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, computed_field, field_validator, model_validator

from generator import TEMPLATE_ROOT

RECIPES_DIR = TEMPLATE_ROOT / "recipes"

# Stages the template implements, in the order they may appear in a pipeline.
STAGES = ("sft", "orpo", "dpo", "simpo", "kto", "grpo")
# Stages that learn from chosen/rejected answers (TRL's DPO, CPO-SimPO, KTO and ORPO trainers).
PREFERENCE_STAGES = ("orpo", "dpo", "simpo", "kto")
# The training key that bounds each stage's sequences (TRL's names).
TRAINED_LENGTH = {"sft": "max_length", "grpo": "max_completion_length", **dict.fromkeys(PREFERENCE_STAGES, "max_length")}
# Row formats data.py in the generated project can convert to chat messages...
MESSAGE_FORMATS = ("alpaca", "messages", "sharegpt", "gsm8k", "math", "mbpp", "humaneval")
# ...and to preference rows (prompt + chosen/rejected; kto: prompt + completion + label).
PAIR_FORMATS = ("pku_saferlhf", "preference", "sharegpt_preference", "kto")
# ...and, for the safety evaluation, to prompts with a category (XSTest's safe/unsafe labels).
PROMPT_FORMATS = ("xstest",)
DATA_FORMATS = MESSAGE_FORMATS + PAIR_FORMATS + PROMPT_FORMATS
# Metrics the generated evaluation harness computes.
METRICS = (
    "validation_loss",
    "perplexity",
    "response_chars",
    "empty_rate",
    "json_valid_rate",
    "refusal_rate",  # chat
    "accuracy",
    "accuracy_ci_low",
    "accuracy_ci_high",
    "format_rate",
    "malformed_think_rate",  # math
    "mean_completion_tokens",  # math and code
    "pass@1",
    "pass@5",
    "pass@10",
    "sandbox_errors",  # code
    "over_refusal_rate",
    "judge_refusal_rate",
    "judge_partial_refusal_rate",
    "judge_over_refusal_rate",
    "judge_helpfulness",  # safety
    "judge_overall",
    "judge_factuality",
    "judge_meeting_request",
    "judge_coherence",
    "judge_creativity",
    "judge_richness",
    "repetition_rate",  # writing
    "win_rate",
    "tie_rate",
    "loss_rate",  # any task with compare_to: the judge's pairwise verdicts against one stage's model
)
# Evaluation tasks: fixed prompts (chat; safety and writing, scored by string match and the
# judge), or a dataset with gold answers / tests (math, code).
EVAL_TASKS = ("chat", "math", "code", "safety", "writing")
# Tasks whose evaluation set is a dataset (`data`) rather than the fixed prompts file...
DATA_TASKS = ("math", "code")
# ...and the formats each task's `data` may have (safety: an optional set added to its prompts).
TASK_DATA_FORMATS = {"math": MESSAGE_FORMATS, "code": MESSAGE_FORMATS, "safety": PROMPT_FORMATS}
# Rewards the generated project's scoring/rewards/ registers (configs/grpo.yaml names them).
REWARDS = (
    "accuracy",
    "think_format_strict",
    "think_format_lenient",
    "reasoning_steps",
    "cosine_length",
    "soft_overlong",
    "repetition",
    "code_execution",
)
# ...or a function of one's own by dotted path, package.module.function (as TRL's reward_funcs).
DOTTED_PATH = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+")


class RecipeError(ValueError):
    """A recipe file that cannot be loaded; the message names file, field and expectation."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Localized(_Strict):
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)


class DatasetSpec(_Strict):
    dataset: str = Field(min_length=1, description="hub id (or a local path) of the real dataset")
    config: str | None = None
    split: str = "train"
    format: Literal[DATA_FORMATS]
    columns: dict[str, str] = Field(default_factory=dict, description="canonical name -> dataset column")
    system_prompt: str | None = None
    keep: dict[str, str] = Field(default_factory=dict, description="extra columns carried along, e.g. for rewards")
    samples: str = Field(pattern=r"^[\w.-]+\.jsonl$", description="bundled sample file in data/samples/")


class StageSpec(_Strict):
    name: Literal[STAGES]
    model: dict[str, Any] = Field(default_factory=dict, description="trl.ModelConfig keys")
    data: DatasetSpec
    training: dict[str, Any] = Field(default_factory=dict, description="keys of the stage's TRL config")
    trainer: Literal["grpo", "rloo"] | None = Field(default=None, description="grpo stages: grpo (default) | rloo")
    rewards: list[dict[str, Any]] = Field(default_factory=list, description="[{name, weight, **options}] (grpo)")
    pairs: dict[str, Any] | None = Field(
        default=None, description="preference stages: on-policy pairs sampled from the model and scored (null: the dataset's)"
    )

    @model_validator(mode="before")
    @classmethod
    def _grpo_trainer_by_default(cls, data: Any) -> Any:
        """A grpo stage trains with GRPOTrainer unless it names rloo: filled here, so the
        resolved recipe states it and no template restates the default."""
        if isinstance(data, dict) and data.get("name") == "grpo" and data.get("trainer") is None:
            return {**data, "trainer": "grpo"}
        return data

    @computed_field
    @property
    def uses_scoring(self) -> bool:
        """The stage needs scoring/'s rewards, answer checks and sandbox: an RL stage scores its
        samples, and so do on-policy pairs scored by a reward (rather than by the judge)."""
        return self.name == "grpo" or bool(self.pairs and self.pairs.get("scorer", "judge") != "judge")

    @model_validator(mode="after")
    def _rewards_only_for_rl(self) -> StageSpec:
        rl = self.name == "grpo"
        if rl and not self.rewards:
            raise ValueError("a grpo stage needs at least one reward under `rewards`")
        if not rl and (self.rewards or self.trainer):
            raise ValueError(f"`rewards` and `trainer` belong to grpo stages, not '{self.name}'")
        for reward in self.rewards:
            if not isinstance(reward.get("name"), str):
                raise ValueError(f"every reward needs a `name`, got {reward}")
            if reward["name"] not in REWARDS and not DOTTED_PATH.fullmatch(reward["name"]):
                raise ValueError(
                    f"unknown reward '{reward['name']}' (known: {', '.join(REWARDS)}; "
                    "or a function of one's own by dotted path, package.module.function)"
                )
        if self.pairs is not None and self.name not in PREFERENCE_STAGES:
            raise ValueError(f"`pairs` (on-policy preference pairs) belongs to {list(PREFERENCE_STAGES)}, not '{self.name}'")
        self._format_fits_stage()
        # The configs size data filters and evaluation from these, so the recipe states them.
        length_key = TRAINED_LENGTH[self.name]
        if not isinstance(self.training.get(length_key), int):
            raise ValueError(
                f"a {self.name} stage states `training.{length_key}` (an integer), got {self.training.get(length_key)!r}"
            )
        return self

    def _format_fits_stage(self) -> None:
        """Preference stages read pairs (or, with on-policy `pairs`, prompts); the others read conversations."""
        fmt = self.data.format
        if self.name not in PREFERENCE_STAGES or self.pairs is not None:
            if fmt not in MESSAGE_FORMATS:
                wanted = "conversations" if self.name not in PREFERENCE_STAGES else "prompts (on-policy pairs)"
                raise ValueError(f"a {self.name} stage reads {wanted}: data.format must be one of {list(MESSAGE_FORMATS)}")
        elif fmt not in PAIR_FORMATS:
            raise ValueError(
                f"a {self.name} stage reads preference pairs: data.format must be one of {list(PAIR_FORMATS)} "
                "(or set `pairs` to sample on-policy pairs from prompts)"
            )
        elif fmt == "kto" and self.name != "kto":
            raise ValueError("data.format 'kto' (unpaired rows) is read by the kto stage only")


class EvaluationSpec(_Strict):
    task: Literal[EVAL_TASKS] = "chat"
    prompts: str = Field(
        pattern=r"^[\w.-]+\.jsonl$", description="fixed prompts (data/<file>) of the chat, safety and writing tasks"
    )
    data: DatasetSpec | None = Field(default=None, description="the evaluation set of a math or code task")
    compare_to: str | None = Field(
        default=None, description="a stage whose model every other model is compared with by the judge"
    )
    metrics: list[Literal[METRICS]] = Field(min_length=1)
    enable_thinking: bool = Field(default=False, description="prompt ends before <think>: the model writes its own think block")
    samples_per_task: int = Field(default=1, ge=1, description="completions per task (code: n of pass@k)")

    @computed_field
    @property
    def uses_scoring(self) -> bool:
        """Math and code tasks check answers and run tests with scoring/'s code; the prompt tasks need none of it."""
        return self.task in DATA_TASKS

    @model_validator(mode="after")
    def _data_for_scored_tasks(self) -> EvaluationSpec:
        if self.task in DATA_TASKS and self.data is None:
            raise ValueError(f"task '{self.task}': `data` (the evaluation set) is required")
        if self.data is not None:
            formats = TASK_DATA_FORMATS.get(self.task)
            if formats is None:
                raise ValueError(
                    f"task '{self.task}' reads its prompts file only: `data` is for {sorted(TASK_DATA_FORMATS)} tasks"
                )
            if self.data.format not in formats:
                raise ValueError(f"task '{self.task}': data.format must be one of {list(formats)}, got '{self.data.format}'")
        passes = [int(m.split("@")[1]) for m in self.metrics if m.startswith("pass@")]
        if passes and max(passes) > self.samples_per_task:
            raise ValueError(f"pass@{max(passes)} needs samples_per_task >= {max(passes)}, got {self.samples_per_task}")
        return self


class DemoSpec(_Strict):
    """Example inputs offered by the live demo (demo/app.py), in both languages."""

    examples: dict[Literal["zh", "en"], list[str]] = Field(description="language -> example inputs")

    @field_validator("examples")
    @classmethod
    def _both_languages(cls, examples: dict[str, list[str]]) -> dict[str, list[str]]:
        for language in ("zh", "en"):
            if not [text for text in examples.get(language, []) if text.strip()]:
                raise ValueError(f"needs at least one non-empty example for '{language}'")
        return examples


class HardwareSpec(_Strict):
    """One GPU profile: does the recipe fit, and how long do training and evaluation take.
    Times are estimates, so each one states what it assumed (`basis`)."""

    fits: bool
    train_minutes: int | None = Field(default=None, ge=1, description="estimated wall time of `make train`")
    eval_minutes: int | None = Field(default=None, ge=1, description="estimated wall time of `make eval` (every model)")
    note: str = ""
    basis: str = Field(default="", description="the figures the minutes were computed from")

    @model_validator(mode="after")
    def _times_state_their_basis(self) -> HardwareSpec:
        if (self.train_minutes or self.eval_minutes) and not self.basis.strip():
            raise ValueError("train_minutes / eval_minutes need a `basis`: the figures they were computed from")
        return self

    @property
    def minutes(self) -> int | None:
        """Training and evaluation together."""
        parts = [m for m in (self.train_minutes, self.eval_minutes) if m]
        return sum(parts) if parts else None


class Recipe(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    custom: bool = False
    title: Localized
    direction: Localized
    summary: Localized
    base_model: str = Field(min_length=1)
    stages: list[StageSpec] = Field(min_length=1)
    evaluation: EvaluationSpec
    demo: DemoSpec
    hardware: dict[Literal["gpu-24gb", "gpu-40gb", "gpu-80gb"], HardwareSpec] = Field(min_length=1)

    @field_validator("stages")
    @classmethod
    def _stages_in_order(cls, stages: list[StageSpec]) -> list[StageSpec]:
        names = [stage.name for stage in stages]
        if len(set(names)) != len(names):
            raise ValueError(f"each stage may appear once, got {names}")
        if names != sorted(names, key=STAGES.index):
            raise ValueError(f"stages must follow the pipeline order {list(STAGES)}, got {names}")
        return stages

    @model_validator(mode="after")
    def _compare_to_a_stage(self) -> Recipe:
        """The pairwise reference must be one of the stages (a custom recipe compares only when it is chosen)."""
        reference = self.evaluation.compare_to
        if reference is not None and reference not in self.stage_names:
            raise ValueError(f"evaluation.compare_to: '{reference}' is not one of the stages {self.stage_names}")
        return self

    @property
    def with_rewards(self) -> bool:
        """The project gets scoring/'s rewards, answer checks and sandbox (copier.yml asks the same parts)."""
        return any(part.uses_scoring for part in (*self.stages, self.evaluation))

    @property
    def sample_files(self) -> list[str]:
        """The bundled sample files the project reads, in first-use order."""
        data = [stage.data for stage in self.stages] + ([self.evaluation.data] if self.evaluation.data else [])
        return list(dict.fromkeys(spec.samples for spec in data))

    @property
    def stage_names(self) -> list[str]:
        return [stage.name for stage in self.stages]

    @property
    def minimum_gpu(self) -> str:
        fitting = [name for name, spec in sorted(self.hardware.items(), key=lambda kv: _gpu_gb(kv[0])) if spec.fits]
        return fitting[0] if fitting else "none fits"


def _gpu_gb(profile: str) -> int:
    return int(profile.split("-")[1].removesuffix("gb"))


def load_recipe_file(path: Path) -> Recipe:
    """Load and validate one recipe file; errors name the file and the field."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise RecipeError(f"{path}: not valid YAML ({error})") from error
    if not isinstance(data, dict):
        raise RecipeError(f"{path}: expected a mapping at the top level, got {type(data).__name__}")
    try:
        recipe = Recipe.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in item['loc']) or '<top>'}: {item['msg']}" for item in error.errors()
        )
        raise RecipeError(f"{path}: {problems}") from None
    if recipe.id != path.stem:
        raise RecipeError(f"{path}: id: expected the file name '{path.stem}', got '{recipe.id}'")
    return recipe


def load_recipes(directory: Path | None = None) -> dict[str, Recipe]:
    """All recipes by id, in file-name order."""
    directory = directory or RECIPES_DIR
    return {recipe.id: recipe for recipe in map(load_recipe_file, sorted(directory.glob("*.yaml")))}


def get_recipe(recipe_id: str, directory: Path | None = None) -> Recipe:
    directory = directory or RECIPES_DIR
    path = directory / f"{recipe_id}.yaml"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in directory.glob("*.yaml")))
        raise RecipeError(f"unknown recipe '{recipe_id}' (known: {known})")
    return load_recipe_file(path)
