r"""Math answers: read the model's final answer and the gold one, and check them with math-verify.

The gold answer is read from the dataset's own format: GSM8K's `#### 42`, a solution
with \boxed{}, or a plain answer. The prediction is the model's final expression (after
its think block): \boxed{}, then what follows "the answer is / 答案是 / 答案：/ ####"
(a leading number followed by words such as "18 dollars, since ...", its math span, the
first number of an answer in words, else the whole phrase when it is an expression, never
prose; with nothing readable there, the last math span or number after that line), then
the last math span or standalone number.

Answers are read as whole expressions, not as a number pulled out of them: "$3\sqrt{2}$"
is 3√2, not 3. A bare number counts only where it stands alone, never as digits inside a
word or inside LaTeX. Both answers are short strings by then: math-verify's parser runs on
at most MAX_ANSWER_CHARS characters. The accuracy rewards and the math evaluation both
judge answers with `is_correct(gold_answer(...), predicted_answer(...))`.
"""

from __future__ import annotations

import functools
import re
import threading

from math_verify import ExprExtractionConfig, LatexExtractionConfig, parse, verify

from .text import answer_region

MAX_ANSWER_CHARS = 200  # an extracted answer longer than this is not an answer
EXTRACTION = [LatexExtractionConfig(), ExprExtractionConfig()]
TIMEOUT_S = 3  # math-verify's own timeout (it uses signals: main thread only)


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
# "the answer is 42", "答案是 42", "答案：42", "#### 42": the text up to the line's end. The
# answer may stand on a later line ("**Final Answer:**\n\n$18$"): the separator spans
# spaces, colons, markdown bold and blank lines, and the answer starts with a visible character.
ANSWER_PHRASE = re.compile(r"(?:answer is|answer:|答案是|答案为|答案：|答案:|####)[\s:：*]*(\S[^\n]{0,399})", re.IGNORECASE)
SENTENCE_END = re.compile(r"[.。!！?？](?=\s|$)")
TAG = re.compile(r"</?think>|<\|")  # a think tag or a chat-template token ends the answer
# Plain-text maths that LaTeX parsers drop silently ("3√2" would be read as 3).
UNICODE_MATH = str.maketrans({"√": r"\sqrt ", "π": r"\pi ", "×": r"\times ", "÷": r"\div ", "·": r"\cdot ", "−": "-"})
# Words that are maths, not prose: "3 sqrt 2", "2 pi", "5 times 3", "12 or 13".
MATH_NAMES = r"(?:sqrt|root|pi|sin|cos|tan|cot|sec|csc|log|ln|exp|mod|choose|times|over|plus|minus|divided|squared|cubed|power)\b"
MATH_WORDS = r"(?:" + MATH_NAMES + r"|(?:and|or|to)\b)"
# A number that leads an answer and is followed by words, not by more maths: "5 hours",
# "18, which ...", "5 (check: 5 + 13 = 18)", "18 dollars/day", "7 because 7 + 11 = 18".
# A comma and another number make a list ("12, 13, 14"): no leading number then.
LEADING_NUMBER = re.compile(
    r"(?:\\?\$|[¥￥£€])?\s*(?P<number>" + NUMBER_TEXT + r")(?P<percent>\s*(?:\\?%|percent\b))?"
    r"(?=\s*$|\s*[,;](?!\s*-?\d)|\s+\(|/[A-Za-z]|\.(?!\d)|\s*[\u3400-\u9fff]|\s+(?!" + MATH_WORDS + r")[A-Za-z]{2,})"
)
# Words outside LaTeX commands mean prose: math-verify would read "she makes 18" as a
# product of letters, and it takes the right-hand side of any "=" in it.
LATEX_COMMAND = re.compile(r"\\[A-Za-z]+\s*(?:\{[^{}]*\})?")
PROSE = re.compile(r"[A-Za-z]{2,}\s+[A-Za-z]{2,}|[\u3400-\u9fff]")
WORD = re.compile(r"\b(?!" + MATH_WORDS + r")[A-Za-z]{2,}\b|[\u3400-\u9fff]")
ONE_TOKEN = re.compile(r"\(?[A-Za-z0-9]+\)?")  # "Tuesday", "XQ7B", "(B)": read whole
# A number among words: spaces or punctuation around it, no maths glued to it ("4√5").
NUMBER_IN_WORDS = re.compile(r"(?<![^\s(:;,$¥￥£€])" + NUMBER.pattern + r"(?![^\s.,;:!?)]|[.,/]\d)")


def _bounded(answer: str) -> str | None:
    """An answer, or None if empty or too long: a cut-off expression could parse as its
    beginning ("\\frac{1}{2}\\frac{1}{2}..." as 1/2)."""
    return answer if 0 < len(answer) <= MAX_ANSWER_CHARS else None


def _span_text(match: re.Match) -> str:
    return next(group for group in match.groups() if group is not None).strip()


def is_prose(text: str) -> bool:
    """Two words in a row (or Chinese) outside LaTeX commands: "Answer is forty two"."""
    return PROSE.search(LATEX_COMMAND.sub(" ", text)) is not None


def _words_and_number(answer: str) -> tuple[bool, str | None]:
    """Whether an answer has words, and then its first number among them ("that she
    makes 18 dollars", "clear: 18" -> 18). Only the first is read: naming more candidates
    gains nothing. Words mixed with maths ("2 pi meters", "4√5 m") give no number."""
    if WORD.search(LATEX_COMMAND.sub(" ", answer)) is None:
        return False, None  # an expression ("x = 5"), to be read whole
    if re.search(r"\b" + MATH_NAMES + r"|[√π×÷·^\\]", answer):
        return True, None
    number = NUMBER_IN_WORDS.search(answer.replace("**", "  "))  # markdown bold: **18**
    return True, (number[0] if number is not None else None)


def answer_expression(answer: str) -> str | None:
    """What to hand to math-verify for an answer: a leading number followed by words
    ("18 dollars", "5, since 5 + 13 = 18" -> the number), else its first math span, else
    the first number of an answer in words, else the whole text (an expression). None if
    there is nothing to read: never prose, which math-verify misreads."""
    answer = TAG.split(answer, 1)[0].strip().strip("*").strip()  # markdown bold: **18**
    if (leading := LEADING_NUMBER.match(answer)) is not None:
        return leading["number"] + ("\\%" if leading["percent"] else "")
    if (span := MATH_SPAN.search(answer)) is not None:
        return _bounded(_span_text(span))
    answer = SENTENCE_END.split(answer, 1)[0].strip().strip("*").strip()
    plain = PLAIN_NUMBER_ANSWER.fullmatch(answer)
    if plain is not None and re.search(r"\b" + MATH_NAMES, answer) is None:  # not "2 pi"
        return plain["number"] + ("\\%" if plain["percent"] else "")
    has_words, number = _words_and_number(answer)
    if number is not None:
        return number
    if has_words and not ONE_TOKEN.fullmatch(answer):
        return None  # prose: math-verify would read the words as letters
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
    r"""\boxed{} first, then the expression after the last answer phrase (else the last
    math span or standalone number after that phrase's line), then the last math span or
    standalone number; None if nothing."""
    if (boxed := last_boxed(text)) is not None:
        return _bounded(boxed)
    phrases = list(ANSWER_PHRASE.finditer(text))
    if not phrases:
        return last_math_or_number(text[-10_000:])
    phrase = phrases[-1]
    if (answer := answer_expression(phrase[1])) is not None:
        return answer
    # "The answer is below." or prose without a number: the answer follows the phrase's line
    return last_math_or_number(text[phrase.end() :][:10_000])


def gold_answer(solution: str) -> str | None:
    r"""GSM8K '#### 42' -> '42'; a solution with \boxed{x} -> 'x'; else the text itself.
    None if that is empty or longer than any answer (a cut-off gold would parse as its start).

    Example:
        >>> gold_answer("3 + 4 = 7 apples.\n#### 7")
        '7'
        >>> gold_answer(r"So $x = \boxed{\frac{1}{2}}$.")
        '\\frac{1}{2}'
    """
    solution = str(solution or "")
    if "####" in solution:
        gold = solution.rsplit("####", 1)[1].strip().replace(",", "")
    else:
        gold = last_boxed(solution) or solution.strip()
    return gold if 0 < len(gold) <= MAX_ANSWER_CHARS else None


def predicted_answer(completion: str, search_think: bool = False) -> str | None:
    """The model's final answer, from outside its think block (or anywhere, if asked).

    Example:
        >>> predicted_answer("<think>maybe 5</think>The answer is 18 dollars.")
        '18'
        >>> predicted_answer("<think>the answer is 5</think>no idea") is None
        True
        >>> predicted_answer("<think>the answer is 5</think>no idea", search_think=True)
        '5'
    """
    answer = find_answer(answer_region(completion))
    if answer is None and search_think:
        answer = find_answer(completion)
    return answer


def _timeout() -> int | None:
    """math-verify's timeout uses signals, which work in the main thread only."""
    return TIMEOUT_S if threading.current_thread() is threading.main_thread() else None


def _parse(answer: str):
    return parse(f"${answer}$", extraction_config=EXTRACTION, parsing_timeout=_timeout())


@functools.lru_cache(maxsize=4096)
def _parse_gold(gold: str):
    """The parsed gold answer, or None if it is not maths. A group of GRPO completions
    shares one gold answer: parse it once."""
    if is_prose(gold):  # "Answer is forty two.": math-verify would read letters
        return None
    parsed = _parse(gold)
    # A failed parse is not empty: math-verify falls back to the raw string.
    return parsed if any(not isinstance(item, str) for item in parsed) else None


def is_correct(gold: str, prediction: str | None) -> bool | None:
    r"""True/False, or None when the gold answer itself cannot be parsed.

    Example:
        >>> is_correct("0.5", r"\frac{1}{2}"), is_correct("3", r"3\sqrt{2}"), is_correct("forty two", "42")
        (True, False, None)
    """
    gold_parsed = _parse_gold(gold)
    if gold_parsed is None:
        return None
    expression = answer_expression(prediction) if prediction is not None else None
    if expression is None:
        return False
    try:
        return bool(verify(gold_parsed, _parse(expression), timeout_seconds=_timeout()))
    except Exception:  # math-verify raises on exotic input; a wrong answer, not a crash
        return False
