"""Your own rewards. This file is yours: `copier update` never overwrites it.

Write a plain function with TRL's keyword contract, register it in CUSTOM_REWARDS, and
name it in configs/grpo.yaml under `rewards` (or name any importable function by its
dotted path, `name: <package>.my_rewards.brevity_reward`, as TRL's `reward_funcs` does). Dataset
columns reach it as keyword arguments when `data.keep` carries them; its parameters with
defaults are the options configs/grpo.yaml may set. A reward with settings to prepare
once can be a factory instead: a function named `get_...` that takes the options and
returns the reward. Return None for a sample you cannot judge (it is then skipped),
never a made-up 0.0.
"""

from __future__ import annotations

from ..text import answer_region, completion_text


def concise_answer(completions, max_chars: int = 200, **kwargs) -> list[float]:
    """An example: 1.0 when the answer after the think block is at most max_chars long.

    Args:
        completions: the model's completions, strings or lists of chat messages.
        max_chars: the longest answer that earns the reward.
        **kwargs: the dataset columns TRL passes (unused).

    Example:
        >>> concise_answer(["<think>long thinking</think>42", "<think>x</think>a much longer answer"], max_chars=5)
        [1.0, 0.0]
    """
    return [float(len(answer_region(completion_text(c)).strip()) <= max_chars) for c in completions]


# name in configs/grpo.yaml -> function (or `get_...` factory)
CUSTOM_REWARDS = {"concise_answer": concise_answer}
