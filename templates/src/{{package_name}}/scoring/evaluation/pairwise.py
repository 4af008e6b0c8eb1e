"""Pairwise comparison: each model's answers against one reference stage's, by the judge.

After every model is evaluated (configs/eval.yaml `compare_to: <stage>`), the judge reads
each other model's answer and the reference's to the same prompt and says which is better.
Judge.compare asks in both orders and counts a verdict that flips with the order as a tie,
so a judge that prefers whichever answer comes first gives ties, not wins. Judges also
prefer longer answers: details["pairwise"] keeps both models' mean lengths beside the counts.

    win_rate, tie_rate, loss_rate    over the prompts with a verdict (unreadable ones are counted apart)
    details["pairwise"]              {"reference", "wins", "ties", "losses", "unparsed", "mean_chars", "reference_mean_chars"}
    details["judged"]                {rate: how many prompts it is over}
The reference's own entry, every entry when no judge or reference is there, and an entry
none of whose comparisons the judge answered readably, has None with the reason in
details["not_run"]. Answers are compared, and measured, without their think block. The
verdicts per prompt ("A": the model's answer is better, "B": the reference's, "tie", or null:
unreadable) go to <model>_vs_<reference>.jsonl beside the generations (details["pairwise_verdicts"]).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ...config import ProjectError
from ..judge import NOT_CONFIGURED
from .metrics import answer_only, judge_statistics, mean, rate
from .tasks import PAIRWISE_METRICS

VERDICTS = ("A", "tie", "B")  # Judge.compare's verdict behind each of PAIRWISE_METRICS: win, tie, loss
NO_REFERENCE = "set compare_to: <stage> in configs/eval.yaml to compare every model with that stage's answers"
IS_REFERENCE = "the reference of the comparison (compare_to: {reference})"
NOT_EVALUATED = "the reference '{reference}' has no evaluation yet (run its stage, then `eval`)"


def compare_all(evaluations: list[dict[str, Any]], reference: str | None, judge, requested: list[str] | None = None) -> None:
    """Fill every evaluation entry's win/tie/loss rates against `reference`'s answers, in place.
    `requested`: the configured metrics (empty: all are shown); the rest go to details."""
    if reference is None and not set(PAIRWISE_METRICS) & set(requested or ()):
        return  # nobody asked for a comparison: the entries stay as the harness wrote them
    by_name = {entry["model"]: entry for entry in evaluations}
    for entry in evaluations:
        if reference is None:
            reason = NO_REFERENCE
        elif entry["model"] == reference:
            reason = IS_REFERENCE.format(reference=reference)
        elif reference not in by_name:
            reason = NOT_EVALUATED.format(reference=reference)
        elif judge is None:
            reason = NOT_CONFIGURED
        else:
            counts, verdicts, verdicts_path = compare_pair(entry, by_name[reference], judge)
            statistics = judge_statistics(
                {metric: (verdicts, _share_of(wanted)) for metric, wanted in zip(PAIRWISE_METRICS, VERDICTS, strict=True)},
                what="comparisons",
            )
            reasons, judged = statistics.pop("not_run", {}), statistics.pop("judged")
            _put(entry, statistics, requested, reasons)
            entry["details"].setdefault("judged", {}).update(judged)
            entry["details"].update(pairwise=counts, pairwise_verdicts=str(verdicts_path))
            continue
        _put(entry, dict.fromkeys(PAIRWISE_METRICS), requested, dict.fromkeys(PAIRWISE_METRICS, reason))


def _share_of(wanted: str):
    """The share of readable verdicts equal to `wanted`."""
    return lambda known: rate([verdict == wanted for verdict in known])


def compare_pair(entry: dict[str, Any], reference: dict[str, Any], judge) -> tuple[dict[str, Any], list[str | None], Path]:
    """The judge's verdicts on `entry`'s answers (A) against `reference`'s (B), prompt by prompt
    (think blocks removed): their counts, the verdicts, and the file that lists them."""
    rows, reference_rows = read_generations(entry), read_generations(reference)
    if [row["messages"] for row in rows] != [row["messages"] for row in reference_rows]:
        raise ProjectError(
            f"models '{entry['model']}' and '{reference['model']}' answered different prompts; re-run `eval` to compare them"
        )
    prompts = [row["messages"] for row in rows]
    answers = [answer_only(row["response"]) for row in rows]  # the answers, not the thinking before them
    reference_answers = [answer_only(row["response"]) for row in reference_rows]
    verdicts = judge.compare(prompts, answers, reference_answers, f"judge {entry['model']} vs {reference['model']}")
    path = Path(entry["generations"]).with_name(f"{entry['model']}_vs_{reference['model']}.jsonl")
    with open(path, "w", encoding="utf-8") as handle:
        for prompt, answer, reference_answer, verdict in zip(prompts, answers, reference_answers, verdicts, strict=True):
            row = {"messages": prompt, "A": answer, "B": reference_answer, "verdict": verdict}
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    counts = {
        "reference": reference["model"],
        "wins": verdicts.count("A"),
        "ties": verdicts.count("tie"),
        "losses": verdicts.count("B"),
        "unparsed": verdicts.count(None),
        "mean_chars": mean([float(len(answer)) for answer in answers]),
        "reference_mean_chars": mean([float(len(answer)) for answer in reference_answers]),
    }
    return counts, verdicts, path


def read_generations(entry: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows the harness wrote for one model: its prompts and answers."""
    path = Path(entry["generations"])
    if not path.is_file():
        raise ProjectError(f"the answers of '{entry['model']}' ({path}) are missing; re-run `eval`")
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _put(entry: dict[str, Any], values: dict[str, float | None], requested: list[str] | None, reasons: dict[str, str]) -> None:
    """Pairwise values into the entry's metrics (those configured, or all when none are) or
    details; `reasons`: metric -> why it is None (details["not_run"])."""
    details = entry.setdefault("details", {})
    for metric, value in values.items():
        if not requested or metric in requested:
            entry["metrics"][metric] = value
        else:
            details[metric] = value
        if metric in reasons:
            details.setdefault("not_run", {})[metric] = reasons[metric]
    entry["missing_metrics"] = [metric for metric, value in entry["metrics"].items() if value is None]
