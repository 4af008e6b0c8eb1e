"""What the preference stages share: DPO, SimPO, KTO and ORPO learn from chosen and
rejected answers to the same prompt, each with its own TRL trainer (a `Method`).

configs/<stage>.yaml has four sections: `model` (trl.ModelConfig: full, LoRA or QLoRA),
`data` (DataConfig: a pair format, or with `pairs` any conversation format whose prompts
are used), `pairs` (training/on_policy.py: answers sampled from the input model and
scored; null = the dataset's own pairs) and `training` (the method's TRL config).

Besides what every stage leaves (common.py): validation.jsonl holds the held-out pairs
with `messages`, the prompt and its preferred answer, which evaluation's validation loss
scores; with `pairs`, pairs.jsonl holds the pairs trained on. The summary records the
last logged rewards/margins and rewards/accuracies.
"""

from __future__ import annotations

import importlib
import json
import os
from dataclasses import dataclass, field, replace
from typing import Any

from datasets import Dataset
from trl import ModelConfig, get_peft_config, get_quantization_config
from trl.data_utils import unpair_preference_dataset

from ...config import ConfigError, Section, build, key_location, with_defaults
from ..data import DataConfig, prepare
from ..modeling import load_tokenizer
from ..on_policy import make_pairs, pairs_config
from ..pairs import PAIR_CONVERTERS, preferred_conversation
from .common import (
    StageContext,
    StageResult,
    StageTrainer,
    finish,
    load_data,
    loading_kwargs,
    model_config,
    training_config,
    unknown_sections,
)

SECTIONS = {"model", "data", "pairs", "training"}
# The formats training/pairs.py converts: pairs, and the unpaired rows only KTO reads.
UNPAIRED_FORMATS = ("kto",)
PAIR_FORMATS = tuple(name for name in PAIR_CONVERTERS if name not in UNPAIRED_FORMATS)


def trl_class(path: str) -> type:
    """A TRL class by dotted path, imported when first needed; trl.experimental's import
    notice is silenced (CPO and ORPO live there on TRL 1.x)."""
    os.environ.setdefault("TRL_EXPERIMENTAL_SILENCE", "1")
    module, name = path.rsplit(".", 1)
    return getattr(importlib.import_module(module), name)


@dataclass(frozen=True)
class Method:
    """One preference method: its TRL trainer and config (dotted paths), the training keys
    the stage fixes (a different value in the config is refused, with `why`), whether the
    trainer takes quantization_config itself (the others load the model from
    model_init_kwargs) and whether it learns from unpaired rows (KTO)."""

    trainer: str
    config: str
    fixed: dict[str, Any] = field(default_factory=dict)
    why: str = ""
    takes_quantization_config: bool = True
    unpaired: bool = False

    def config_class(self) -> type:
        return trl_class(self.config)

    # The stage-module interface (stages/__init__.py): each preference stage module binds these.
    def training_config_class(self, config: dict) -> type:
        """The method's TRL config class (one for every config of the stage)."""
        return self.config_class()

    def parse_args(self, ctx: StageContext) -> tuple[ModelConfig, Any, DataConfig]:
        return parse_args(ctx, self)

    def build_trainer(self, ctx: StageContext) -> StageTrainer:
        return build_trainer(ctx, self)

    def run(self, ctx: StageContext) -> StageResult:
        return run(ctx, self)


def parse_args(ctx: StageContext, method: Method) -> tuple[ModelConfig, Any, DataConfig]:
    """configs/<stage>.yaml (profile applied) as the dataclasses TRL's scripts parse; the
    `pairs` section and the data format are checked here too, before anything loads."""
    unknown_sections(ctx, SECTIONS)
    model_args = model_config(ctx)
    training_args = training_config(with_fixed_keys(ctx, method), method.config_class())
    loading_kwargs(model_args, training_args)  # from_pretrained keywords, into training_args.model_init_kwargs
    data_cfg = build(DataConfig, ctx.config.get("data"), f"{ctx.where}: data")
    on_policy = pairs_config(ctx)
    formats = PAIR_FORMATS + (UNPAIRED_FORMATS if method.unpaired else ())
    if on_policy is None and data_cfg.format not in formats:
        raise ConfigError(
            f"{ctx.where}: data.format '{data_cfg.format}': the {ctx.name} stage reads preference pairs {list(formats)}, "
            "or set a `pairs` section to sample on-policy pairs from the data's prompts"
        )
    if on_policy is not None and data_cfg.format in PAIR_CONVERTERS:
        raise ConfigError(
            f"{ctx.where}: with `pairs` the data section gives prompts: use a conversation format, not '{data_cfg.format}'"
        )
    if on_policy is not None and training_args.eval_strategy != "no":
        raise ConfigError(f"{ctx.where}: on-policy pairs have no held-out pairs to evaluate on: set training.eval_strategy to no")
    return model_args, training_args, data_cfg


def with_fixed_keys(ctx: StageContext, method: Method) -> StageContext:
    """The context with the method's fixed training keys filled in; a config that sets one
    of them to another value is refused, naming where it was set."""
    training = ctx.config.get("training") or {}
    for key, value in method.fixed.items():
        if key in training and training[key] != value:
            raise ConfigError(
                f"{key_location(training, f'{ctx.where}: training', key)} is {training[key]!r}, but the {ctx.name} "
                f"stage sets {key}: {value!r} ({method.why}); remove the key"
            )
    config = Section(
        {**ctx.config, "training": with_defaults(training, **method.fixed)}, origins=getattr(ctx.config, "origins", None)
    )
    return replace(ctx, config=config)


def load_pairs(ctx: StageContext, data_cfg: DataConfig) -> tuple[Dataset, Dataset, dict[str, Any]]:
    """The dataset's pairs (train, validation, report); validation.jsonl gets each held-out
    pair with `messages`, the preferred conversation evaluation's validation loss scores."""
    train, validation, report = prepare(data_cfg)
    ctx.output_dir.mkdir(parents=True, exist_ok=True)
    with open(ctx.output_dir / "validation.jsonl", "w", encoding="utf-8") as handle:
        for row in validation:
            if messages := preferred_conversation(row):
                handle.write(json.dumps({**row, "messages": messages}, ensure_ascii=False) + "\n")
    return train, validation, report


def unpaired(dataset: Dataset, seed: int) -> Dataset:
    """Pairs as KTO's unpaired rows, shuffled: trl's unpair_preference_dataset puts a batch's
    chosen rows before its rejected ones, and KTO samples sequentially, so unshuffled batches
    would hold one kind only (and no margin could be logged)."""
    if "chosen" not in dataset.column_names:
        return dataset
    return unpair_preference_dataset(dataset).shuffle(seed=seed)


def kto_balance(dataset: Dataset, desirable_weight: float, undesirable_weight: float) -> dict[str, Any]:
    """Desirable and undesirable counts and, when the loss weights do not balance them, the
    advice KTOTrainer prints itself (kept here as a note in the stage's summary, not printed
    a second time)."""
    desirable = sum(dataset["label"])
    balance = {"desirable": desirable, "undesirable": len(dataset) - desirable}
    # TRL's rule, as trl/trainer/kto_trainer.py (_prepare_dataset, lines ~1158-1183 in TRL 1.x) checks
    # it after Eq. 8 of the KTO paper: with d desirable and u undesirable rows (each at least 1),
    # desirable_weight in [u * undesirable_weight / d, 1.33 x that] OR undesirable_weight in
    # [d * desirable_weight / u / 1.33, d * desirable_weight / u] (either one, not both); equal counts pass.
    d = max(desirable, 1)
    u = max(len(dataset) - d, 1)
    if d == u:
        return balance
    desirable_range = (round(u * undesirable_weight / d, 2), round(u * undesirable_weight / d * 1.33, 2))
    undesirable_range = (round(d * desirable_weight / u / 1.33, 2), round(d * desirable_weight / u, 2))
    if not (
        desirable_range[0] <= desirable_weight <= desirable_range[1]
        or undesirable_range[0] <= undesirable_weight <= undesirable_range[1]
    ):
        balance["note"] = (
            f"{desirable} desirable vs {balance['undesirable']} undesirable rows: TRL advises either desirable_weight in "
            f"{list(desirable_range)} or undesirable_weight in {list(undesirable_range)}"
        )
    return balance


def device_map(training_args) -> str | None:
    """The device_map DPO and KTO load their model with, for CPO and ORPO, which would use
    "auto" everywhere: None on CPU or MPS (trl.trainer.utils.create_model_from_path) and in
    accelerate's multi-GPU and DeepSpeed runs, where each process holds a whole copy ("auto"
    would spread one copy over every GPU; trl/trainer/dpo_trainer.py: distributed_type in
    MULTI_GPU, DEEPSPEED), else "auto"."""
    if training_args.device.type in ("cpu", "mps"):
        return None
    if training_args.distributed_state.distributed_type in ("MULTI_GPU", "DEEPSPEED"):
        return None
    return "auto"


def build_trainer(ctx: StageContext, method: Method) -> StageTrainer:
    """Parse the config, load (or sample) the pairs and the tokenizer, and build the trainer
    (which loads the model); nothing is trained yet. With LoRA no reference model is given:
    DPO and KTO then take the reference from the model with its adapter disabled."""
    model_args, training_args, data_cfg = parse_args(ctx, method)
    on_policy = pairs_config(ctx)
    summary: dict[str, Any] = {"dataset": data_cfg.dataset}
    if on_policy is None:
        train, validation, summary["data"] = load_pairs(ctx, data_cfg)
    else:
        prompts, _, summary["data"] = load_data(ctx, data_cfg)
        device = "cpu" if training_args.use_cpu else None
        train, summary["pairs"] = make_pairs(ctx, on_policy, prompts, training_args.model_init_kwargs, device)
        validation = None
    if method.unpaired:
        train = unpaired(train, training_args.seed)
        validation = unpaired(validation, training_args.seed) if validation is not None else None
        summary["kto_rows"] = kto_balance(train, training_args.desirable_weight, training_args.undesirable_weight)
    quantization = get_quantization_config(model_args)
    extra: dict[str, Any] = {}
    if method.takes_quantization_config:
        extra["quantization_config"] = quantization
    else:  # CPO and ORPO pass model_init_kwargs straight to from_pretrained, with device_map "auto" unless set
        training_args.model_init_kwargs = {
            "device_map": device_map(training_args),
            **training_args.model_init_kwargs,
            **({"quantization_config": quantization} if quantization else {}),
        }
    trainer = trl_class(method.trainer)(
        model=model_args.model_name_or_path,
        args=training_args,
        train_dataset=train,
        eval_dataset=validation if training_args.eval_strategy != "no" else None,
        processing_class=load_tokenizer(model_args.model_name_or_path, **training_args.model_init_kwargs),
        peft_config=get_peft_config(model_args),
        **extra,
    )
    return StageTrainer(trainer, model_args, summary)


def last_logged(history: list[dict[str, Any]], key: str) -> float | None:
    return next((record[key] for record in reversed(history) if key in record), None)


def run(ctx: StageContext, method: Method) -> StageResult:
    """Build the trainer, train, and save the model where the next stage reads it."""
    built = build_trainer(ctx, method)
    trainer = built.trainer
    outcome = trainer.train(resume_from_checkpoint=trainer.args.resume_from_checkpoint)
    history = trainer.state.log_history
    summary = {
        **built.summary,
        "train_loss": outcome.training_loss,
        "steps": outcome.global_step,
        "final_reward_margin": last_logged(history, "rewards/margins"),
        "final_reward_accuracy": last_logged(history, "rewards/accuracies"),  # KTO logs none
        **outcome.metrics,
    }
    return finish(trainer, ctx, built.model_args, summary)
