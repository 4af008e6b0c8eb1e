"""Kahneman-Tversky Optimization with TRL's KTOTrainer: learns from answers labelled
desirable or undesirable, no pairs needed; full, LoRA or QLoRA.

configs/kto.yaml: `model`, `data` (format kto: prompt, completion, label; or any pair
format, split into one desirable and one undesirable row per pair), `pairs` (on-policy
pairs, optional) and `training` (trl.KTOConfig: beta, desirable_weight,
undesirable_weight, ...). With LoRA the reference is the adapter-disabled model.
"""

from __future__ import annotations

from . import preference

METHOD = preference.Method(trainer="trl.KTOTrainer", config="trl.KTOConfig", unpaired=True)


# The stage-module interface (training/stages/__init__.py), as the method provides it.
training_config_class = METHOD.training_config_class
parse_args = METHOD.parse_args
build_trainer = METHOD.build_trainer
run = METHOD.run
