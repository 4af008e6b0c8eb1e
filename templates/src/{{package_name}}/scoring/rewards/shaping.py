"""Shaping rewards: reasoning steps, length-aware accuracy, overlong and repetition penalties.

These shape *how* the model answers; pair them with a task reward (accuracy, code)
and give them small weights. Lengths are in tokens when TRL passes `completion_ids`,
else in characters.
"""

from __future__ import annotations

import math
import re

from .math import accuracy_reward
from ..text import completion_text

# A step marker: numbered or bulleted at a line's start ("1.", "- ", "第二步"), or "Step 2"
# or a transition word starting a line or a sentence ("First,", "Finally", "然后"). A
# transition right after a marker ("1. First, ...") is the same step, counted once.
TRANSITION = r"(?:(?:first|second|third|next|then|finally|lastly)\b|首先|其次|然后|接着|最后)"
STEP = re.compile(
    rf"(?mi)^[ \t>#*]*(?:\d+[.)](?!\d)|[-*•](?=\s)|第[一二三四五六七八九十\d]+步)(?:[ \t:：*]*{TRANSITION})?"
    rf"|(?:^|(?<=[.!?;:。！？；：]))[ \t>#*]*(?:step\s*\d+(?:[ \t:：.*]*{TRANSITION})?|{TRANSITION})"
    r"|(?<=[，,])[ \t]*(?:首先|其次|然后|接着|最后)"
)
# Chinese and Japanese characters count one by one; everything else by words.
CJK = r"\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff"
REPETITION_UNIT = re.compile(rf"[{CJK}]|[^\s{CJK}]+")


def reasoning_steps_reward(completions, **kwargs) -> list[float]:
    """Up to 1.0 for three or more marked steps (numbered, bulleted, First/Next/Finally,
    首先/然后/最后 ...), in English, Chinese or both."""
    return [min(1.0, len(STEP.findall(completion_text(c)[:100_000])) / 3) for c in completions]


def _lengths(completions, completion_ids) -> list[int]:
    if completion_ids is not None:
        return [len(ids) for ids in completion_ids]
    return [len(completion_text(c)) for c in completions]


def cosine_length_reward(max_length: int = 1024, correct: tuple[float, float] = (1.0, 0.5),
                         wrong: tuple[float, float] = (-0.5, 0.0), search_think: bool = False):
    """Accuracy scaled by length on a cosine: a correct answer earns more when short
    (correct[0] at length 0 down to correct[1] at max_length), a wrong one is punished
    less when long (wrong[0] up to wrong[1]), so the model keeps thinking when unsure."""

    def cosine_length(completions, solution, completion_ids=None, **kwargs) -> list[float | None]:
        accuracy = accuracy_reward(completions, solution, search_think=search_think)
        rewards = []
        for score, length in zip(accuracy, _lengths(completions, completion_ids)):
            if score is None:
                rewards.append(None)
                continue
            start, end = correct if score > 0 else wrong
            progress = min(length, max_length) / max_length
            rewards.append(end + 0.5 * (start - end) * (1 + math.cos(math.pi * progress)))
        return rewards

    return cosine_length


def soft_overlong_penalty(max_length: int = 1024, buffer: int = 256):
    """DAPO's soft overlong punishment: 0 up to max_length - buffer, then linearly down to
    -1 at max_length, and -1 beyond."""
    if not 0 < buffer <= max_length:
        raise ValueError(f"soft_overlong: need 0 < buffer <= max_length, got {buffer}, {max_length}")

    def soft_overlong(completions, completion_ids=None, **kwargs) -> list[float]:
        rewards = []
        for length in _lengths(completions, completion_ids):
            if length <= max_length - buffer:
                rewards.append(0.0)
            else:
                rewards.append(max(-1.0, (max_length - buffer - length) / buffer))
        return rewards

    return soft_overlong


def repetition_ratio(text: str, n: int = 3) -> float:
    """Share of repeated n-grams of units: words, and single Chinese characters (so mixed
    text is measured in both at once), case-insensitive."""
    units = REPETITION_UNIT.findall(text[:50_000].lower())
    grams = [tuple(units[i : i + n]) for i in range(len(units) - n + 1)]
    return 1.0 - len(set(grams)) / len(grams) if grams else 0.0


def repetition_penalty(ngram: int = 3, max_penalty: float = -1.0):
    """From 0 (no n-gram repeats) down to max_penalty (everything repeats)."""
    if max_penalty > 0:
        raise ValueError(f"repetition: max_penalty must be <= 0, got {max_penalty}")

    def repetition(completions, **kwargs) -> list[float]:
        return [max_penalty * repetition_ratio(completion_text(c), ngram) for c in completions]

    return repetition
