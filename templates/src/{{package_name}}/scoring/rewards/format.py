"""Format rewards: did the model think inside <think>...</think>, then answer?

The checks themselves are in scoring/think.py (the math evaluation's format rate uses
the strict one). A strict-only format reward that a fresh model never satisfies gives
zero signal: start with the lenient one.
"""

from __future__ import annotations

from ..text import completion_text
from ..think import is_lenient_think_format, is_strict_think_format


def think_format_strict(completions, **kwargs) -> list[float]:
    """1.0 for exactly one think block at the start, with reasoning in it, and an answer
    after it; else 0.0. Whitespace around the tags is fine.

    Args:
        completions: the model's completions, strings or lists of chat messages.
        **kwargs: the dataset columns TRL passes (unused).

    Example:
        >>> think_format_strict(["<think>\\n2 + 2\\n</think>\\n4", "So <think>2 + 2</think>4", "<think></think>4"])
        [1.0, 0.0, 0.0]
    """
    return [float(is_strict_think_format(completion_text(completion))) for completion in completions]


def think_format_lenient(completions, **kwargs) -> list[float]:
    """1.0 for one closed think block (anywhere, even empty) followed by an answer; else 0.0.

    Args:
        completions: the model's completions, strings or lists of chat messages.
        **kwargs: the dataset columns TRL passes (unused).

    Example:
        >>> think_format_lenient(["So <think></think>4", "<think>2 + 2</think>", "<think>a</think><think>b</think>4"])
        [1.0, 0.0, 0.0]
    """
    return [float(is_lenient_think_format(completion_text(completion))) for completion in completions]
