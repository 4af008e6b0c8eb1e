"""Reward functions for GRPO, in small modules by kind (math, format, shaping, code).

Every reward follows TRL's keyword contract,

    reward(completions, **dataset_columns) -> list[float | None]

takes any string a model can produce, and returns a number, or None where it cannot
judge a sample (TRL then leaves the sample out of that reward). configs/grpo.yaml names
the rewards to use, their weights and their options; `REWARDS` maps those names to
functions. A reward with settings is made by a factory named `get_...`, as in
trl.rewards: the options are the factory's arguments. A plain reward's options are its
parameters with defaults. Your own rewards go in custom.py (yours: never overwritten by
`copier update`), or anywhere importable, named by dotted path: `package.module.function`.
"""

from __future__ import annotations

import functools
import importlib
import inspect
from collections.abc import Callable

from . import custom
from .code import get_code_execution_reward
from .format import think_format_lenient, think_format_strict
from .math import accuracy_reward
from .shaping import get_cosine_scaled_reward, get_repetition_penalty_reward, get_soft_overlong_punishment, reasoning_steps_reward

# custom.py is the student's and `copier update` keeps it: one written before it had to
# register its rewards in CUSTOM_REWARDS loads with a warning instead of an ImportError.
CUSTOM_REWARDS: dict[str, Callable] = getattr(custom, "CUSTOM_REWARDS", None)
if CUSTOM_REWARDS is None:
    import warnings

    warnings.warn(
        "scoring/rewards/custom.py defines no CUSTOM_REWARDS, so none of its rewards can be named in configs/grpo.yaml; "
        'add CUSTOM_REWARDS = {"name": function} to it (see TEMPLATE_CHANGELOG.md)',
        stacklevel=2,
    )
    CUSTOM_REWARDS = {}

RewardFunction = Callable[..., list[float | None]]

# name in configs/grpo.yaml -> reward, or factory `get_...(**options)` -> reward
REWARDS: dict[str, Callable] = {
    "accuracy": accuracy_reward,
    "think_format_strict": think_format_strict,
    "think_format_lenient": think_format_lenient,
    "reasoning_steps": reasoning_steps_reward,
    "cosine_length": get_cosine_scaled_reward,
    "soft_overlong": get_soft_overlong_punishment,
    "repetition": get_repetition_penalty_reward,
    "code_execution": get_code_execution_reward,
    **CUSTOM_REWARDS,
}
# What TRL itself passes to a reward: never an option in configs/grpo.yaml.
TRL_ARGUMENTS = {"prompts", "completions", "completion_ids", "trainer_state", "log_extra", "log_metric"}


def is_factory(function: Callable) -> bool:
    """A function named `get_...` takes the options and returns the reward; any other is the reward."""
    return getattr(function, "__name__", "").startswith("get_")


def find_reward(name: str) -> Callable:
    """The reward (or factory) named `name` in REWARDS, or at the dotted path `package.module.function`."""
    if name in REWARDS:
        return REWARDS[name]
    if "." not in name:
        raise ValueError(
            f"unknown reward '{name}' (known: {', '.join(sorted(REWARDS))}; "
            "or a function of your own by dotted path, package.module.function)"
        )
    module_name, attribute = name.rsplit(".", 1)
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise ValueError(f"reward '{name}': cannot import module '{module_name}' ({error})") from error
    function = getattr(module, attribute, None)
    if not callable(function):
        raise ValueError(f"reward '{name}': module '{module_name}' has no function '{attribute}'")
    return function


def reward_options(function: Callable) -> list[str] | None:
    """The options configs/grpo.yaml may set: a factory's arguments, or a plain reward's
    parameters with defaults (dataset columns have none). None for a factory that takes
    **options: it checks them itself (code_execution passes them to the sandbox)."""
    parameters = [
        p
        for p in inspect.signature(function).parameters.values()
        if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY, p.VAR_KEYWORD)
    ]
    if is_factory(function):
        if any(p.kind is p.VAR_KEYWORD for p in parameters):
            return None
        return [p.name for p in parameters]
    return [
        p.name for p in parameters if p.kind is not p.VAR_KEYWORD and p.default is not p.empty and p.name not in TRL_ARGUMENTS
    ]


def build_reward(name: str, **options) -> RewardFunction:
    """One reward for the trainer, from its name (or dotted path) and options.

    Args:
        name: a name in REWARDS, or `package.module.function`.
        **options: the reward's settings (a factory's arguments, a plain reward's defaults).

    Example:
        >>> soft_overlong = build_reward("soft_overlong", max_completion_len=100, soft_punish_cache=20)
        >>> soft_overlong(["", ""], completion_ids=[[0] * 80, [0] * 90])
        [0.0, -0.5]
        >>> build_reward("soft_overlong", max_length=100)
        Traceback (most recent call last):
        ...
        ValueError: reward 'soft_overlong' has no option(s) ['max_length'] (accepted: max_completion_len, soft_punish_cache)
    """
    function = find_reward(name)
    accepted = reward_options(function)
    if accepted is not None and (unknown := sorted(set(options) - set(accepted))):
        raise ValueError(f"reward '{name}' has no option(s) {unknown} (accepted: {', '.join(accepted) or 'none'})")
    if is_factory(function):
        return function(**options)
    if not options:
        return function
    # TRL logs each reward as rewards/<__name__>/mean: keep the function's own name.
    return functools.update_wrapper(functools.partial(function, **options), function)


def build_rewards(specs: list[dict]) -> tuple[list[RewardFunction], list[float]]:
    """The `rewards` list of configs/grpo.yaml -> (functions, weights) for TRL's `reward_funcs`
    and `reward_weights`.

    Args:
        specs: one mapping per reward: `name`, an optional `weight` (1.0), and its options.

    Example:
        >>> functions, weights = build_rewards([
        ...     {"name": "accuracy", "weight": 1.0},
        ...     {"name": "repetition", "weight": 0.1, "ngram_size": 2},
        ... ])
        >>> [function.__name__ for function in functions], weights
        (['accuracy_reward', 'repetition'], [1.0, 0.1])
    """
    functions, weights = [], []
    for spec in specs:
        options = dict(spec)
        name, weight = options.pop("name", None), float(options.pop("weight", 1.0))
        if not isinstance(name, str):
            raise ValueError(f"every reward needs a `name`, got {spec}")
        functions.append(build_reward(name, **options))
        weights.append(weight)
    return functions, weights
