r"""The math task: gold answers (GSM8K's `#### 42`, \boxed{} solutions), judged as the rewards judge.

scoring/answers.py reads the gold and the predicted answer and checks them with math-verify;
scoring/think.py checks the think-block format. The accuracy and format rewards use the same
functions, so a model is trained and evaluated on the same judgement.
"""

from __future__ import annotations

from ...answers import gold_answer, is_correct, predicted_answer
from ...think import is_strict_think_format, malformed_think
from ..metrics import completion_length, mean, rate, wilson_interval

METRICS = ("accuracy", "accuracy_ci_low", "accuracy_ci_high", "format_rate", "malformed_think_rate", "mean_completion_tokens")


def math_scores(rows: list[dict], completions: list[list[str]], tokenizer=None, **_) -> tuple[dict, list[dict]]:
    """Accuracy (with a 95% interval), strict think-format rate, malformed-think rate, length.
    A row whose gold answer cannot be read is left out of the accuracy, not scored 0."""
    records, correct, formatted, malformed, lengths = [], [], [], [], []
    for row, group in zip(rows, completions, strict=True):
        gold = gold_answer(row.get("solution", ""))
        record = {"gold": gold, "answers": [], "correct": []}
        for completion in group:
            answer = predicted_answer(completion)
            verdict = is_correct(gold, answer) if gold else None
            record["answers"].append(answer)
            record["correct"].append(verdict)
            if verdict is not None:
                correct.append(verdict)
            formatted.append(is_strict_think_format(completion))
            malformed.append(malformed_think(completion))
            lengths.append(completion_length(completion, tokenizer))
        records.append(record)
    low, high = wilson_interval(sum(correct), len(correct))
    metrics = {
        "accuracy": rate(correct),
        "accuracy_ci_low": low,
        "accuracy_ci_high": high,
        "format_rate": rate(formatted),
        "malformed_think_rate": rate(malformed),
        "mean_completion_tokens": mean(lengths),
        "scored": len(correct),
    }
    return metrics, records
