"""Supervised fine-tuning on chat data with TRL's SFTTrainer: full, LoRA or QLoRA.

configs/sft.yaml has three sections: `model` (trl.ModelConfig: LoRA and 4-bit
settings), `data` (data.DataConfig) and `training` (trl.SFTConfig). With
`assistant_only_loss: true` only the assistant's tokens are trained on (with a training
chat template found by chat_template.py when TRL does not know the model's own).
"""

from __future__ import annotations

from trl import SFTConfig, SFTTrainer, get_peft_config, get_quantization_config

from ...config import build
from ..data import DataConfig, prepare
from ..modeling import load_tokenizer
from ..chat_template import use_training_template
from .common import StageContext, StageResult, finish, loading_kwargs, model_config, training_config, unknown_sections


def training_config_class(config: dict) -> type:
    return SFTConfig


def run(ctx: StageContext) -> StageResult:
    unknown_sections(ctx, {"model", "data", "training"})
    model_args = model_config(ctx)
    training_args: SFTConfig = training_config(ctx, SFTConfig)
    loading = loading_kwargs(model_args, training_args)
    data_cfg = build(DataConfig, ctx.config.get("data"), f"{ctx.where}: data")

    train, validation, data_report = prepare(data_cfg)
    ctx.output_dir.mkdir(parents=True, exist_ok=True)
    validation.to_json(ctx.output_dir / "validation.jsonl", force_ascii=False)

    tokenizer = load_tokenizer(model_args.model_name_or_path, **loading)
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
    outcome = trainer.train(resume_from_checkpoint=training_args.resume_from_checkpoint)
    summary = {"dataset": data_cfg.dataset, "train_loss": outcome.training_loss, "steps": outcome.global_step, "data": data_report, **outcome.metrics}
    return finish(trainer, ctx, model_args, summary)
