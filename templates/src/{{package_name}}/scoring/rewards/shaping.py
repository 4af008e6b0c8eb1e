"""Shaping rewards: reasoning steps, length-aware accuracy, overlong and repetition penalties.

These shape *how* the model answers; pair them with a task reward (accuracy, code)
and give them small weights. Lengths are in tokens when TRL passes `completion_ids`,
else in characters. The factories (`get_...`) take the options from configs/grpo.yaml
and return the reward; their option names are TRL's (trl.rewards) and open-r1's.
"""

from __future__ import annotations

import math
import re

from ..text import completion_text
from .math import accuracy_reward

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
    """Up to 1.0 for three or more marked steps (numbered, bulleted, Step 2, First/Next/Finally,
    首先/然后/最后 ...), in English, Chinese or both: one third per step.

    Args:
        completions: the model's completions, strings or lists of chat messages.
        **kwargs: the dataset columns TRL passes (unused).

    Example:
        >>> reasoning_steps_reward(["Step 1: add.\\nStep 2: halve.\\nStep 3: round.", "首先求和，然后取平均。", "42"])
        [1.0, 0.6666666666666666, 0.0]
    """
    return [min(1.0, len(STEP.findall(completion_text(c)[:100_000])) / 3) for c in completions]


def _lengths(completions, completion_ids) -> list[int]:
    if completion_ids is not None:
        return [len(ids) for ids in completion_ids]
    return [len(completion_text(c)) for c in completions]


def get_cosine_scaled_reward(
    max_len: int = 1024,
    min_value_wrong: float = -0.5,
    max_value_wrong: float = 0.0,
    min_value_correct: float = 0.5,
    max_value_correct: float = 1.0,
    search_think: bool = False,
):
    """Accuracy scaled by length on a cosine ("Demystifying Long Chain-of-Thought Reasoning",
    appendix C.1): a correct answer earns more when short (max_value_correct at length 0 down
    to min_value_correct at max_len), a wrong one is punished less when long (min_value_wrong
    up to max_value_wrong), so the model keeps thinking when unsure. None where the gold
    answer cannot be parsed, as in the accuracy reward. The curve is trl.rewards' (a test
    checks it); our wrong-answer defaults end higher (-0.5 -> 0.0; TRL: -1.0 -> -0.5).

    Args:
        max_len: the length (tokens, else characters) where the schedule ends; longer counts as max_len.
        min_value_wrong: reward of a wrong answer at length 0.
        max_value_wrong: reward of a wrong answer at max_len.
        min_value_correct: reward of a correct answer at max_len.
        max_value_correct: reward of a correct answer at length 0.
        search_think: as in the accuracy reward.

    Example:
        >>> cosine_scaled = get_cosine_scaled_reward(max_len=100)
        >>> completions = [r"\\boxed{4}", r"\\boxed{5}"]
        >>> cosine_scaled(completions, solution=["#### 4", "#### 4"], completion_ids=[[0] * 50, [0] * 50])
        [0.75, -0.25]
    """

    def cosine_length(completions, solution, completion_ids=None, **kwargs) -> list[float | None]:
        accuracy = accuracy_reward(completions, solution, search_think=search_think)
        rewards = []
        for score, length in zip(accuracy, _lengths(completions, completion_ids), strict=True):
            if score is None:
                rewards.append(None)
                continue
            start, end = (max_value_correct, min_value_correct) if score > 0 else (min_value_wrong, max_value_wrong)
            progress = min(length, max_len) / max_len
            rewards.append(end + 0.5 * (start - end) * (1 + math.cos(math.pi * progress)))
        return rewards

    return cosine_length


def get_soft_overlong_punishment(max_completion_len: int = 1024, soft_punish_cache: int = 256):
    """DAPO's soft overlong punishment (eq. 13): 0 up to max_completion_len - soft_punish_cache,
    then linearly down to -1 at max_completion_len, and -1 beyond.

    Args:
        max_completion_len: the longest completion (tokens, else characters) without the full penalty;
            the GRPO config's `max_completion_length` or a little less.
        soft_punish_cache: the stretch before max_completion_len over which the penalty grows (> 0).

    Example:
        >>> soft_overlong = get_soft_overlong_punishment(max_completion_len=100, soft_punish_cache=20)
        >>> soft_overlong(["", "", ""], completion_ids=[[0] * 80, [0] * 90, [0] * 120])
        [0.0, -0.5, -1.0]
    """
    if not 0 < soft_punish_cache <= max_completion_len:
        raise ValueError(
            f"soft_overlong: need 0 < soft_punish_cache <= max_completion_len, got {soft_punish_cache}, {max_completion_len}"
        )

    def soft_overlong(completions, completion_ids=None, **kwargs) -> list[float]:
        rewards = []
        for length in _lengths(completions, completion_ids):
            if length <= max_completion_len - soft_punish_cache:
                rewards.append(0.0)
            else:
                rewards.append(max(-1.0, (max_completion_len - soft_punish_cache - length) / soft_punish_cache))
        return rewards

    return soft_overlong


def repetition_ratio(text: str, n: int = 3) -> float:
    """Share of repeated n-grams of units: words, and single Chinese characters (so mixed
    text is measured in both at once), case-insensitive.

    Example:
        >>> repetition_ratio("好好好好好好"), repetition_ratio("the cat sat on the mat")
        (0.75, 0.0)
    """
    units = REPETITION_UNIT.findall(text[:50_000].lower())
    grams = [tuple(units[i : i + n]) for i in range(len(units) - n + 1)]
    return 1.0 - len(set(grams)) / len(grams) if grams else 0.0


def get_repetition_penalty_reward(ngram_size: int = 3, max_penalty: float = -1.0):
    """From 0 (no n-gram repeats) down to max_penalty (everything repeats), as in
    "Demystifying Long Chain-of-Thought Reasoning", appendix C.2. The n-grams are of words,
    and of single characters in Chinese, not of token ids as in TRL's version.

    Args:
        ngram_size: the n of the n-grams.
        max_penalty: the reward of a completion that is nothing but repeats (<= 0).

    Example:
        >>> repetition = get_repetition_penalty_reward(ngram_size=2, max_penalty=-1.0)
        >>> repetition(["a b a b a b", "the cat sat on the mat"])
        [-0.6, 0.0]
    """
    if max_penalty > 0:
        raise ValueError(f"repetition: max_penalty must be <= 0, got {max_penalty}")

    def repetition(completions, **kwargs) -> list[float]:
        ratios = [repetition_ratio(completion_text(c), ngram_size) for c in completions]
        return [max_penalty * ratio if ratio else 0.0 for ratio in ratios]  # 0.0, not -0.0

    return repetition
