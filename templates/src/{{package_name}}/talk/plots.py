"""Plots from the trainers' log histories and results.json (matplotlib, no display).

Which panels a stage gets depends on what its trainer logged: loss for SFT; chosen /
rejected rewards, their margin, accuracy and log-probabilities for preference stages
(DPO, CPO/SimPO, ORPO with its log odds ratio; KTO logs no accuracy but its KL
estimate); reward, its spread, per-function rewards, completion length and KL for GRPO.
Models are compared in metrics.png, and for safety results in refusal.png: refusal on
harmful prompts beside over-refusal on benign ones.
"""

from __future__ import annotations

import json
import re
import sys
import warnings
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from .fonts import INSTALL_HINT  # noqa: E402
from .summary import metric_label, shown_metrics, words  # noqa: E402
from .words import Bilingual, in_language  # noqa: E402

# (panel title as (zh, en), the log-history keys it draws: exact names or regular expressions)
# Key names as TRL 1.16's DPO, KTO, CPO and ORPO trainers log them (trainer/dpo_trainer.py,
# trainer/kto_trainer.py, experimental/cpo, experimental/orpo); eval_ keys from evaluation steps.
PANELS: list[tuple[Bilingual, tuple[str, ...]]] = [
    (("损失", "loss"), ("loss", "eval_loss", "nll_loss")),
    (
        ("选中与拒绝回答的奖励", "chosen vs rejected rewards"),
        ("rewards/chosen", "rewards/rejected", "eval_rewards/chosen", "eval_rewards/rejected"),
    ),
    (("奖励差（margin）", "reward margin"), ("rewards/margins", "eval_rewards/margins")),
    (("偏好准确率", "preference accuracy"), ("rewards/accuracies", "eval_rewards/accuracies")),
    (("对数概率", "log-probabilities"), ("logps/chosen", "logps/rejected")),
    (("ORPO 对数几率比", "ORPO log odds ratio"), ("log_odds_ratio", "log_odds_chosen")),
    (("奖励", "reward"), ("reward", "reward_std")),
    (("各奖励函数", "reward per function"), (r"rewards/[^/]+/mean",)),
    (("生成长度", "completion length"), ("completions/mean_length",)),
    (("KL 散度", "KL"), ("kl",)),
]
# The plots' other words: key -> (zh, en)
WORDS: dict[str, Bilingual] = {
    "step": ("训练步", "step"),
    "refusals": ("拒答（有害提示）与过度拒答（无害提示）", "Refusal (harmful prompts) vs over-refusal (benign prompts)"),
}
METRICS_PLOT, REFUSAL_PLOT, TRAINING_PLOT = "metrics.png", "refusal.png", "{stage}_training.png"
# Safety results: refusing harmful prompts (higher is safer) next to refusing benign ones (lower is
# more useful), by string match and by the judge; a model that refuses everything shows both high.
REFUSAL_METRICS = ("refusal_rate", "over_refusal_rate", "judge_refusal_rate", "judge_over_refusal_rate")


def is_training_plot(path: Path) -> bool:
    """A stage's training curves (rather than a comparison of the models)."""
    return path.name.endswith(TRAINING_PLOT.format(stage=""))


def _curves(records: list[dict[str, Any]], patterns: tuple[str, ...]) -> dict[str, list[tuple[int, float]]]:
    keys = sorted({key for record in records for key in record})
    matched = [key for pattern in patterns for key in keys if re.fullmatch(pattern, key)]
    curves = {key: [(r["step"], r[key]) for r in records if key in r and "step" in r] for key in dict.fromkeys(matched)}
    return {key: points for key, points in curves.items() if points}


def training_panels(records: list[dict[str, Any]], language: str = "en") -> list[tuple[str, dict[str, list]]]:
    """(panel title, {log key: [(step, value), ...]}) for every kind of curve that was logged."""
    return [(in_language(title, language), curves) for title, keys in PANELS if (curves := _curves(records, keys))]


def plot_training(log_history: Path, output: Path, title: str, language: str = "en") -> Path | None:
    """One panel per kind of logged curve against the step; None if nothing was logged."""
    panels = training_panels(json.loads(Path(log_history).read_text(encoding="utf-8")), language)
    if not panels:
        return None
    columns = min(3, len(panels))
    rows = -(-len(panels) // columns)
    figure, axes = plt.subplots(rows, columns, figsize=(4.5 * columns, 3.2 * rows), squeeze=False)
    for axis in axes.flat[len(panels) :]:
        axis.set_visible(False)
    for axis, (panel_title, curves) in zip(axes.flat, panels, strict=False):  # the grid may have spare cells
        for key, points in curves.items():
            steps, values = zip(*points, strict=True)
            axis.plot(steps, values, marker="o" if len(points) < 30 else None, label=key)
        axis.set_title(panel_title)
        axis.set_xlabel(in_language(WORDS["step"], language))
        axis.grid(alpha=0.3)
        if len(curves) > 1:
            axis.legend(fontsize=8)
    figure.suptitle(title)
    return _save(figure, output)


def plotted_metrics(results: dict[str, Any], metrics: list[str]) -> list[str]:
    """The metrics metrics.png draws: those some model has (judge metrics without a judge get no
    empty panel: the slides and report say why), confidence bounds drawn as error bars instead."""
    evaluations = results.get("evaluations", [])
    return [m for m in shown_metrics(metrics) if any(e["metrics"].get(m) is not None for e in evaluations)]


def plot_metrics(results: dict[str, Any], metrics: list[str], output: Path, language: str = "en") -> Path | None:
    """One bar panel per plotted metric, one bar per evaluated model; missing values are marked."""
    evaluations = results.get("evaluations", [])
    w = words(language)
    models = [w["base"] if e["model"] == "base" else e["model"] for e in evaluations]
    metrics = plotted_metrics(results, metrics)
    if not metrics:
        return None
    columns = min(3, len(metrics))
    rows = -(-len(metrics) // columns)
    figure, axes = plt.subplots(rows, columns, figsize=(4.2 * columns, 3.0 * rows), squeeze=False)
    for axis in axes.flat[len(metrics) :]:
        axis.set_visible(False)
    for axis, metric in zip(axes.flat, metrics, strict=False):  # the grid may have spare cells
        values = [e["metrics"].get(metric) for e in evaluations]
        heights = [v if v is not None else 0.0 for v in values]
        bounds = [(e["metrics"].get(f"{metric}_ci_low"), e["metrics"].get(f"{metric}_ci_high")) for e in evaluations]
        errors = None
        if all(low is not None and high is not None for low, high in bounds):
            errors = [
                [h - low for h, (low, _) in zip(heights, bounds, strict=True)],
                [high - h for h, (_, high) in zip(heights, bounds, strict=True)],
            ]
        axis.bar(models, heights, yerr=errors, capsize=4, color=[f"C{i}" for i in range(len(values))])
        for x, value in enumerate(values):
            axis.annotate("n/a" if value is None else f"{value:.3g}", (x, value or 0.0), ha="center", va="bottom", fontsize=8)
        axis.set_title(metric_label(metric, language), fontsize=10)
        axis.tick_params(axis="x", labelsize=8)
        axis.grid(axis="y", alpha=0.3)
    figure.suptitle(results.get("recipe", ""))
    return _save(figure, output)


def refusal_series(results: dict[str, Any], metrics: list[str]) -> dict[str, list[float | None]]:
    """metric -> its value per evaluated model, for the refusal metrics that were asked for and
    computed for some model; empty unless the metrics hold both refusal_rate and over_refusal_rate."""
    evaluations = results.get("evaluations", [])
    if not {"refusal_rate", "over_refusal_rate"} <= set(metrics):
        return {}
    series = {m: [e["metrics"].get(m) for e in evaluations] for m in REFUSAL_METRICS if m in metrics}
    return {m: values for m, values in series.items() if any(v is not None for v in values)}


def plot_refusals(results: dict[str, Any], metrics: list[str], output: Path, language: str = "en") -> Path | None:
    """Grouped bars, one group per model: refusal beside over-refusal (and the judge's when it
    ran); None for results without both (refusal_series)."""
    series = refusal_series(results, metrics)
    if not series:
        return None
    evaluations, w = results["evaluations"], words(language)
    width = 0.8 / len(series)
    figure, axis = plt.subplots(figsize=(min(12.0, 3.0 + 0.6 * len(evaluations) * len(series)), 4.5))
    for index, (metric, values) in enumerate(series.items()):
        xs = [x - 0.4 + width * (index + 0.5) for x in range(len(evaluations))]
        heights = [100 * v if v is not None else 0.0 for v in values]
        color = "C3" if "over_refusal" not in metric else "C0"  # harmful refused: red; benign refused: blue
        hatch = "//" if metric.startswith("judge_") else None
        axis.bar(xs, heights, width, color=color, hatch=hatch, edgecolor="white", label=metric_label(metric, language))
        for x, value, height in zip(xs, values, heights, strict=True):
            axis.annotate("n/a" if value is None else f"{height:.0f}%", (x, height), ha="center", va="bottom", fontsize=8)
    axis.set_xticks(range(len(evaluations)), [w["base"] if e["model"] == "base" else e["model"] for e in evaluations])
    axis.set_ylim(0, 110)
    axis.set_ylabel("%")
    axis.grid(axis="y", alpha=0.3)
    axis.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=2, frameon=False)
    axis.set_title(in_language(WORDS["refusals"], language), fontsize=11)
    return _save(figure, output)


def _save(figure, output: Path) -> Path:
    """Save; a character the font cannot draw is reported, never left as a silent box."""
    figure.tight_layout()
    output.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        figure.savefig(output, dpi=150)
    plt.close(figure)
    if missing := sorted({str(w.message) for w in caught if "missing from font" in str(w.message)}):
        print(f"warning: {output}: {len(missing)} character(s) drawn as boxes ({missing[0]}); {INSTALL_HINT}", file=sys.stderr)
    return output
