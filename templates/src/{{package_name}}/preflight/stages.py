"""Every stage's effective configs, built by the stage's own code (parse_args, and the
GRPO rewards) without loading a model: what the run will train with, or the error it
would stop on, as a preflight check."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..config import ConfigError, load_config
from ..config_types import jsonable
from ..training.modeling import resolve_model
from ..training.stages import stage_module
from ..training.stages.common import StageContext, describe_method
from .check import Check


def build_stage(name: str, config: dict, input_model: str, pipeline, cuda: bool) -> tuple[dict, Check]:
    """The stage's ModelConfig and TRL training config, and its rewards where it has any,
    built by the stage's own code."""
    module = stage_module(name)
    config, training_values = copy.copy(config), copy.copy(config.get("training") or {})  # copies keep key origins
    configured_cpu = bool(training_values.get("use_cpu", False))
    if not cuda:  # bf16 needs a GPU to build; the device is a fact of this machine, not of the config
        training_values["use_cpu"] = True
    config["training"] = training_values
    ctx = StageContext(name, config, input_model, Path(pipeline.output_dir) / name, pipeline.report_to, pipeline.seed)
    try:
        model_args, training, _ = module.parse_args(ctx)  # what the run parses, errors included
        if hasattr(module, "reward_functions"):  # GRPO: an option a reward does not take stops the run at its start
            module.reward_functions(ctx)
    except Exception as error:  # a config error names its file and key; show it as the fix
        return {"error": str(error)}, Check(f"config {name}", "fail", f"configs/{name}.yaml does not build", str(error))
    values = training.to_dict()
    values["use_cpu"] = configured_cpu
    summary = {"method": describe_method(model_args), "base_dtype": model_args.dtype, **stage_summary(training)}
    entry = {"model": jsonable(dataclasses.asdict(model_args)), "training": jsonable(values), "summary": summary}
    if not cuda:
        entry["note"] = "built on a machine without CUDA: use_cpu was set only to build it"
    return entry, Check(f"config {name}", "ok", describe_summary(type(training).__name__, summary))


def stage_summary(training) -> dict[str, Any]:
    """What a student checks first: batch, schedule, checkpoints."""
    total = training.max_steps if training.max_steps and training.max_steps > 0 else None
    summary = {
        "learning_rate": training.learning_rate,
        "lr_scheduler_type": str(getattr(training.lr_scheduler_type, "value", training.lr_scheduler_type)),
        "warmup_steps": training.warmup_steps,
        "warmup_steps_resolved": training.get_warmup_steps(total) if total else None,
        "max_steps": total,
        "samples_per_step": training.per_device_train_batch_size * training.gradient_accumulation_steps,
        "save_strategy": str(getattr(training.save_strategy, "value", training.save_strategy)),
        "save_steps": training.save_steps,
        "save_total_limit": training.save_total_limit,
    }
    if hasattr(training, "num_generations") and hasattr(training, "generation_batch_size"):
        summary["completions_per_step"] = training.generation_batch_size
        summary["prompts_per_step"] = training.generation_batch_size // training.num_generations
    return summary


def describe_summary(kind: str, s: dict[str, Any]) -> str:
    batch = (
        f"{s['prompts_per_step']} prompts x {s['completions_per_step'] // s['prompts_per_step']} completions per step"
        if "prompts_per_step" in s
        else f"{s['samples_per_step']} samples per step"
    )
    keep = f"keep {s['save_total_limit']}" if s["save_total_limit"] else "keep all"
    saves = "none" if s["save_strategy"] == "no" else f"every {steps(s['save_steps'])} ({keep})"
    return (
        f"{kind}: {s['method']} on a {s['base_dtype']} base, {batch}, lr {s['learning_rate']:g} {s['lr_scheduler_type']} "
        f"(warmup {steps(s['warmup_steps'])}), checkpoints {saves}"
    )


def steps(value: float) -> str:
    """TrainingArguments read a value below 1 as a share of the total steps."""
    return f"{value:.0%} of the steps" if 0 < value < 1 else f"{value:g} steps"


def build_stages(
    pipeline,
    profile: str | None,
    config_dir: Path,
    cuda: bool,
    overrides: Sequence[str] = (),
    only: Sequence[str] | None = None,
) -> tuple[dict, list[Check]]:
    """Every stage's effective configs, or those of the stages in `only` (`run --stages`)."""
    if unknown := sorted(set(only or []) - set(pipeline.stages)):
        raise ConfigError(f"no stage {unknown} in this recipe (stages: {pipeline.stages})")
    stages, checks = {}, []
    current = resolve_model(pipeline.base_model)
    for name in pipeline.stages:
        if not only or name in only:
            config = load_config(name, profile, config_dir, overrides)
            stages[name], check = build_stage(name, config, current, pipeline, cuda)
            checks.append(check)
        current = str(Path(pipeline.output_dir) / name / "model")  # where the run reads a stage it skips
    return stages, checks
