"""SimPO with TRL's CPOTrainer (trl.experimental.cpo): the length-normalised log-likelihood
is the reward, with a target margin gamma and no reference model; full, LoRA or QLoRA.

configs/simpo.yaml: `model`, `data` (preference pairs), `pairs` (on-policy pairs, optional)
and `training` (CPOConfig: beta, simpo_gamma, ...). The stage sets loss_type simpo and
cpo_alpha 0 (no behaviour-cloning term: plain SimPO); for CPO itself use another loss.
"""

from __future__ import annotations

from . import preference

METHOD = preference.Method(
    trainer="trl.experimental.cpo.CPOTrainer",
    config="trl.experimental.cpo.CPOConfig",
    fixed={"loss_type": "simpo", "cpo_alpha": 0.0},
    why="SimPO is CPOTrainer's simpo loss without the CPO term",
    takes_quantization_config=False,
)


# The stage-module interface (training/stages/__init__.py), as the method provides it.
training_config_class = METHOD.training_config_class
parse_args = METHOD.parse_args
build_trainer = METHOD.build_trainer
run = METHOD.run
