"""The code task: each completion runs against the task's tests in the sandbox; pass@k.

scoring/code.py puts the program and its tests together (HumanEval and MBPP rows) and
scoring/sandbox/ runs them, as the code execution reward does, so training and evaluation
judge code the same way.
"""

from __future__ import annotations

from typing import Any

from ...code import code_program, code_tests
from ...sandbox import Sandbox, SandboxConfig
from ..metrics import completion_length, mean, pass_at_k

METRICS = ("pass@k", "sandbox_errors", "mean_completion_tokens")


def code_scores(
    rows: list[dict], completions: list[list[str]], tokenizer=None, sandbox: dict | None = None, ks: tuple[int, ...] = (1,), **_
) -> tuple[dict, list[dict]]:
    """pass@k by the unbiased estimator over the tasks the sandbox could run."""
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
