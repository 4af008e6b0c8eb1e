"""What every stage shares: its context, config parsing, and the way it saves its output.

A stage reads its input model from `ctx.input_model` (the base model or the previous
stage's `outputs/<stage>/model`) and leaves in `ctx.output_dir`:
    model/             a plain transformers model folder (LoRA merged)
    adapter/           the LoRA adapter, when PEFT was used
    log_history.json   the trainer's log history (loss curves are drawn from it)
    checkpoints/       trainer checkpoints (resume with training.resume_from_checkpoint)
    validation.jsonl   the rows held out of training; evaluation's validation loss reads them

Every stage module has the shape of TRL's example scripts: `parse_args(ctx)` (the
config's dataclasses), `build_trainer(ctx)` (load data, tokenizer and model, build the
trainer) and `run(ctx)` (build, train, finish).
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from datasets import Dataset
from trl import ModelConfig

from ...config import ConfigError, build, did_you_mean, key_location, refuse_owned, with_defaults
from ..data import DataConfig, prepare
from ..modeling import MODEL_KEYS, load_tokenizer, merge_adapter, pick, saved_model_kwargs


@dataclass
class StageContext:
    """What the pipeline hands a stage: its config and where it reads and writes.

    `config` is configs/<name>.yaml with the profile and `--set` overrides applied, each
    key remembering where it was set; `input_model` is the base model (first stage) or the
    previous stage's outputs/<stage>/model; `output_dir` is outputs/<name>/. `report_to`
    and `seed` come from configs/pipeline.yaml and are the training config's defaults."""

    name: str
    config: dict[str, Any]
    input_model: str
    output_dir: Path
    report_to: str = "none"
    seed: int = 42

    @property
    def where(self) -> str:
        return f"configs/{self.name}.yaml"


@dataclass
class StageTrainer:
    """What a stage's build_trainer returns: the trainer, ready to train, and what run()
    records besides it."""

    trainer: Any  # SFTTrainer, GRPOTrainer, ...
    model_args: ModelConfig  # full, LoRA or QLoRA: finish() saves and describes the model by it
    summary: dict[str, Any]  # known before training: the dataset and what cleaning removed


@dataclass
class StageResult:
    """What a stage leaves for results.json: where its model is (the next stage's input),
    a summary (method, data, losses, reload check) and its log history file."""

    name: str
    model_path: str
    summary: dict[str, Any] = field(default_factory=dict)
    log_history: str | None = None


def model_config(ctx: StageContext) -> ModelConfig:
    """trl.ModelConfig from the `model` section (LoRA, 4-bit, dtype), trained on
    `ctx.input_model`: the pipeline chooses the model, so the section may not name one."""
    values, where = ctx.config.get("model"), f"{ctx.where}: model"
    refuse_owned(
        values,
        where,
        {
            "model_name_or_path": (
                f"this stage trains {ctx.input_model}: base_model in configs/pipeline.yaml for the first stage, "
                "the previous stage's output after it; change base_model there instead"
            )
        },
    )
    if "trust_remote_code" in (values or {}):  # a ModelConfig key in older TRL releases
        raise ConfigError(
            f"{key_location(values, where, 'trust_remote_code')}: moved to the training section "
            "(training.trust_remote_code) in TRL 1.x; set it there"
        )
    return build(ModelConfig, values, where, model_name_or_path=ctx.input_model)


def training_config(ctx: StageContext, config_class: type, owned: dict[str, str] | None = None):
    """The stage's TRL config (SFTConfig, GRPOConfig, ...) from the `training` section.
    `owned`: further keys the stage sets itself, with where their value comes from."""
    values, where = ctx.config.get("training"), f"{ctx.where}: training"
    checkpoints = ctx.output_dir / "checkpoints"
    refuse_owned(
        values,
        where,
        {
            "output_dir": f"{checkpoints}; change output_dir in configs/pipeline.yaml "
            "(or the profile's pipeline section) instead",
            "run_name": f"the stage's name, '{ctx.name}'",
            **(owned or {}),
        },
    )
    values = with_defaults(values, report_to=ctx.report_to, seed=ctx.seed)
    return build(config_class, values, where, output_dir=str(checkpoints), run_name=ctx.name)


def loading_kwargs(model_args: ModelConfig, training_args) -> dict[str, Any]:
    """from_pretrained keywords, built as TRL's own scripts build them: ModelConfig's loading
    keys and the training config's trust_remote_code, then training.model_init_kwargs on top.
    They are stored in training_args.model_init_kwargs, where the trainer and finish() read them."""
    kwargs = {
        "revision": model_args.model_revision,
        "trust_remote_code": training_args.trust_remote_code,
        "attn_implementation": model_args.attn_implementation,
        "dtype": model_args.dtype,
    }
    kwargs.update(training_args.model_init_kwargs or {})
    training_args.model_init_kwargs = kwargs
    return kwargs


def load_data(ctx: StageContext, data_cfg: DataConfig) -> tuple[Dataset, Dataset, dict[str, Any]]:
    """The stage's (train, validation, report); the validation rows are also written to
    outputs/<stage>/validation.jsonl, where evaluation reads them."""
    train, validation, report = prepare(data_cfg)
    ctx.output_dir.mkdir(parents=True, exist_ok=True)
    validation.to_json(ctx.output_dir / "validation.jsonl", force_ascii=False)
    return train, validation, report


def unknown_sections(ctx: StageContext, known: set[str]) -> None:
    """Refuse a top-level section the stage does not read (a typo such as `trainig`),
    naming where it was set and the closest known section."""
    if extra := sorted(set(ctx.config) - known):
        located = [key_location(ctx.config, ctx.where, key) + did_you_mean(key, known) for key in extra]
        raise ConfigError(f"unknown section(s): {'; '.join(located)}; expected {sorted(known)}")


def finish(trainer, ctx: StageContext, model_args: ModelConfig, summary: dict[str, Any]) -> StageResult:
    """Save the log history and a plain model folder, check that the folder reloads into
    the same model, and return what results.json records."""
    summary = {"method": describe_method(model_args), **summary}
    ctx.output_dir.mkdir(parents=True, exist_ok=True)
    log_path = ctx.output_dir / "log_history.json"
    log_path.write_text(json.dumps(trainer.state.log_history, indent=1), encoding="utf-8")

    model_dir = ctx.output_dir / "model"
    shutil.rmtree(model_dir, ignore_errors=True)
    trained = trainer.accelerator.unwrap_model(trainer.model)
    loading = dict(trainer.args.model_init_kwargs or {})  # how the input model was loaded (loading_kwargs)
    if model_args.use_peft:
        adapter_dir = ctx.output_dir / "adapter"
        trainer.save_model(str(adapter_dir))
        if model_args.load_in_4bit or model_args.load_in_8bit:
            # QLoRA: the trained base is quantized; the model we keep is the adapter merged
            # into the full-precision base, built in memory here and checked below.
            reference = merge_adapter(ctx.input_model, adapter_dir, model_dir, **loading)
        else:
            reference = trained.merge_and_unload()
            reference.save_pretrained(model_dir)
    else:
        reference = trained
        trainer.save_model(str(model_dir))
    # The input's own tokenizer (the trainer's may carry a training chat template).
    load_tokenizer(ctx.input_model, **loading).save_pretrained(model_dir)
    # What evaluation needs to load the input (the base model, for the first stage) and the saved folder alike.
    summary["input_loading"] = pick(loading, MODEL_KEYS)
    summary["model_loading"] = saved_model_kwargs(loading)
    summary["reload_check"] = check_reload(reference, trainer.processing_class, model_dir, loading)
    return StageResult(ctx.name, str(model_dir), summary, str(log_path))


# Prompts of the reload check: short, in both languages, greedy.
RELOAD_PROMPTS = ("1 + 1 = ?", "用一句话介绍你自己。", "Name three colours.")


def check_reload(
    reference, tokenizer, model_dir: Path, loading: dict[str, Any] | None = None, max_new_tokens: int = 8
) -> dict[str, Any]:
    """The saved folder, reloaded with its saved tokenizer, must generate exactly what the
    model in memory generates with the training tokenizer. A difference means the
    evaluation would measure another model than the one trained (wrong weights saved, a
    chat template changed on the way): the run stops here instead of reporting it."""
    from ...scoring.evaluation.generate import GenerationSettings, generate
    from ..modeling import load_model

    settings = GenerationSettings(max_new_tokens=max_new_tokens, do_sample=False, batch_size=len(RELOAD_PROMPTS))
    conversations = [[{"role": "user", "content": prompt}] for prompt in RELOAD_PROMPTS]
    expected = generate(reference.eval(), tokenizer, conversations, settings)
    local = saved_model_kwargs(loading or {})
    reloaded = load_model(str(model_dir), dtype=reference.dtype, device=str(reference.device), **local)
    found = generate(reloaded, load_tokenizer(str(model_dir), **local), conversations, settings)
    if found != expected:
        first = next(i for i, (a, b) in enumerate(zip(expected, found, strict=True)) if a != b)
        raise RuntimeError(
            f"{model_dir} does not reload into the trained model: on {RELOAD_PROMPTS[first]!r} the model in memory "
            f"says {expected[first]!r} but the saved one says {found[first]!r}"
        )
    return {"status": "passed", "prompts": len(RELOAD_PROMPTS), "max_new_tokens": max_new_tokens}


def describe_method(model_args: ModelConfig) -> str:
    """'full', 'LoRA r=16' or 'QLoRA (4-bit) r=16': how the weights were trained."""
    if not model_args.use_peft:
        return "full"
    if model_args.load_in_4bit or model_args.load_in_8bit:
        return f"QLoRA ({4 if model_args.load_in_4bit else 8}-bit) r={model_args.lora_r}"
    return f"LoRA r={model_args.lora_r}"
