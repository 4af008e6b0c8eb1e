"""SimPO with TRL's CPOTrainer (trl.experimental.cpo): the length-normalised log-likelihood
is the reward, with a target margin gamma and no reference model; full, LoRA or QLoRA.

configs/simpo.yaml: `model`, `data` (preference pairs), `pairs` (on-policy pairs, optional)
and `training` (CPOConfig: beta, simpo_gamma, ...). The stage sets loss_type simpo and
cpo_alpha 0 (no behaviour-cloning term: plain SimPO); for CPO itself use another loss.
"""

from __future__ import annotations

from . import preference
from .common import StageContext, StageResult, StageTrainer

METHOD = preference.Method(
    trainer="trl.experimental.cpo.CPOTrainer",
    config="trl.experimental.cpo.CPOConfig",
    fixed={"loss_type": "simpo", "cpo_alpha": 0.0},
    why="SimPO is CPOTrainer's simpo loss without the CPO term",
    takes_quantization_config=False,
)


def training_config_class(config: dict) -> type:
    """trl.experimental.cpo.CPOConfig (one for every SimPO config)."""
    return METHOD.config_class()


def parse_args(ctx: StageContext):
    """configs/simpo.yaml (profile applied) as (ModelConfig, CPOConfig, DataConfig)."""
    return preference.parse_args(ctx, METHOD)


def build_trainer(ctx: StageContext) -> StageTrainer:
    """The CPOTrainer with the SimPO loss (no reference model)."""
    return preference.build_trainer(ctx, METHOD)


def run(ctx: StageContext) -> StageResult:
    """Build the trainer, train, and save the model where the next stage reads it."""
    return preference.run(ctx, METHOD)
