"""Scoring of the three evaluation tasks: chat (fixed prompts), math (gold answers), code (tests).

Each scorer takes the task rows and, per row, the model's completions (several when
`samples_per_task` > 1) and returns (metrics, one record per row for the JSONL).
Math and code judge answers with scoring/answers.py, think.py, code.py and the sandbox,
as the training rewards do, so training and evaluation judge answers the same way.
A chat-only project has none of those modules: the math and code scorers import them
when called.
"""

from __future__ import annotations

import math
from typing import Any

from .metrics import is_refusal, is_valid_json, mean, rate

Z_95 = 1.959964  # two-sided 95% normal quantile


def wilson_interval(successes: int, total: int, z: float = Z_95) -> tuple[float | None, float | None]:
    """95% Wilson score interval of a proportion (sound for small n and p near 0 or 1)."""
    if total == 0:
        return None, None
    p = successes / total
    denominator = 1 + z * z / total
    centre = (p + z * z / (2 * total)) / denominator
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k (Chen et al., 2021): 1 - C(n-c, k) / C(n, k), as a stable product."""
    if k > n:
        raise ValueError(f"pass@{k} needs at least {k} samples per task, got {n}")
    if n - c < k:
        return 1.0
    return 1.0 - math.prod(1.0 - k / i for i in range(n - c + 1, n + 1))


def completion_length(text: str, tokenizer=None) -> float:
    """In tokens with a tokenizer, else in characters."""
    return float(len(tokenizer(text, add_special_tokens=False)["input_ids"]) if tokenizer else len(text))


def chat_scores(rows: list[dict], completions: list[list[str]], **_) -> tuple[dict, list[dict]]:
    responses = [group[0] for group in completions]

    def expecting(kind: str) -> list[str]:
        return [response for row, response in zip(rows, responses, strict=True) if row.get("expect") == kind]

    metrics = {
        "response_chars": mean([float(len(r)) for r in responses]),
        "empty_rate": rate([not r.strip() for r in responses]),
        "json_valid_rate": rate([is_valid_json(r) for r in expecting("json")]),
        "refusal_rate": rate([is_refusal(r) for r in expecting("refusal")]),
    }
    return metrics, [{} for _ in rows]


def math_scores(rows: list[dict], completions: list[list[str]], tokenizer=None, **_) -> tuple[dict, list[dict]]:
    """Accuracy (with a 95% interval), strict think-format rate, malformed-think rate, length."""
    from ..answers import gold_answer, is_correct, predicted_answer
    from ..think import is_strict_think_format, malformed_think

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


def code_scores(
    rows: list[dict], completions: list[list[str]], tokenizer=None, sandbox: dict | None = None, ks: tuple[int, ...] = (1,), **_
) -> tuple[dict, list[dict]]:
    """pass@k by the unbiased estimator over the tasks the sandbox could run."""
    from ..code import code_program, code_tests
    from ..sandbox import Sandbox, SandboxConfig

    runner = Sandbox(SandboxConfig(**(sandbox or {})))
    jobs = [
        (code_program(row, completion), code_tests(row))
        for row, group in zip(rows, completions, strict=True)
        for completion in group
    ]
    outcomes = iter(runner.run_many(jobs, progress="run tests in the sandbox"))
    records, per_task, errors, lengths = [], [], 0, []
    for group in completions:
        statuses = [next(outcomes).status for _ in group]
        errors += statuses.count("error")
        records.append({"statuses": statuses})
        if "error" not in statuses:  # a task the sandbox failed on is left out and counted, not scored 0
            per_task.append(statuses.count("passed"))
        lengths += [completion_length(completion, tokenizer) for completion in group]
    n = len(completions[0]) if completions else 0
    metrics: dict[str, Any] = {f"pass@{k}": mean([pass_at_k(n, c, k) for c in per_task]) for k in ks if k <= n}
    metrics.update(
        sandbox_errors=float(errors),
        mean_completion_tokens=mean(lengths),
        scored=len(per_task),
        sandbox_layers=runner.layer_names,
    )
    return metrics, records


SCORERS = {"chat": chat_scores, "math": math_scores, "code": code_scores}
# The metrics each scorer returns (pass@k: one per k the configuration asks for). Every task
# also reports VALIDATION_METRICS, from the validation split (harness.validation_metrics).
# generator/recipes.py's METRICS lists the same names: a test keeps them equal.
TASK_METRICS = {
    "chat": ("response_chars", "empty_rate", "json_valid_rate", "refusal_rate"),
    "math": ("accuracy", "accuracy_ci_low", "accuracy_ci_high", "format_rate", "malformed_think_rate", "mean_completion_tokens"),
    "code": ("pass@k", "sandbox_errors", "mean_completion_tokens"),
}
VALIDATION_METRICS = ("validation_loss", "perplexity")
