"""Your own rewards. This file is yours: `copier update` never overwrites it.

Write a plain function with TRL's keyword contract, register it in CUSTOM_REWARDS, and
name it in configs/grpo.yaml under `rewards`. Dataset columns reach it as keyword
arguments when `data.keep` carries them. Return None for a sample you cannot judge
(it is then skipped), never a made-up 0.0.
"""

from __future__ import annotations

from ..text import answer_region, completion_text


def concise_answer(completions, max_chars: int = 200, **kwargs) -> list[float]:
    """An example: 1.0 when the answer after the think block is at most max_chars long."""
    return [float(len(answer_region(completion_text(c)).strip()) <= max_chars) for c in completions]


# name in configs/grpo.yaml -> function
CUSTOM_REWARDS = {"concise_answer": concise_answer}
