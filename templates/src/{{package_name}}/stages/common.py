"""What every stage shares: its context, config parsing, and the way it saves its output.

A stage reads its input model from `ctx.input_model` (the base model or the previous
stage's `outputs/<stage>/model`) and leaves in `ctx.output_dir`:
    model/             a plain transformers model folder (LoRA merged)
    adapter/           the LoRA adapter, when PEFT was used
    log_history.json   the trainer's log history (loss curves are drawn from it)
    checkpoints/       trainer checkpoints (resume with training.resume_from_checkpoint)
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trl import ModelConfig

from ..config import ConfigError, build
from ..modeling import load_tokenizer, merge_adapter


@dataclass
class StageContext:
    name: str
    config: dict[str, Any]  # configs/<name>.yaml with the profile applied
    input_model: str
    output_dir: Path
    report_to: str = "none"
    seed: int = 42

    @property
    def where(self) -> str:
        return f"configs/{self.name}.yaml"


@dataclass
class StageResult:
    name: str
    model_path: str
    summary: dict[str, Any] = field(default_factory=dict)
    log_history: str | None = None


def model_config(ctx: StageContext) -> ModelConfig:
    return build(ModelConfig, ctx.config.get("model"), f"{ctx.where}: model", model_name_or_path=ctx.input_model)


def training_config(ctx: StageContext, config_class: type):
    """The stage's TRL config (SFTConfig, GRPOConfig, ...) from the `training` section."""
    values = {"report_to": ctx.report_to, "seed": ctx.seed, **(ctx.config.get("training") or {})}
    return build(
        config_class,
        values,
        f"{ctx.where}: training",
        output_dir=str(ctx.output_dir / "checkpoints"),
        run_name=ctx.name,
    )


def unknown_sections(ctx: StageContext, known: set[str]) -> None:
    if extra := sorted(set(ctx.config) - known):
        raise ConfigError(f"{ctx.where}: unknown section(s) {extra}; expected {sorted(known)}")


def finish(trainer, ctx: StageContext, model_args: ModelConfig, summary: dict[str, Any]) -> StageResult:
    """Save the log history and a plain model folder; return what results.json records."""
    summary = {"method": describe_method(model_args), **summary}
    ctx.output_dir.mkdir(parents=True, exist_ok=True)
    log_path = ctx.output_dir / "log_history.json"
    log_path.write_text(json.dumps(trainer.state.log_history, indent=1), encoding="utf-8")

    model_dir = ctx.output_dir / "model"
    shutil.rmtree(model_dir, ignore_errors=True)
    if model_args.use_peft:
        adapter_dir = ctx.output_dir / "adapter"
        trainer.save_model(str(adapter_dir))
        merge_adapter(ctx.input_model, adapter_dir, model_dir, model_args.dtype)
    else:
        trainer.save_model(str(model_dir))
    load_tokenizer(ctx.input_model).save_pretrained(model_dir)
    return StageResult(ctx.name, str(model_dir), summary, str(log_path))


def describe_method(model_args: ModelConfig) -> str:
    """'full', 'LoRA r=16' or 'QLoRA (4-bit) r=16': how the weights were trained."""
    if not model_args.use_peft:
        return "full"
    if model_args.load_in_4bit or model_args.load_in_8bit:
        return f"QLoRA ({4 if model_args.load_in_4bit else 8}-bit) r={model_args.lora_r}"
    return f"LoRA r={model_args.lora_r}"
