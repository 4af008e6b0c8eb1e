"""Plots from the trainers' log histories and results.json (matplotlib, no display).

Which panels a stage gets depends on what its trainer logged: loss for SFT; chosen /
rejected rewards, margins and accuracy for preference stages; reward, its spread,
per-function rewards, completion length and KL for GRPO.
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
PANELS: list[tuple[Bilingual, tuple[str, ...]]] = [
    (("损失", "loss"), ("loss", "eval_loss")),
    (("偏好奖励", "preference rewards"), ("rewards/chosen", "rewards/rejected", "rewards/margins")),
    (("偏好准确率", "preference accuracy"), ("rewards/accuracies",)),
    (("奖励", "reward"), ("reward", "reward_std")),
    (("各奖励函数", "reward per function"), (r"rewards/[^/]+/mean",)),
    (("生成长度", "completion length"), ("completions/mean_length",)),
    (("KL 散度", "KL"), ("kl",)),
]
# The plots' other words: key -> (zh, en)
WORDS: dict[str, Bilingual] = {"step": ("训练步", "step")}


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


def plot_metrics(results: dict[str, Any], metrics: list[str], output: Path, language: str = "en") -> Path | None:
    """One bar panel per metric, one bar per evaluated model; missing values are marked."""
    evaluations = results.get("evaluations", [])
    if not evaluations or not metrics:
        return None
    w = words(language)
    models = [w["base"] if e["model"] == "base" else e["model"] for e in evaluations]
    metrics = shown_metrics(metrics)  # confidence bounds are drawn as error bars instead
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
