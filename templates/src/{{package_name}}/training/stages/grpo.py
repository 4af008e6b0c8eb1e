"""Reinforcement learning with verifiable rewards on TRL's GRPOTrainer (or RLOOTrainer).

configs/grpo.yaml has five sections: `trainer` (grpo | rloo), `model` (trl.ModelConfig:
full, LoRA or QLoRA), `data` (prompts, plus the columns the rewards read, via
`data.keep`), `rewards` (names and weights from scoring/rewards/) and `training` (GRPOConfig or
RLOOConfig). The variants are `training` keys; see the comments in configs/grpo.yaml.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from trl import (
    GRPOConfig,
    GRPOTrainer,
    ModelConfig,
    RLOOConfig,
    RLOOTrainer,
    get_peft_config,
    get_quantization_config,
)

from ...config import ConfigError, build
from ...scoring.rewards import build_rewards
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

TRAINERS = {"grpo": (GRPOTrainer, GRPOConfig), "rloo": (RLOOTrainer, RLOOConfig)}


def trainer_name(config: dict) -> str:
    """The `trainer` section: 'grpo' (GRPOTrainer, the default) or 'rloo' (RLOOTrainer)."""
    return config.get("trainer", "grpo")


def training_config_class(config: dict) -> type:
    """GRPOConfig or RLOOConfig, as `trainer` says; GRPO-only keys under RLOO are an error."""
    name = trainer_name(config)
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


def parse_args(ctx: StageContext) -> tuple[ModelConfig, GRPOConfig | RLOOConfig, DataConfig]:
    """configs/grpo.yaml (profile applied) as the dataclasses TRL's grpo.py script parses."""
    unknown_sections(ctx, {"trainer", "model", "data", "rewards", "training"})
    config_class = training_config_class(ctx.config)
    model_args = model_config(ctx)
    owned = {"reward_weights": "the weights in the rewards section; set them there"}
    training_args = training_config(ctx, config_class, owned=owned)
    loading_kwargs(model_args, training_args)  # from_pretrained keywords, into training_args.model_init_kwargs
    data_cfg = build(DataConfig, ctx.config.get("data"), f"{ctx.where}: data")
    return model_args, training_args, data_cfg


def reward_functions(ctx: StageContext) -> tuple[list[Callable], list[float]]:
    """The rewards section as TRL's reward_funcs and reward_weights."""
    try:
        rewards, weights = build_rewards(ctx.config.get("rewards") or [])
    except (TypeError, ValueError) as error:
        raise ConfigError(f"{ctx.where}: rewards: {error}") from error
    if not rewards:
        raise ConfigError(f"{ctx.where}: rewards: name at least one reward")
    return rewards, weights


def build_trainer(ctx: StageContext) -> StageTrainer:
    """Parse the config, build the rewards, load the prompts and the tokenizer, and build
    the GRPOTrainer or RLOOTrainer (which loads the model), as TRL's grpo.py does; nothing
    is trained yet."""
    model_args, training_args, data_cfg = parse_args(ctx)
    rewards, weights = reward_functions(ctx)
    training_args.reward_weights = weights  # TRL weighs reward_funcs by these
    train, _, data_report = load_data(ctx, data_cfg)
    prompts = train.map(as_prompt, remove_columns=["messages"])
    trainer_class = TRAINERS[trainer_name(ctx.config)][0]
    trainer = trainer_class(
        model=model_args.model_name_or_path,
        reward_funcs=rewards,
        args=training_args,
        train_dataset=prompts,
        processing_class=load_tokenizer(model_args.model_name_or_path, **training_args.model_init_kwargs),
        quantization_config=get_quantization_config(model_args),
        peft_config=get_peft_config(model_args),
    )
    summary = {"dataset": data_cfg.dataset, "trainer": trainer_name(ctx.config), "data": data_report}
    return StageTrainer(trainer, model_args, summary)


def reward_summary(rewards: list[Callable]) -> dict[str, Any]:
    """What the code rewards' sandbox did: errors (never scored as 0) and its layers."""
    return {
        "sandbox_errors": sum(getattr(function, "errors", 0) for function in rewards),
        # what contains the code rewards' programs on this machine, and what does not: plain lines
        "sandbox_layers": next((f.sandbox.layers for f in rewards if hasattr(f, "sandbox")), None),
    }


def run(ctx: StageContext) -> StageResult:
    """Build the trainer, train, and save the model where the next stage reads it."""
    built = build_trainer(ctx)
    trainer = built.trainer
    outcome = trainer.train(resume_from_checkpoint=trainer.args.resume_from_checkpoint)
    rewards_logged = [record["reward"] for record in trainer.state.log_history if "reward" in record]
    summary = {
        **built.summary,
        "train_loss": outcome.training_loss,
        "steps": outcome.global_step,
        "final_reward": rewards_logged[-1] if rewards_logged else None,
        **reward_summary(trainer.reward_funcs),
        **outcome.metrics,
    }
    return finish(trainer, ctx, built.model_args, summary)
