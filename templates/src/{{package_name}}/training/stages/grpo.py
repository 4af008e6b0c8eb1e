"""Reinforcement learning with verifiable rewards on TRL's GRPOTrainer (or RLOOTrainer).

configs/grpo.yaml has five sections: `trainer` (grpo | rloo), `model` (trl.ModelConfig:
full, LoRA or QLoRA), `data` (prompts, plus the columns the rewards read, via
`data.keep`), `rewards` (names and weights from rewards/) and `training` (GRPOConfig or
RLOOConfig). The variants are `training` keys; see the comments in configs/grpo.yaml.
"""

from __future__ import annotations

import dataclasses

from trl import GRPOConfig, GRPOTrainer, RLOOConfig, RLOOTrainer, get_peft_config, get_quantization_config

from ...config import ConfigError, build
from ..data import DataConfig, prepare
from ..modeling import load_tokenizer
from ...scoring.rewards import build_rewards
from .common import StageContext, StageResult, finish, loading_kwargs, model_config, training_config, unknown_sections

TRAINERS = {"grpo": (GRPOTrainer, GRPOConfig), "rloo": (RLOOTrainer, RLOOConfig)}


def training_config_class(config: dict) -> type:
    name = config.get("trainer", "grpo")
    if name not in TRAINERS:
        raise ConfigError(f"configs/grpo.yaml: trainer must be one of {sorted(TRAINERS)}, got '{name}'")
    config_class = TRAINERS[name][1]
    if name != "grpo":  # GRPO-only keys (loss_type, scale_rewards, ...) are the usual leftovers
        known = {field.name for field in dataclasses.fields(config_class)}
        grpo_fields = {field.name for field in dataclasses.fields(GRPOConfig)}
        grpo_only = sorted((set(config.get("training") or {}) - known) & grpo_fields)
        if grpo_only:
            raise ConfigError(f"configs/grpo.yaml: training keys {grpo_only} belong to GRPO; remove them for trainer: {name}")
    return config_class


def as_prompt(row: dict) -> dict:
    """The conversation up to the model's turn: what GRPO samples completions for."""
    return {"prompt": row["messages"][:-1]}


def run(ctx: StageContext) -> StageResult:
    unknown_sections(ctx, {"trainer", "model", "data", "rewards", "training"})
    config_class = training_config_class(ctx.config)
    trainer_class = TRAINERS[ctx.config.get("trainer", "grpo")][0]
    model_args = model_config(ctx)
    owned = {"reward_weights": "the weights in the rewards section; set them there"}
    training_args = training_config(ctx, config_class, owned=owned)
    loading = loading_kwargs(model_args, training_args)
    data_cfg = build(DataConfig, ctx.config.get("data"), f"{ctx.where}: data")
    try:
        rewards, weights = build_rewards(ctx.config.get("rewards") or [])
    except (TypeError, ValueError) as error:
        raise ConfigError(f"{ctx.where}: rewards: {error}") from error
    if not rewards:
        raise ConfigError(f"{ctx.where}: rewards: name at least one reward")
    training_args.reward_weights = weights

    train, validation, data_report = prepare(data_cfg)
    ctx.output_dir.mkdir(parents=True, exist_ok=True)
    validation.to_json(ctx.output_dir / "validation.jsonl", force_ascii=False)
    prompts = train.map(as_prompt, remove_columns=["messages"])

    trainer = trainer_class(
        model=model_args.model_name_or_path,
        reward_funcs=rewards,
        args=training_args,
        train_dataset=prompts,
        processing_class=load_tokenizer(model_args.model_name_or_path, **loading),
        quantization_config=get_quantization_config(model_args),
        peft_config=get_peft_config(model_args),
    )
    outcome = trainer.train(resume_from_checkpoint=training_args.resume_from_checkpoint)
    rewards_logged = [record["reward"] for record in trainer.state.log_history if "reward" in record]
    summary = {
        "dataset": data_cfg.dataset,
        "trainer": ctx.config.get("trainer", "grpo"),
        "train_loss": outcome.training_loss,
        "steps": outcome.global_step,
        "final_reward": rewards_logged[-1] if rewards_logged else None,
        "sandbox_errors": sum(getattr(function, "errors", 0) for function in rewards),
        # what contains the code rewards' programs on this machine, and what does not: plain lines
        "sandbox_layers": next((f.sandbox.layers for f in rewards if hasattr(f, "sandbox")), None),
        "data": data_report,
        **outcome.metrics,
    }
    return finish(trainer, ctx, model_args, summary)
