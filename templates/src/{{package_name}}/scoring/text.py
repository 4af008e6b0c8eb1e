"""Completions as text: what TRL passes to a reward, and the answer after the think block.

Shared by the rewards, the answer and code checks, and your own rewards in
rewards/custom.py.
"""

from __future__ import annotations

THINK_OPEN, THINK_CLOSE = "<think>", "</think>"


def completion_text(completion) -> str:
    """A completion as text, whether TRL passes a string or a list of chat messages.

    Example:
        >>> completion_text([{"role": "assistant", "content": "42"}]), completion_text("42")
        ('42', '42')
    """
    if isinstance(completion, str):
        return completion
    if isinstance(completion, list):
        return "".join(str(m.get("content") or "") for m in completion if isinstance(m, dict))
    return str(completion or "")


def answer_region(text: str) -> str:
    """What follows the last </think>; with an unclosed <think>, everything after it
    (the answer is then inside the unfinished block); else the whole text.

    Example:
        >>> answer_region("<think>2 + 2</think>4"), answer_region("<think>so 4"), answer_region("4")
        ('4', 'so 4', '4')
    """
    if THINK_CLOSE in text:
        return text.rsplit(THINK_CLOSE, 1)[1]
    if THINK_OPEN in text:
        return text.split(THINK_OPEN, 1)[1]
    return text
