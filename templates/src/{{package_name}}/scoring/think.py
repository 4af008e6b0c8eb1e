"""Think-block format: did the model think inside <think>...</think>, then answer?

The strict format is exactly one think block at the start, with reasoning in it, and a
non-empty answer after it; the lenient one only wants one closed think block followed
by an answer. Both tolerate any whitespace around the tags. The format rewards and the
math evaluation (format rate, malformed-think rate) use these checks.
"""

from __future__ import annotations

from .text import THINK_CLOSE, THINK_OPEN


def think_parts(text: str) -> tuple[str, str, str] | None:
    """(before, reasoning, answer) around the one think block, or None.

    Example:
        >>> think_parts("<think>2 + 2</think>4")
        ('', '2 + 2', '4')
        >>> think_parts("</think>4<think>") is None
        True
    """
    if text.count(THINK_OPEN) != 1 or text.count(THINK_CLOSE) != 1:
        return None
    before, rest = text.split(THINK_OPEN, 1)
    if THINK_CLOSE not in rest:
        return None  # closed before it was opened
    reasoning, answer = rest.split(THINK_CLOSE, 1)
    return before, reasoning, answer


def is_strict_think_format(text: str) -> bool:
    """One think block at the start with reasoning in it, then an answer.

    Example:
        >>> is_strict_think_format("<think>2 + 2</think>4"), is_strict_think_format("So <think>2 + 2</think>4")
        (True, False)
    """
    parts = think_parts(text)
    return parts is not None and not parts[0].strip() and bool(parts[1].strip()) and bool(parts[2].strip())


def is_lenient_think_format(text: str) -> bool:
    """One closed think block anywhere (empty is fine), then an answer.

    Example:
        >>> is_lenient_think_format("So <think></think>4"), is_lenient_think_format("<think>2 + 2</think>")
        (True, False)
    """
    parts = think_parts(text)
    return parts is not None and bool(parts[2].strip())


def malformed_think(text: str) -> bool:
    """Think tags present but not as one well-ordered pair (an evaluation signal).

    Example:
        >>> malformed_think("<think>unclosed"), malformed_think("<think>a</think>b"), malformed_think("no tags")
        (True, False, False)
    """
    return (THINK_OPEN in text or THINK_CLOSE in text) and think_parts(text) is None
