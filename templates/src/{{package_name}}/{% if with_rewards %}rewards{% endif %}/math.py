r"""Math accuracy with math-verify: is the model's final answer equal to the gold one?

The gold answer is read from the dataset's own format: GSM8K's `#### 42`, a solution
with \boxed{}, or a plain answer. The prediction is read from the model's answer (after
its think block): \boxed{}, then "the answer is / 答案是 / 答案：", then `####`, then the
last number. Both are short strings by then, so math-verify's parser runs on at most
MAX_ANSWER_CHARS characters whatever the completion was.
"""

from __future__ import annotations

import functools
import threading

from math_verify import ExprExtractionConfig, LatexExtractionConfig, parse, verify

from .text import MAX_ANSWER_CHARS, NUMBER, answer_region, completion_text, find_answer, last_boxed

EXTRACTION = [LatexExtractionConfig(), ExprExtractionConfig()]
TIMEOUT_S = 3  # math-verify's own timeout (it uses signals: main thread only)


def gold_answer(solution: str) -> str | None:
    """GSM8K '#### 42' -> '42'; a solution with \\boxed{x} -> 'x'; else the text itself."""
    solution = str(solution or "")
    if "####" in solution:
        gold = solution.rsplit("####", 1)[1].strip().replace(",", "")
    else:
        gold = last_boxed(solution) or solution.strip()
    return gold[:MAX_ANSWER_CHARS] or None


def predicted_answer(completion: str, search_think: bool = False) -> str | None:
    """The model's final answer, from outside its think block (or anywhere, if asked)."""
    answer = find_answer(answer_region(completion))
    if answer is None and search_think:
        answer = find_answer(completion)
    return answer


def _parse(answer: str):
    timeout = TIMEOUT_S if threading.current_thread() is threading.main_thread() else None
    return parse(f"${answer}$", extraction_config=EXTRACTION, parsing_timeout=timeout)


@functools.lru_cache(maxsize=4096)
def _parse_gold(gold: str):
    """A group of GRPO completions shares one gold answer: parse it once."""
    return _parse(gold)


def is_correct(gold: str, prediction: str | None) -> bool | None:
    """True/False, or None when the gold answer itself cannot be parsed."""
    gold_parsed = _parse_gold(gold)
    if not gold_parsed:
        return None
    if prediction is None:
        return False
    timeout = TIMEOUT_S if threading.current_thread() is threading.main_thread() else None
    try:
        if verify(gold_parsed, _parse(prediction), timeout_seconds=timeout):
            return True
    except Exception:  # math-verify raises on exotic input; a wrong answer, not a crash
        return False
    # "18 dollars" against a numeric gold: the one number in the answer decides.
    numbers = NUMBER.findall(prediction)
    return len(numbers) == 1 and NUMBER.fullmatch(gold) is not None and _same_number(numbers[0], gold)


def _same_number(a: str, b: str) -> bool:
    try:
        return abs(float(a.replace(",", "")) - float(b.replace(",", ""))) < 1e-6
    except ValueError:  # fractions such as 3/4 were already compared by math-verify
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
