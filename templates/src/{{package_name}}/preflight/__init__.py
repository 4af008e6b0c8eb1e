"""Preflight: check a real run before it starts, so that it cannot fail hours in.

`python -m <package> preflight --profile gpu-24gb [--stages grpo] [--json]` (and `make
train`, which runs it first with the same ARGS) builds every stage's TRL config and
rewards exactly as the stage will (or only the stages `--stages` names), loads the real
tokenizer and checks that assistant-only loss can be set up with its chat template,
then checks CUDA, bf16, the card's memory, free disk where outputs and the HF cache go,
and the optional packages the configs need. One line per check, with the fix. On a
machine without a GPU or the model hub those checks are skipped with the reason, and
the configs are still built and shown (`--json`: every effective TRL field).

Modules: check.py (one check), stages.py (the stages' configs), tokenizer.py (the chat
template); the machine's checks (GPU, disk, packages) and the entry points are here.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..config import CONFIG_DIR, load_pipeline
from ..training.modeling import TINY
from .check import Check
from .stages import build_stages
from .tokenizer import assistant_mask_check, tokenizer_check

# Rough sizes of what a run writes, for a ~2B model in bf16 (Qwen3-1.7B: 3.4 GB of weights).
OUTPUT_GB_PER_STAGE = {"lora": 6, "full": 30}  # model folder + kept checkpoints (full: optimizer state too)
HF_CACHE_GB = 10  # the base model download plus the datasets
TRACKING_PACKAGES = {"tensorboard": "tensorboard", "wandb": "wandb", "swanlab": "swanlab"}


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


__all__ = ["Check", "assistant_mask_check", "build_stages", "failed", "report_lines", "run_preflight", "tokenizer_check"]
