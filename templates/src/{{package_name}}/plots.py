"""Training curves from the trainers' log histories (matplotlib, no display needed)."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

# Log-history keys worth a curve, in the order they are drawn.
CURVES = ("loss", "eval_loss")


def plot_training(log_history: Path, output: Path, title: str) -> Path | None:
    """One panel per logged curve against the global step; None if nothing was logged."""
    records = json.loads(Path(log_history).read_text(encoding="utf-8"))
    series = {
        key: [(r["step"], r[key]) for r in records if key in r and "step" in r]
        for key in CURVES
    }
    series = {key: points for key, points in series.items() if points}
    if not series:
        return None
    figure, axes = plt.subplots(1, len(series), figsize=(5 * len(series), 3.5), squeeze=False)
    for axis, (key, points) in zip(axes[0], series.items()):
        steps, values = zip(*points)
        axis.plot(steps, values, marker="o" if len(points) < 30 else None)
        axis.set_xlabel("step")
        axis.set_ylabel(key)
        axis.grid(alpha=0.3)
    figure.suptitle(title)
    figure.tight_layout()
    output.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(output, dpi=150)
    plt.close(figure)
    return output
