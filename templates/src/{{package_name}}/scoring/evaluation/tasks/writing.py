"""The writing task: open writing prompts (data/writing_prompts.jsonl), graded by the judge.

The judge scores every answer 1-10 on AlignBench-style dimensions (scoring/judge/'s WRITING
rubric: factuality, meeting the request, coherence, creativity, richness, overall); each
judge_<dimension> is the mean over the answers it could read. Two statistics need no judge:
the mean length in characters (judges favour longer answers: read every score beside it)
and the character 4-gram repetition rate (metrics.repetition_rate), which works on Chinese
and rises with length too. Without a judge, or when none of its verdicts could be read, the
judge metrics are None with the reason under "not_run"; details["judged"] says how many
answers each mean is over. Answers are scored without their think block (enable_thinking).
Pairwise win rates against a reference stage come from pairwise.py, for any task.
"""

from __future__ import annotations

from typing import Any

from ...judge import NOT_CONFIGURED, WRITING
from ..metrics import answer_only, judge_statistics, mean, mean_known, not_run, repetition_rate

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
    responses = [answer_only(group[0]) for group in completions]  # the answer, not its thinking
    repetition = [repetition_rate(response) for response in responses]
    metrics: dict[str, Any] = {
        "response_chars": mean([float(len(r)) for r in responses]),
        "repetition_rate": mean_known(repetition),
    }
    if judge is None:
        grades: list[dict[str, int | None]] = [{} for _ in rows]
        metrics.update(not_run(JUDGE_METRICS, NOT_CONFIGURED))
    else:
        prompts = [row["messages"] for row in rows]
        grades = judge.grade(prompts, responses, WRITING, "judge writing")
        by_dimension = {f"judge_{d}": ([grade.get(d) for grade in grades], mean) for d in WRITING.dimensions}
        metrics.update(judge_statistics(by_dimension))
        metrics["judge_unparsed"] = sum(grade.get("overall") is None for grade in grades)
    records = [
        {"category": row.get("category"), "repetition_rate": rep, "judge_scores": grade}
        for row, rep, grade in zip(rows, repetition, grades, strict=True)
    ]
    return metrics, records
