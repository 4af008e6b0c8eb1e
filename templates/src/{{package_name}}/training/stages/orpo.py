"""Odds Ratio Preference Optimization with TRL's ORPOTrainer (trl.experimental.orpo): the
SFT loss on the chosen answer plus an odds-ratio term against the rejected one, so it can
start from a base model with no SFT stage before it; full, LoRA or QLoRA.

configs/orpo.yaml: `model`, `data` (preference pairs), `pairs` (on-policy pairs, optional)
and `training` (ORPOConfig: beta is the weight of the odds-ratio term, the paper's lambda).
"""

from __future__ import annotations

from . import preference

METHOD = preference.Method(
    trainer="trl.experimental.orpo.ORPOTrainer",
    config="trl.experimental.orpo.ORPOConfig",
    takes_quantization_config=False,
)


# The stage-module interface (training/stages/__init__.py), as the method provides it.
training_config_class = METHOD.training_config_class
parse_args = METHOD.parse_args
build_trainer = METHOD.build_trainer
run = METHOD.run
