"""Direct Preference Optimization with TRL's DPOTrainer: full, LoRA or QLoRA.

configs/dpo.yaml: `model`, `data` (preference pairs), `pairs` (on-policy pairs, optional)
and `training` (trl.DPOConfig: beta, loss_type, ...). With LoRA the reference model is
the trained model with its adapter disabled, so no second copy is held in memory; full
fine-tuning loads a frozen copy of the input model as the reference.
"""

from __future__ import annotations

from . import preference
from .common import StageContext, StageResult, StageTrainer

METHOD = preference.Method(trainer="trl.DPOTrainer", config="trl.DPOConfig")


def training_config_class(config: dict) -> type:
    """trl.DPOConfig (one for every DPO config)."""
    return METHOD.config_class()


def parse_args(ctx: StageContext):
    """configs/dpo.yaml (profile applied) as (ModelConfig, DPOConfig, DataConfig)."""
    return preference.parse_args(ctx, METHOD)


def build_trainer(ctx: StageContext) -> StageTrainer:
    """The DPOTrainer (LoRA: no ref_model, the adapter-disabled model is the reference)."""
    return preference.build_trainer(ctx, METHOD)


def run(ctx: StageContext) -> StageResult:
    """Build the trainer, train, and save the model where the next stage reads it."""
    return preference.run(ctx, METHOD)
