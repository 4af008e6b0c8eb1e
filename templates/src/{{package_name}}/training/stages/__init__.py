"""One module per training stage, each shaped like a TRL example script: parse_args(ctx),
build_trainer(ctx) and `run(ctx: StageContext) -> StageResult`."""

import importlib
from dataclasses import asdict
from typing import Any

from ...config_types import jsonable


def stage_module(name: str):
    """stages/<name>.py: exposes training_config_class(config) (its TRL config class),
    parse_args(ctx), build_trainer(ctx) and run(ctx)."""
    return importlib.import_module(f"{__name__}.{name.replace('-', '_')}")


def effective_config(ctx) -> dict[str, Any]:
    """The config stage `ctx.name` trains with, as its own parse_args builds it, JSON-safe:
    `model` (trl.ModelConfig, the real input model included), `training` (every field of
    the TRL config: TRL's defaults and what the pipeline sets, such as seed, output_dir,
    run_name, report_to and model_init_kwargs), `data` (DataConfig); other sections
    (trainer, rewards) as written. Building it raises what the stage would raise."""
    model_args, training_args, data_cfg = stage_module(ctx.name).parse_args(ctx)
    # to_dict(), as the Trainer reports its arguments: enums as values, tokens masked.
    parsed = {"model": asdict(model_args), "training": training_args.to_dict(), "data": asdict(data_cfg)}
    pairs = ctx.config.get("pairs")
    if isinstance(pairs, dict) and pairs.get("judge"):  # the judge's endpoint, model and key are never saved
        from ...scoring.judge import redact

        parsed["pairs"] = {**pairs, "judge": redact(pairs["judge"])}
    # The config's own section order; a parsed section it does not write comes last.
    return jsonable({**{section: parsed.get(section, values) for section, values in ctx.config.items()}, **parsed})
