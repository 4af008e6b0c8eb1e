"""One module per training stage, each with `run(ctx: StageContext) -> StageResult`."""

import importlib


def stage_module(name: str):
    """stages/<name>.py: exposes training_config_class(config) (its TRL config class) and run(ctx)."""
    return importlib.import_module(f"{__name__}.{name.replace('-', '_')}")
