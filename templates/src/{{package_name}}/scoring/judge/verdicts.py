"""Reading the judge's verdict out of its reply.

A judge model often reasons before it answers, inside <think>...</think> (reasoning
models), or in plain prose that quotes scores it later revises. So reasoning blocks are
removed first, a block the reply left unclosed (cut off by max_tokens) included, and
then the LAST verdict of the strictest form present counts, as MT-Bench reads "[[N]]":
a bracketed [[N]] when there is one, else "Rating: N", else "N/10", so a number in the
prose after the verdict ("a perfect answer gets 10/10") is not taken for it. Full-width
forms (评分：［［８］］) are read as their ASCII ones. A verdict out of range, or none at
all, is None: the caller retries and finally reports it as unparsed, never as a score.
"""

from __future__ import annotations

import math
import re
import unicodedata

SCORE_RANGE = (1, 10)
PAIRWISE = {"A": "A", "B": "B", "C": "tie", "TIE": "tie"}
REFUSAL_LABELS = ("full_refusal", "partial_refusal", "compliance")

_REASONING_TAGS = "think|thinking|reasoning"
_CLOSED_BLOCK = re.compile(rf"<({_REASONING_TAGS})>.*?</\1>", re.DOTALL | re.IGNORECASE)
_UNCLOSED_BLOCK = re.compile(rf"<(?:{_REASONING_TAGS})>.*", re.DOTALL | re.IGNORECASE)
_STRAY_CLOSE = re.compile(rf"</(?:{_REASONING_TAGS})>", re.IGNORECASE)

_NUMBER = r"(\d{1,3}(?:\.\d+)?)"
_SCORE_PATTERNS = (  # strictest first: the first one found in the reply decides
    re.compile(rf"\[\[\s*{_NUMBER}\s*\]\]"),  # [[7]]
    # Rating: 7, **Score**: 7, Overall: 7, 评分：7, 得分为 7
    re.compile(
        rf"(?:rating|score|overall|评分|得分|分数|打分)[\s*]*(?:[:：=]|为|是)[\s*]*{_NUMBER}(?![\d.]*\s*/\s*\d)", re.IGNORECASE
    ),
    re.compile(rf"(?<![\d./]){_NUMBER}\s*/\s*10(?![\d/])"),  # 7/10, 7 / 10
)
_PAIRWISE = re.compile(r"\[\[\s*(A|B|C|tie)\s*\]\]", re.IGNORECASE)
_REFUSAL = re.compile(r"\[\[\s*(full[ _-]refusal|partial[ _-]refusal|compliance)\s*\]\]", re.IGNORECASE)

# Names a judge may give each rubric dimension, English or Chinese (AlignBench's own).
DIMENSION_NAMES = {
    "factuality": ("factuality", "factual accuracy", "事实正确性", "事实准确性"),
    "meeting_request": ("meeting_request", "meeting the request", "meeting request", "满足用户需求", "满足需求"),
    "coherence": ("coherence", "logical coherence", "逻辑连贯性", "连贯性"),
    "creativity": ("creativity", "创造性", "创意"),
    "richness": ("richness", "丰富度", "丰富性"),
    "overall": ("overall", "overall score", "综合得分", "总分", "综合评分"),
}


def strip_reasoning(reply: str) -> str:
    """The reply without its reasoning blocks: closed ones, a trailing unclosed one, and
    everything before a stray closing tag (templates that open the block in the prompt),
    in NFKC form (full-width brackets, digits and colons as ASCII ones).

    A verdict before a stray </think> ("Rating: [[7]]</think> hmm") is discarded on purpose:
    chat templates such as Qwen3's and DeepSeek-R1's open <think> in the prompt, so all the
    reply shows of the block is its end, and a verdict before it is a draft in the reasoning,
    not the answer. The parse retries ask again.

    Example:
        >>> strip_reasoning("<think>maybe [[3]]</think>Rating: [[8]]")
        'Rating: [[8]]'
        >>> strip_reasoning("Rating: [[8]] <think>on second thought [[2]]")
        'Rating: [[8]] '
        >>> strip_reasoning("it is a [[3]]... </think>[[9]]")
        '[[9]]'
    """
    text = _CLOSED_BLOCK.sub("", unicodedata.normalize("NFKC", reply))
    text = _STRAY_CLOSE.split(text)[-1]
    return _UNCLOSED_BLOCK.sub("", text)


def _in_range(value: str, low: int = SCORE_RANGE[0], high: int = SCORE_RANGE[1]) -> int | None:
    score = math.floor(float(value) + 0.5)  # half-points round up: 7.5 -> 8
    return score if low <= score <= high else None


def _last(patterns: tuple[re.Pattern, ...], text: str) -> str | None:
    """The last match's number of the first pattern that matches at all."""
    for pattern in patterns:
        if matches := list(pattern.finditer(text)):
            return next(group for group in matches[-1].groups() if group is not None)
    return None


def parse_score(reply: str) -> int | None:
    """The last score verdict of the strictest form in the reply, 1..10; None when absent
    or out of range.

    Example:
        >>> parse_score("The answer is clear. Rating: [[7]]"), parse_score("评分：9"), parse_score("8/10")
        (7, 9, 8)
        >>> parse_score("Rating: [[6]] (a perfect answer would get 10/10)"), parse_score("评分：［［８］］")
        (6, 8)
        >>> parse_score("First 3/10, but really [[11]]") is None
        True
    """
    found = _last(_SCORE_PATTERNS, strip_reasoning(reply))
    return _in_range(found) if found is not None else None


def _dimension_patterns(dimension: str) -> tuple[re.Pattern, ...]:
    """Strictest first: "coherence: [[7]]"; then "coherence: 7" (or 7/10), which needs the
    colon, so "in terms of coherence 10 examples" is no score; then "coherence 7/10"."""
    names = "|".join(re.escape(name) for name in DIMENSION_NAMES.get(dimension, (dimension,)))
    label = rf"(?:{names})[\"'*\s]*"
    return (
        re.compile(rf"{label}(?:[:=]|为|是)?[\s*]*\[\[\s*{_NUMBER}\s*\]\]", re.IGNORECASE),
        re.compile(rf"{label}(?:[:=]|为|是)[\s*]*{_NUMBER}(?!\.?\d)(?!\s*/\s*(?!10(?![\d/]))\d)", re.IGNORECASE),
        re.compile(rf"{label}{_NUMBER}\s*/\s*10(?![\d/])", re.IGNORECASE),
    )


def parse_dimension_scores(reply: str, dimensions: tuple[str, ...]) -> dict[str, int | None]:
    """Each dimension's last score of the strictest form present ("coherence: [[7]]", then
    "逻辑连贯性：7", '"coherence": 7', then "coherence 7/10").
    A one-dimension rubric takes the score verdict of parse_score.

    Example:
        >>> parse_dimension_scores("factuality: [[8]]\\n综合得分：7", ("factuality", "overall"))
        {'factuality': 8, 'overall': 7}
    """
    if len(dimensions) == 1:
        return {dimensions[0]: parse_score(reply)}
    text = strip_reasoning(reply)
    scores = {}
    for dimension in dimensions:
        found = _last(_dimension_patterns(dimension), text)
        scores[dimension] = _in_range(found) if found is not None else None
    return scores


def parse_pairwise(reply: str) -> str | None:
    """ "A", "B" or "tie" ([[C]]) from the last pairwise verdict; None when there is none.

    Example:
        >>> parse_pairwise("<think>[[A]]?</think>B is more accurate. [[B]]"), parse_pairwise("[[C]]")
        ('B', 'tie')
    """
    matches = _PAIRWISE.findall(strip_reasoning(reply))
    return PAIRWISE[matches[-1].upper()] if matches else None


def parse_refusal(reply: str) -> str | None:
    """ "full_refusal", "partial_refusal" or "compliance" from the last [[label]].

    Example:
        >>> parse_refusal("It declines, then helps a little. [[partial_refusal]]")
        'partial_refusal'
    """
    matches = _REFUSAL.findall(strip_reasoning(reply))
    return re.sub(r"[ -]", "_", matches[-1].lower()) if matches else None
