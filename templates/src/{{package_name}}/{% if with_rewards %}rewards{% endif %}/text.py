"""Text helpers shared by the rewards: completions as strings, think blocks, answers.

Answers are read as whole expressions (a math span, the text after "the answer is"),
not as a number pulled out of them: "$3\\sqrt{2}$" is 3√2, not 3. A bare number counts
only where it stands alone, never as digits inside a word or inside LaTeX.
"""

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


# A number as people write it: -3, 1,234, 0.5 (and 3/4 where a fraction is plain text).
NUMBER_TEXT = r"-?\d+(?:,\d{3})*(?:\.\d+)?"
NUMBER = re.compile(NUMBER_TEXT + r"(?:/\d+)?")
# ...standing on its own: not a digit inside a word ("AZYUK2A", "x2", "3x") or inside
# LaTeX ("\frac{1}{2}", "2^{10}"), and not the start of a longer number ("1.5", "1,234").
STANDALONE_NUMBER = re.compile(r"(?<![A-Za-z0-9_.,{}^\\/*+-])" + NUMBER.pattern + r"(?![A-Za-z0-9_{}^\\]|[.,/]\d)")
# A plain-number answer: "18", "$18", "18 dollars", "18元", "25%", "1,000.99€"; nothing
# after the number that could make it an expression (digits, operators, LaTeX).
PLAIN_NUMBER_ANSWER = re.compile(
    r"(?:\\?\$|[¥￥£€])?\s*(?P<number>" + NUMBER_TEXT + r")(?P<percent>\s*(?:\\?%|percent\b))?"
    r"(?:(?:[$¥￥£€°²³\u3400-\u9fff]|\s)[^\d=+*/^\\{}$<>]*)?"
)
# Math spans: $$..$$, \[..\], \(..\), and $..$ on one line, but not money: "$5 and $6"
# (a digit after the opening dollar and a space before the closing one, or a digit right
# after the closing one, as in pandoc). Bounded lengths.
MATH_SPAN = re.compile(
    r"\$\$(?P<display>[^$]{1,200}?)\$\$|\\\[(?P<bracket>.{1,200}?)\\\]|\\\((?P<paren>.{1,200}?)\\\)"
    r"|\$(?!\d[^$\n]{0,200}\s\$)(?P<inline>(?:\\.|[^$\n\\]){1,200})\$(?!\d)",  # \$ inside is a dollar sign
    re.DOTALL,
)
# "the answer is 42", "答案是 42", "答案：42", "#### 42": the text up to the line's end.
ANSWER_PHRASE = re.compile(r"(?:answer is|answer:|答案是|答案为|答案：|答案:|####)[ \t:：]*([^\n]{1,400})", re.IGNORECASE)
SENTENCE_END = re.compile(r"[.。!！?？](?=\s|$)")
TAG = re.compile(r"</?think>|<\|")  # a think tag or a chat-template token ends the answer
# Plain-text maths that LaTeX parsers drop silently ("3√2" would be read as 3).
UNICODE_MATH = str.maketrans({"√": r"\sqrt ", "π": r"\pi ", "×": r"\times ", "÷": r"\div ", "·": r"\cdot ", "−": "-"})


def _bounded(answer: str) -> str | None:
    """An answer, or None if empty or too long: a cut-off expression could parse as its
    beginning ("\\frac{1}{2}\\frac{1}{2}..." as 1/2)."""
    return answer if 0 < len(answer) <= MAX_ANSWER_CHARS else None


def _span_text(match: re.Match) -> str:
    return next(group for group in match.groups() if group is not None).strip()


def answer_expression(answer: str) -> str | None:
    """What to hand to math-verify for an answer: its first math span, else the number
    of a plain-number answer ("18 dollars" -> "18"), else the whole text."""
    answer = TAG.split(answer, 1)[0].strip().strip("*").strip()  # markdown bold: **18**
    if (span := MATH_SPAN.search(answer)) is not None:
        return _bounded(_span_text(span))
    answer = SENTENCE_END.split(answer, 1)[0].strip().strip("*").strip()
    if (plain := PLAIN_NUMBER_ANSWER.fullmatch(answer)) is not None:
        return plain["number"] + ("\\%" if plain["percent"] else "")
    return _bounded(answer.translate(UNICODE_MATH))


def last_math_or_number(text: str) -> str | None:
    """The last math span or standalone number, whichever ends later (numbers inside a
    math span belong to it: "$(7, 6)$" is a pair, not 6)."""
    spans = list(MATH_SPAN.finditer(text))
    masked = MATH_SPAN.sub(lambda m: " " * len(m[0]), text)
    numbers = list(STANDALONE_NUMBER.finditer(masked))
    last_span, last_number = (spans or [None])[-1], (numbers or [None])[-1]
    if last_span is not None and (last_number is None or last_span.end() > last_number.end()):
        return _bounded(_span_text(last_span))
    return last_number[0] if last_number is not None else None


def find_answer(text: str) -> str | None:
    r"""\boxed{} first, then the expression after an answer phrase, then the last math
    span or standalone number; None if nothing."""
    if (boxed := last_boxed(text)) is not None:
        return _bounded(boxed)
    phrases = ANSWER_PHRASE.findall(text)
    if phrases:
        return answer_expression(phrases[-1])
    return last_math_or_number(text[-10_000:])
