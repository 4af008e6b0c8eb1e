"""Kahneman-Tversky Optimization with TRL's KTOTrainer: learns from answers labelled
desirable or undesirable, no pairs needed; full, LoRA or QLoRA.

configs/kto.yaml: `model`, `data` (format kto: prompt, completion, label; or any pair
format, split into one desirable and one undesirable row per pair), `pairs` (on-policy
pairs, optional) and `training` (trl.KTOConfig: beta, desirable_weight,
undesirable_weight, ...). With LoRA the reference is the adapter-disabled model.
"""

from __future__ import annotations

from . import preference
from .common import StageContext, StageResult, StageTrainer

METHOD = preference.Method(trainer="trl.KTOTrainer", config="trl.KTOConfig", unpaired=True)


def training_config_class(config: dict) -> type:
    """trl.KTOConfig (one for every KTO config)."""
    return METHOD.config_class()


def parse_args(ctx: StageContext):
    """configs/kto.yaml (profile applied) as (ModelConfig, KTOConfig, DataConfig)."""
    return preference.parse_args(ctx, METHOD)


def build_trainer(ctx: StageContext) -> StageTrainer:
    """The KTOTrainer on unpaired rows (pairs are unpaired and shuffled first)."""
    return preference.build_trainer(ctx, METHOD)


def run(ctx: StageContext) -> StageResult:
    """Build the trainer, train, and save the model where the next stage reads it."""
    return preference.run(ctx, METHOD)
