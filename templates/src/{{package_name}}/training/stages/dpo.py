"""Direct Preference Optimization with TRL's DPOTrainer: full, LoRA or QLoRA.

configs/dpo.yaml: `model`, `data` (preference pairs), `pairs` (on-policy pairs, optional)
and `training` (trl.DPOConfig: beta, loss_type, ...). With LoRA the reference model is
the trained model with its adapter disabled, so no second copy is held in memory; full
fine-tuning loads a frozen copy of the input model as the reference.
"""

from __future__ import annotations

from . import preference

METHOD = preference.Method(trainer="trl.DPOTrainer", config="trl.DPOConfig")


# The stage-module interface (training/stages/__init__.py), as the method provides it.
training_config_class = METHOD.training_config_class
parse_args = METHOD.parse_args
build_trainer = METHOD.build_trainer
run = METHOD.run
