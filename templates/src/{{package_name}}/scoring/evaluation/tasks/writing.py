"""The writing task: open writing prompts (data/writing_prompts.jsonl), graded by the judge.

The judge scores every answer 1-10 on AlignBench-style dimensions (scoring/judge/'s WRITING
rubric: factuality, meeting the request, coherence, creativity, richness, overall); each
judge_<dimension> is the mean over the answers it could read. Two statistics need no judge:
the mean length in characters (judges favour longer answers: read every score beside it)
and the character 4-gram repetition rate (metrics.repetition_rate), which works on Chinese.
Pairwise win rates against a reference stage come from pairwise.py, for any task.
"""

from __future__ import annotations

from typing import Any

from ...judge import NOT_CONFIGURED, WRITING
from ..metrics import mean, mean_known, repetition_rate

METRICS = (
    "judge_overall",
    "judge_factuality",
    "judge_meeting_request",
    "judge_coherence",
    "judge_creativity",
    "judge_richness",
    "response_chars",
    "repetition_rate",
)
JUDGE_METRICS = tuple(metric for metric in METRICS if metric.startswith("judge_"))


def writing_scores(rows: list[dict], completions: list[list[str]], judge=None, **_) -> tuple[dict, list[dict]]:
    """The judge's mean score per WRITING dimension (None without a judge), the mean response
    length in characters and the mean character 4-gram repetition rate."""
    responses = [group[0] for group in completions]
    repetition = [repetition_rate(response) for response in responses]
    metrics: dict[str, Any] = {
        "response_chars": mean([float(len(r)) for r in responses]),
        "repetition_rate": mean_known(repetition),
    }
    if judge is None:
        grades: list[dict[str, int | None]] = [{} for _ in rows]
        metrics.update(dict.fromkeys(JUDGE_METRICS))
        metrics["not_run"] = dict.fromkeys(JUDGE_METRICS, NOT_CONFIGURED)
    else:
        prompts = [row["messages"] for row in rows]
        grades = judge.grade(prompts, responses, WRITING, "judge writing")
        for dimension in WRITING.dimensions:
            metrics[f"judge_{dimension}"] = mean_known([grade.get(dimension) for grade in grades])
        metrics["judge_unparsed"] = sum(grade.get("overall") is None for grade in grades)
    records = [
        {"category": row.get("category"), "repetition_rate": rep, "judge_scores": grade}
        for row, rep, grade in zip(rows, repetition, grades, strict=True)
    ]
    return metrics, records
