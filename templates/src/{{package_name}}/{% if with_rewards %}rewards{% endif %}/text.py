"""Text helpers shared by the rewards: completions as strings, think blocks, answers."""

from __future__ import annotations

import re

THINK_OPEN, THINK_CLOSE = "<think>", "</think>"
MAX_ANSWER_CHARS = 200  # an extracted answer longer than this is not an answer


def completion_text(completion) -> str:
    """A completion as text, whether TRL passes a string or a list of chat messages."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, list):
        return "".join(str(m.get("content") or "") for m in completion if isinstance(m, dict))
    return str(completion or "")


def answer_region(text: str) -> str:
    """What follows the last </think>; with an unclosed <think>, everything after it
    (the answer is then inside the unfinished block); else the whole text."""
    if THINK_CLOSE in text:
        return text.rsplit(THINK_CLOSE, 1)[1]
    if THINK_OPEN in text:
        return text.split(THINK_OPEN, 1)[1]
    return text


def last_boxed(text: str) -> str | None:
    r"""Content of the last \boxed{...} (or \fbox{...}), braces matched; linear time."""
    start = max(text.rfind("\\boxed{"), text.rfind("\\fbox{"))
    if start < 0:
        return None
    i = text.index("{", start) + 1
    depth, begin = 1, i
    while i < len(text) and depth:
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        i += 1
    return text[begin : i - 1].strip() if depth == 0 else None


NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?(?:/\d+)?")
# "the answer is 42", "答案是 42", "答案：42", "#### 42": the text up to the line's end.
ANSWER_PHRASE = re.compile(r"(?:answer is|answer:|答案是|答案为|答案：|答案:|####)[ \t:：]*([^\n]{1,200})", re.IGNORECASE)


def find_answer(text: str) -> str | None:
    r"""\boxed{} first, then an answer phrase, then the last number; None if nothing."""
    if (boxed := last_boxed(text)) is not None:
        return boxed[:MAX_ANSWER_CHARS] or None
    phrases = ANSWER_PHRASE.findall(text)
    if phrases:
        phrase = phrases[-1].strip().rstrip("。.")
        number = NUMBER.findall(phrase)
        return (number[0] if number else phrase)[:MAX_ANSWER_CHARS] or None
    numbers = NUMBER.findall(text[-10_000:])
    return numbers[-1] if numbers else None
