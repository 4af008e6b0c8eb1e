r"""Math accuracy with math-verify: is the model's final answer equal to the gold one?

The gold answer is read from the dataset's own format: GSM8K's `#### 42`, a solution
with \boxed{}, or a plain answer. The prediction is the model's final expression (after
its think block): \boxed{}, then what follows "the answer is / 答案是 / 答案：/ ####"
(a leading number followed by words such as "18 dollars, since ...", its math span, the
first number of an answer in words, else the whole phrase when it is an expression, never
prose; with nothing readable there, the last math span or number after that line), then
the last math span or standalone number. math-verify compares
whole expressions, so "$3\sqrt{2}$" never counts as 3. Both answers are short strings
by then: math-verify's parser runs on at most MAX_ANSWER_CHARS characters.
"""

from __future__ import annotations

import functools
import threading

from math_verify import ExprExtractionConfig, LatexExtractionConfig, parse, verify

from ..text import MAX_ANSWER_CHARS, answer_expression, answer_region, completion_text, find_answer, is_prose, last_boxed

EXTRACTION = [LatexExtractionConfig(), ExprExtractionConfig()]
TIMEOUT_S = 3  # math-verify's own timeout (it uses signals: main thread only)


def gold_answer(solution: str) -> str | None:
    """GSM8K '#### 42' -> '42'; a solution with \\boxed{x} -> 'x'; else the text itself.
    None if that is empty or longer than any answer (a cut-off gold would parse as its start)."""
    solution = str(solution or "")
    if "####" in solution:
        gold = solution.rsplit("####", 1)[1].strip().replace(",", "")
    else:
        gold = last_boxed(solution) or solution.strip()
    return gold if 0 < len(gold) <= MAX_ANSWER_CHARS else None


def predicted_answer(completion: str, search_think: bool = False) -> str | None:
    """The model's final answer, from outside its think block (or anywhere, if asked)."""
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
    """True/False, or None when the gold answer itself cannot be parsed."""
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


def accuracy_reward(completions, solution, search_think: bool = False, **kwargs) -> list[float | None]:
    """1.0 if the final answer equals the gold answer, 0.0 if not, None if the gold
    answer cannot be parsed (the sample is then skipped, not scored 0)."""
    rewards: list[float | None] = []
    for completion, reference in zip(completions, solution):
        gold = gold_answer(reference)
        correct = is_correct(gold, predicted_answer(completion_text(completion), search_think)) if gold else None
        rewards.append(None if correct is None else float(correct))
    return rewards
