"""Format rewards: did the model think inside <think>...</think>, then answer?

The strict variant wants exactly one think block at the start with reasoning in it and a
non-empty answer after it; the lenient one only wants one closed think block followed
by an answer. Both tolerate any whitespace around the tags. A strict-only format reward
that a fresh model never satisfies gives zero signal: start with the lenient one.
"""

from __future__ import annotations

from ..text import THINK_CLOSE, THINK_OPEN, completion_text


def _parts(text: str) -> tuple[str, str, str] | None:
    """(before, reasoning, answer) around the one think block, or None."""
    if text.count(THINK_OPEN) != 1 or text.count(THINK_CLOSE) != 1:
        return None
    before, rest = text.split(THINK_OPEN, 1)
    if THINK_CLOSE not in rest:
        return None  # closed before it was opened
    reasoning, answer = rest.split(THINK_CLOSE, 1)
    return before, reasoning, answer


def think_format_strict(completions, **kwargs) -> list[float]:
    rewards = []
    for completion in completions:
        parts = _parts(completion_text(completion))
        ok = parts is not None and not parts[0].strip() and bool(parts[1].strip()) and bool(parts[2].strip())
        rewards.append(float(ok))
    return rewards


def think_format_lenient(completions, **kwargs) -> list[float]:
    rewards = []
    for completion in completions:
        parts = _parts(completion_text(completion))
        rewards.append(float(parts is not None and bool(parts[2].strip())))
    return rewards


def malformed_think(text: str) -> bool:
    """Think tags present but not as one well-ordered pair (an evaluation signal)."""
    return (THINK_OPEN in text or THINK_CLOSE in text) and _parts(text) is None
