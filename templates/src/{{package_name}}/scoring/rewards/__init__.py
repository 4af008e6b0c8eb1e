"""Reward functions for GRPO, in small modules by kind (math, format, shaping, code).

Every reward follows TRL's keyword contract,

    reward(completions, **dataset_columns) -> list[float | None]

takes any string a model can produce, and returns a number, or None where it cannot
judge a sample (TRL then leaves the sample out of that reward). configs/grpo.yaml names
the rewards to use and their weights; `REWARDS` maps those names to functions.
Your own rewards go in custom.py (yours: never overwritten by `copier update`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from . import custom
from .format import think_format_lenient, think_format_strict
from .math import accuracy_reward
from .shaping import cosine_length_reward, reasoning_steps_reward, repetition_penalty, soft_overlong_penalty

# custom.py is the student's and `copier update` keeps it: one written before it had to
# register its rewards in CUSTOM_REWARDS loads with a warning instead of an ImportError.
CUSTOM_REWARDS: dict[str, Callable] = getattr(custom, "CUSTOM_REWARDS", None)
if CUSTOM_REWARDS is None:
    import warnings

    warnings.warn(
        "rewards/custom.py defines no CUSTOM_REWARDS, so none of its rewards can be named in configs/grpo.yaml; "
        'add CUSTOM_REWARDS = {"name": function} to it (see TEMPLATE_CHANGELOG.md)',
        stacklevel=2,
    )
    CUSTOM_REWARDS = {}

RewardFunction = Callable[..., list[float | None]]

# name -> function, or factory(**options) -> function for rewards with settings
REWARDS: dict[str, Callable] = {
    "accuracy": accuracy_reward,
    "think_format_strict": think_format_strict,
    "think_format_lenient": think_format_lenient,
    "reasoning_steps": reasoning_steps_reward,
    "cosine_length": cosine_length_reward,
    "soft_overlong": soft_overlong_penalty,
    "repetition": repetition_penalty,
    **CUSTOM_REWARDS,
}
FACTORIES = {"cosine_length", "soft_overlong", "repetition", "code_execution"}


def build_rewards(specs: list[dict]) -> tuple[list[RewardFunction], list[float]]:
    """[{name, weight, **options}] from the YAML -> (functions, weights) for the trainer."""
    functions, weights = [], []
    for spec in specs:
        spec = dict(spec)
        name, weight = spec.pop("name", None), float(spec.pop("weight", 1.0))
        if name == "code_execution":
            from .code import code_execution_reward as factory
        elif name in REWARDS:
            factory = REWARDS[name]
        else:
            raise ValueError(f"unknown reward '{name}' (known: {sorted(REWARDS) + ['code_execution']})")
        if name in FACTORIES:
            function = factory(**spec)
        elif spec:
            if name not in CUSTOM_REWARDS:
                raise ValueError(f"reward '{name}' takes no options, got {sorted(spec)}")
            function = functools.partial(factory, **spec)
            function.__name__ = name  # TRL logs rewards/<name>/mean
        else:
            function = factory
        functions.append(function)
        weights.append(weight)
    return functions, weights

