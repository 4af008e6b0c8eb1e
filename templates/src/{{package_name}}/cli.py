"""Command line of this project: run | eval | data | preflight | plots | report | slides | tiny (see --help of each).

Every command that reads configs takes `--set <config>.<dotted.key>=<value>` (repeatable),
applied after the profile: `run --profile gpu-24gb --set sft.training.learning_rate=1e-5`.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from pathlib import Path

from .config import HUB_UNREACHABLE, PipelineConfig, ProjectError

PROG = f"python -m {__package__}"
SET_HELP = (
    "override one config value after the profile (repeatable): <config>.<dotted.key>=<value>, "
    "<config> a file in configs/ or every_stage, the value read as YAML; e.g. sft.training.learning_rate=1e-5"
)


def stage_list(text: str) -> list[str]:
    """`--stages sft,grpo` -> ["sft", "grpo"]."""
    return [name.strip() for name in text.split(",") if name.strip()]


def add_set_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--set", action="append", default=[], dest="overrides", metavar="CONFIG.KEY=VALUE", help=SET_HELP)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__)
    parser.add_argument("--config-dir", type=Path, default=Path("configs"), help="where the YAML configs are")
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="train the stages, evaluate every model, then plots, report and slides")
    run.add_argument("--profile", help="hardware profile in configs/profiles/ (tiny = CPU smoke run)")
    run.add_argument("--stages", type=stage_list, help="comma-separated subset of stages to run (earlier outputs are reused)")
    run.add_argument("--no-eval", action="store_true", help="train only")
    add_set_option(run)

    evaluate = commands.add_parser("eval", help="evaluate the base model and every trained stage")
    evaluate.add_argument("--profile")
    add_set_option(evaluate)

    data = commands.add_parser("data", help="load, convert and clean a stage's data; print the report")
    data.add_argument("--profile")
    data.add_argument("--stage", default=None, help="stage whose data to prepare (default: the first)")
    add_set_option(data)

    for name, what in (
        ("plots", "the plots"),
        ("report", "the tables and figures of report/report.md"),
        ("slides", "slides/slides.pptx"),
    ):
        present = commands.add_parser(name, help=f"rebuild {what} from results.json (no model is loaded)")
        present.add_argument("--profile", help="the profile whose results to use (tiny = the smoke run)")
        add_set_option(present)

    commands.add_parser("tiny", help="build (or find) the tiny offline model and print its folder")

    preflight = commands.add_parser("preflight", help="check configs, GPU, disk, tokenizer and packages before a real run")
    preflight.add_argument("--profile", help="hardware profile in configs/profiles/ (gpu-24gb, ...)")
    # `make train` hands the same ARGS to preflight and to run: preflight takes run's --stages
    preflight.add_argument("--stages", type=stage_list, help="check only these stages (comma-separated, as run --stages)")
    preflight.add_argument("--json", action="store_true", help="print the checks and every effective TRL config field as JSON")
    add_set_option(preflight)

    args = parser.parse_args(argv)
    try:
        return dispatch(args)
    except ProjectError as error:  # a config, data or missing-step error: its message says what to change
        print(f"error: {error}", file=sys.stderr)
        return 2
    except Exception as error:  # a bug or a library failure (CUDA, hub, ...): the traceback is the information
        traceback.print_exc()
        if hint := failure_hint(error):
            print(f"hint: {hint}", file=sys.stderr)
        return 1


# Known failures of real runs: what to look for in the error (or its cause), and what to try.
HINTS = (
    (
        ("OutOfMemoryError", "out of memory"),
        "the GPU ran out of memory: lower per_device_train_batch_size (raise gradient_accumulation_steps to keep the "
        "batch), set activation_checkpointing: true, shorten max_length / max_completion_length, or use a smaller "
        "profile (configs/profiles/)",
    ),
    (
        HUB_UNREACHABLE,
        "the model hub could not be reached: set HF_ENDPOINT to a mirror (e.g. https://hf-mirror.com), or download "
        "the model once and set base_model in configs/pipeline.yaml to its folder",
    ),
    (
        ("support bf16", "bf16/gpu"),
        "this GPU cannot train in bf16 (T4, V100): under every_stage in your profile set training.bf16: false, "
        "training.fp16: true and model.dtype: float16 (LoRA only), or rent a bf16 card (RTX 30/40, A10, L4, A100, H100)",
    ),
    (("ModuleNotFoundError", "ImportError"), "a package is missing: install the project with its extras (make install)"),
)


def failure_hint(error: BaseException) -> str | None:
    """A one-line hint for a known failure, looking through the chain of causes."""
    for _ in range(10):  # causes chain a few levels deep at most
        if error is None:
            break
        text = f"{type(error).__name__}: {error}"
        for needles, hint in HINTS:
            if any(needle in text for needle in needles):
                return hint
        error = error.__cause__ or error.__context__
    return None


def dispatch(args: argparse.Namespace) -> int:
    if args.command == "tiny":
        from .training.tiny import ensure_tiny_model

        print(ensure_tiny_model())
        return 0

    if args.command in ("plots", "report", "slides"):
        from .talk.present import present

        parts = () if args.command == "plots" else (args.command,)  # present() names the parts it built
        made = present(args.profile, args.config_dir, parts=parts, strict=True, overrides=args.overrides)
        if args.command == "plots":
            print("\n".join(map(str, made)))
        return 0

    from .config import load_pipeline

    _prepare_environment(load_pipeline(args.profile, args.config_dir, args.overrides))
    if args.command == "preflight":
        return _preflight(args)

    # Heavy imports only now, after the environment is set.
    from . import pipeline

    if args.command == "run":
        pipeline.run(
            args.profile, only=args.stages, evaluate=not args.no_eval, config_dir=args.config_dir, overrides=args.overrides
        )
    elif args.command == "eval":
        pipeline.evaluate_only(args.profile, args.config_dir, args.overrides)
    elif args.command == "data":
        pipeline.prepare_data(args.profile, args.stage, args.config_dir, args.overrides)
    return 0


def _prepare_environment(pipeline: PipelineConfig) -> None:
    """Offline switches and thread count must be set before transformers is imported."""
    if pipeline.offline:
        for variable in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "TRANSFORMERS_OFFLINE"):
            os.environ[variable] = "1"
    if threads := pipeline.torch_threads:
        os.environ["OMP_NUM_THREADS"] = str(threads)
        import torch

        torch.set_num_threads(threads)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def _preflight(args: argparse.Namespace) -> int:
    """Exit status 1 when a check failed, so `make train` stops before training."""
    import contextlib
    import json

    from .preflight import failed, report_lines, run_preflight

    with contextlib.redirect_stdout(sys.stderr):  # library notes must not mix into the JSON
        report = run_preflight(args.profile, args.config_dir, args.overrides, only=args.stages)
    print(json.dumps(report, indent=1, ensure_ascii=False) if args.json else "\n".join(report_lines(report)))
    return 1 if failed(report) else 0
