"""Odds Ratio Preference Optimization with TRL's ORPOTrainer (trl.experimental.orpo): the
SFT loss on the chosen answer plus an odds-ratio term against the rejected one, so it can
start from a base model with no SFT stage before it; full, LoRA or QLoRA.

configs/orpo.yaml: `model`, `data` (preference pairs), `pairs` (on-policy pairs, optional)
and `training` (ORPOConfig: beta is the weight of the odds-ratio term, the paper's lambda).
"""

from __future__ import annotations

from . import preference
from .common import StageContext, StageResult, StageTrainer

METHOD = preference.Method(
    trainer="trl.experimental.orpo.ORPOTrainer",
    config="trl.experimental.orpo.ORPOConfig",
    takes_quantization_config=False,
)


def training_config_class(config: dict) -> type:
    """trl.experimental.orpo.ORPOConfig (one for every ORPO config)."""
    return METHOD.config_class()


def parse_args(ctx: StageContext):
    """configs/orpo.yaml (profile applied) as (ModelConfig, ORPOConfig, DataConfig)."""
    return preference.parse_args(ctx, METHOD)


def build_trainer(ctx: StageContext) -> StageTrainer:
    """The ORPOTrainer (no reference model)."""
    return preference.build_trainer(ctx, METHOD)


def run(ctx: StageContext) -> StageResult:
    """Build the trainer, train, and save the model where the next stage reads it."""
    return preference.run(ctx, METHOD)
