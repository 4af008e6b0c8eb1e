"""One module per training stage, each shaped like a TRL example script: parse_args(ctx),
build_trainer(ctx) and `run(ctx: StageContext) -> StageResult`."""

import importlib


def stage_module(name: str):
    """stages/<name>.py: exposes training_config_class(config) (its TRL config class),
    parse_args(ctx), build_trainer(ctx) and run(ctx)."""
    return importlib.import_module(f"{__name__}.{name.replace('-', '_')}")
