"""Supervised fine-tuning on chat data with TRL's SFTTrainer: full, LoRA or QLoRA.

configs/sft.yaml has three sections: `model` (trl.ModelConfig: LoRA and 4-bit
settings), `data` (DataConfig, training/data.py) and `training` (trl.SFTConfig). With
`assistant_only_loss: true` only the assistant's tokens are trained on (with a training
chat template found by chat_template.py when TRL does not know the model's own).
"""

from __future__ import annotations

from trl import ModelConfig, SFTConfig, SFTTrainer, get_peft_config, get_quantization_config

from ...config import build
from ..chat_template import use_training_template
from ..data import DataConfig
from ..modeling import load_tokenizer
from .common import (
    StageContext,
    StageResult,
    StageTrainer,
    finish,
    load_data,
    loading_kwargs,
    model_config,
    training_config,
    unknown_sections,
)


def training_config_class(config: dict) -> type:
    """The TRL config class of the `training` section (one for every SFT config)."""
    return SFTConfig


def parse_args(ctx: StageContext) -> tuple[ModelConfig, SFTConfig, DataConfig]:
    """configs/sft.yaml (profile applied) as the dataclasses TRL's sft.py script parses."""
    unknown_sections(ctx, {"model", "data", "training"})
    model_args = model_config(ctx)
    training_args: SFTConfig = training_config(ctx, SFTConfig)
    loading_kwargs(model_args, training_args)  # from_pretrained keywords, into training_args.model_init_kwargs
    data_cfg = build(DataConfig, ctx.config.get("data"), f"{ctx.where}: data")
    return model_args, training_args, data_cfg


def build_trainer(ctx: StageContext) -> StageTrainer:
    """Parse the config, load the tokenizer and data, and build the SFTTrainer (which loads
    the model), as TRL's sft.py does; nothing is trained yet."""
    model_args, training_args, data_cfg = parse_args(ctx)
    train, validation, data_report = load_data(ctx, data_cfg)
    tokenizer = load_tokenizer(model_args.model_name_or_path, **training_args.model_init_kwargs)
    if training_args.assistant_only_loss and not training_args.chat_template_path:
        use_training_template(tokenizer, model_args.model_name_or_path, ctx.where)
    trainer = SFTTrainer(
        model=model_args.model_name_or_path,
        args=training_args,
        train_dataset=train,
        eval_dataset=validation if training_args.eval_strategy != "no" else None,
        processing_class=tokenizer,
        quantization_config=get_quantization_config(model_args),
        peft_config=get_peft_config(model_args),
    )
    return StageTrainer(trainer, model_args, {"dataset": data_cfg.dataset, "data": data_report})


def run(ctx: StageContext) -> StageResult:
    """Build the trainer, train, and save the model where the next stage reads it."""
    built = build_trainer(ctx)
    outcome = built.trainer.train(resume_from_checkpoint=built.trainer.args.resume_from_checkpoint)
    summary = {**built.summary, "train_loss": outcome.training_loss, "steps": outcome.global_step, **outcome.metrics}
    return finish(built.trainer, ctx, built.model_args, summary)
