"""Preflight: check a real run before it starts, so that it cannot fail hours in.

`python -m <package> preflight --profile gpu-24gb [--stages grpo] [--json]` (and `make
train`, which runs it first with the same ARGS) builds every stage's TRL config and
rewards exactly as the stage will (or only the stages `--stages` names), loads the real
tokenizer and checks that assistant-only loss can be set up with its chat template,
then checks CUDA, bf16, the card's memory, free disk where outputs and the HF cache go,
and the optional packages the configs need. One line per check, with the fix. On a
machine without a GPU or the model hub those checks are skipped with the reason, and
the configs are still built and shown (`--json`: every effective TRL field).
"""

from __future__ import annotations

import copy
import dataclasses
import importlib.util
import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .config import CONFIG_DIR, HUB_UNREACHABLE, ConfigError, load_config, load_pipeline
from .config_types import jsonable
from .training.modeling import TINY

# Rough sizes of what a run writes, for a ~2B model in bf16 (Qwen3-1.7B: 3.4 GB of weights).
OUTPUT_GB_PER_STAGE = {"lora": 6, "full": 30}  # model folder + kept checkpoints (full: optimizer state too)
HF_CACHE_GB = 10  # the base model download plus the datasets
TRACKING_PACKAGES = {"tensorboard": "tensorboard", "wandb": "wandb", "swanlab": "swanlab"}


@dataclass
class Check:
    name: str
    status: str  # ok | warn | fail | skip
    detail: str
    fix: str = ""


# ---------------------------------------------------------------- configs


def build_stage(name: str, config: dict, input_model: str, pipeline, cuda: bool) -> tuple[dict, Check]:
    """The stage's ModelConfig and TRL training config, and its rewards where it has any,
    built by the stage's own code."""
    from .training.stages import stage_module
    from .training.stages.common import StageContext, describe_method

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
    from .training.modeling import resolve_model

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


# ---------------------------------------------------------------- hardware


def gpu_checks(profile: str | None, stages: dict) -> list[Check]:
    import torch

    wants_bf16 = any(entry.get("training", {}).get("bf16") for entry in stages.values())
    if not torch.cuda.is_available():
        reason = "no CUDA device visible here (torch.cuda.is_available() is False)"
        fix = "run preflight on the GPU machine; there, install a CUDA build of PyTorch if this persists"
        return [Check("cuda", "skip", reason, fix), Check("bf16", "skip", reason), Check("gpu memory", "skip", reason)]
    props = torch.cuda.get_device_properties(0)
    total_gb = props.total_memory / 1024**3
    checks = [Check("cuda", "ok", f"{props.name}, {total_gb:.0f} GB, torch {torch.__version__}, CUDA {torch.version.cuda}")]
    if wants_bf16 and not torch.cuda.is_bf16_supported():
        checks.append(
            Check(
                "bf16",
                "fail",
                f"{props.name} has no bf16 (T4, V100 and older cards)",
                "use a bf16 card (RTX 30xx/40xx, A10, L4, A100, H100), or under every_stage in the profile set "
                "training.bf16: false, training.fp16: true and model.dtype: float16 (LoRA only; watch for overflow)",
            )
        )
    else:
        checks.append(Check("bf16", "ok", "supported" if wants_bf16 else "not used"))
    checks.append(memory_check(profile, total_gb))
    return checks


def memory_check(profile: str | None, total_gb: float) -> Check:
    if not profile or not profile.startswith("gpu-") or not profile.endswith("gb"):
        return Check("gpu memory", "skip", f"profile '{profile}' names no memory size")
    wanted = int(profile.removeprefix("gpu-").removesuffix("gb"))
    if total_gb < 0.9 * wanted:
        return Check(
            "gpu memory",
            "fail",
            f"{total_gb:.0f} GB on this card; profile {profile} is sized for {wanted} GB",
            "pick the profile of this card (configs/profiles/), or halve per_device_train_batch_size and double "
            "gradient_accumulation_steps in it",
        )
    return Check("gpu memory", "ok", f"{total_gb:.0f} GB for a {wanted} GB profile")


# ---------------------------------------------------------------- disk and packages


def disk_checks(pipeline, stages: dict) -> list[Check]:
    """Free space where outputs and the HF cache go; both together when on one disk."""
    from huggingface_hub import constants

    full = sum(not entry.get("model", {}).get("use_peft", True) for entry in stages.values())
    outputs_gb = OUTPUT_GB_PER_STAGE["full"] * full + OUTPUT_GB_PER_STAGE["lora"] * (len(stages) - full)
    cache_gb = HF_CACHE_GB
    if pipeline.base_model == TINY:  # the smoke model is a megabyte
        outputs_gb, cache_gb = 1, 0
    places = {"outputs": (Path(pipeline.output_dir), outputs_gb), "hf cache": (Path(constants.HF_HUB_CACHE), cache_gb)}
    devices = {name: os.stat(existing_parent(path)).st_dev for name, (path, _) in places.items()}
    shared = devices["outputs"] == devices["hf cache"]
    checks = []
    for name, (path, need) in places.items():
        need_here = outputs_gb + cache_gb if shared else need
        free = shutil.disk_usage(existing_parent(path)).free / 1024**3
        detail = (
            f"{free:.0f} GB free at {path.resolve()} (need about {need_here} GB{', shared with the other' if shared else ''})"
        )
        if free < need_here:
            checks.append(
                Check(
                    f"disk {name}",
                    "fail",
                    detail,
                    "put it on the data disk: export HF_HOME=/path/on/data/disk/hf (cache) and set output_dir "
                    "in configs/pipeline.yaml to a folder there (see the README's GPU section)",
                )
            )
        else:
            checks.append(Check(f"disk {name}", "ok", detail))
    return checks


def existing_parent(path: Path) -> Path:
    path = path.resolve()
    while not path.exists():
        path = path.parent
    return path


def package_checks(pipeline, stages: dict) -> list[Check]:
    needed = {}
    if pipeline.report_to in TRACKING_PACKAGES:
        needed[TRACKING_PACKAGES[pipeline.report_to]] = f"report_to: {pipeline.report_to}"
    for name, entry in stages.items():
        report_to = entry.get("training", {}).get("report_to") or []  # a stage may set its own (TRL's place)
        for tracker in [report_to] if isinstance(report_to, str) else report_to:
            if tracker in TRACKING_PACKAGES:
                needed[TRACKING_PACKAGES[tracker]] = f"configs/{name}.yaml: report_to {tracker}"
        if entry.get("training", {}).get("use_vllm"):
            needed["vllm"] = f"configs/{name}.yaml: use_vllm"
        if entry.get("model", {}).get("load_in_4bit") or entry.get("model", {}).get("load_in_8bit"):
            needed["bitsandbytes"] = f"configs/{name}.yaml: 4/8-bit loading"
    if not needed:
        return [Check("packages", "ok", "no optional package needed")]
    checks = []
    for package, reason in needed.items():
        if importlib.util.find_spec(package) is None:
            extra = f"pip install -e '.[{package}]'" if package in TRACKING_PACKAGES else f"pip install {package}"
            checks.append(Check(f"package {package}", "fail", f"{reason} needs {package}, which is not installed", extra))
        else:
            checks.append(Check(f"package {package}", "ok", f"installed ({reason})"))
    return checks


# ---------------------------------------------------------------- tokenizer


def tokenizer_check(pipeline, stages: dict) -> Check:
    """Loads the real tokenizer; with assistant-only loss, TRL must be able to mask it."""
    from .training.modeling import load_tokenizer, resolve_model

    first = next(iter(stages.values()), {})
    loading = first.get("training", {}).get("model_init_kwargs") or {}  # revision, trust_remote_code
    try:
        tokenizer = load_tokenizer(resolve_model(pipeline.base_model), **loading)
    except Exception as error:
        reason = f"could not load the tokenizer of {pipeline.base_model}: {str(error).splitlines()[0]}"
        if unreachable(error):  # no hub, no mirror here: nothing to check on this machine
            return Check(
                "tokenizer",
                "skip",
                reason,
                "on the GPU machine: export HF_ENDPOINT=https://hf-mirror.com (or set base_model to a local folder)",
            )
        return Check("tokenizer", "fail", reason, "check base_model in configs/pipeline.yaml (a hub id or a model folder)")
    needs_mask = [n for n, e in stages.items() if e.get("training", {}).get("assistant_only_loss")]
    if not needs_mask:
        return Check("tokenizer", "ok", f"{pipeline.base_model} loads; no stage uses assistant-only loss")
    return assistant_mask_check(tokenizer, pipeline.base_model, needs_mask)


def unreachable(error: BaseException) -> bool:
    """The hub (or its mirror) could not be reached, as opposed to a wrong name or a broken model."""
    text = f"{type(error).__name__}: {error}"
    return any(sign in text for sign in HUB_UNREACHABLE)


def assistant_mask_check(tokenizer, model_name: str, stages: list[str]) -> Check:
    """What the SFT stage does with assistant_only_loss: the stage's fallback training
    template when TRL cannot patch the model's own (training/chat_template.py), then TRL's
    patching; then check the end-of-turn token is inside the loss mask."""
    from trl.chat_template_utils import get_training_chat_template, has_generation_markers, is_chat_template_stop_token_trained

    from .training.chat_template import use_training_template

    where = f"assistant-only loss ({', '.join(stages)})"
    try:
        use_training_template(tokenizer, model_name, f"configs/{stages[0]}.yaml")
        template = tokenizer.chat_template
        if not has_generation_markers(template):
            template = get_training_chat_template(tokenizer)
        stop_trained = is_chat_template_stop_token_trained(tokenizer, chat_template=template)
    except Exception as error:  # ConfigError says what to do; TRL's own errors too
        return Check("tokenizer", "fail", f"{where}: no chat template with generation markers for {model_name}", str(error))
    if not stop_trained:
        return Check(
            "tokenizer",
            "warn",
            f"{where}: the end-of-turn token is outside the loss mask; the model may not learn to stop",
            "use a chat template whose generation markers include the end-of-turn token",
        )
    return Check("tokenizer", "ok", f"{model_name}: {where} can be set up")


# ---------------------------------------------------------------- entry points


def run_preflight(
    profile: str | None, config_dir: Path = CONFIG_DIR, overrides: Sequence[str] = (), only: Sequence[str] | None = None
) -> dict[str, Any]:
    """Every check, and every stage's effective configs (only those of the stages in `only`
    when given, as `run --stages`), with the profile and `--set` overrides applied."""
    import torch

    pipeline = load_pipeline(profile, config_dir, overrides)
    stages, checks = build_stages(pipeline, profile, config_dir, torch.cuda.is_available(), overrides, only)
    checks += gpu_checks(profile, stages)
    checks.append(tokenizer_check(pipeline, stages))
    checks += disk_checks(pipeline, stages)
    checks += package_checks(pipeline, stages)
    return {"profile": profile, "checks": [dataclasses.asdict(c) for c in checks], "stages": stages}


MARKS = {"ok": " ok ", "warn": "warn", "fail": "FAIL", "skip": "skip"}


def report_lines(report: dict[str, Any]) -> list[str]:
    lines = []
    for check in report["checks"]:
        lines.append(f"[{MARKS[check['status']]}] {check['name']}: {check['detail']}")
        if check["fix"] and check["status"] != "ok":
            lines.append(f"       fix: {check['fix']}")
    failed = sum(check["status"] == "fail" for check in report["checks"])
    lines.append(f"preflight ({report['profile']}): " + (f"{failed} check(s) failed" if failed else "ready"))
    return lines


def failed(report: dict[str, Any]) -> bool:
    return any(check["status"] == "fail" for check in report["checks"])
