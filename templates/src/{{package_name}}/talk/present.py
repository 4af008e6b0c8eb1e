"""results.json -> plots -> the report's tables and the slides.

Made from results.json and the training logs only, so `python -m <package> slides`
and `report` can rebuild them at any time without touching a model.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..config import CONFIG_DIR, MissingError, ProjectError, load_config, load_pipeline
from ..results import load_results
from .fonts import plot_language
from .plots import METRICS_PLOT, REFUSAL_PLOT, TRAINING_PLOT, plot_metrics, plot_refusals, plot_training
from .report import fill_report, report_blocks

SLIDES = Path("slides/slides.pptx")
SLIDE_CONTENT = Path("slides/content.yaml")
REPORT = Path("report/report.md")


def draw_plots(results: dict[str, Any], output_dir: Path, metrics: list[str], language: str) -> list[Path]:
    """Training curves of every stage, then (for safety results) refusal beside over-refusal,
    then the metrics of every model."""
    language = plot_language(language)
    drawn = []
    for stage in results.get("stages", []):
        log = Path(stage.get("log_history") or "")
        if log.is_file():
            title = f"{results['recipe']}: {stage['name']}"
            if plot := plot_training(log, output_dir / "plots" / TRAINING_PLOT.format(stage=stage["name"]), title, language):
                drawn.append(plot)
    if plot := plot_refusals(results, metrics, output_dir / "plots" / REFUSAL_PLOT, language):
        drawn.append(plot)
    if plot := plot_metrics(results, metrics, output_dir / "plots" / METRICS_PLOT, language):
        drawn.append(plot)
    return drawn


def make_report(
    results: dict[str, Any], stages: list[str], metrics: list[str], plots: list[Path], language: str, path: Path = REPORT
) -> Path:
    if not path.is_file():
        raise MissingError(f"{path} not found (it comes with the template; restore it from git)")
    fill_report(path, report_blocks(results, stages, metrics, plots, language, path.parent))
    return path


def make_slides(
    results: dict[str, Any],
    stages: list[str],
    metrics: list[str],
    plots: list[Path],
    language: str,
    output: Path = SLIDES,
    content: Path = SLIDE_CONTENT,
) -> Path:
    try:
        from .slides import build_slides, read_content
    except ImportError as error:
        raise ProjectError(f"slides need python-pptx ({error}); install it with: pip install -e '.[slides]'") from error
    return build_slides(results, read_content(content), plots, stages, metrics, language, output)


PARTS = {"report": make_report, "slides": make_slides}


def present(
    profile: str | None,
    config_dir: Path = CONFIG_DIR,
    parts: tuple[str, ...] = ("report", "slides"),
    strict: bool = False,
    overrides: Sequence[str] = (),
) -> list[Path]:
    """Plots, then each of `parts`, from the saved results.json; returns what was made.
    `overrides`: `--set` texts (e.g. pipeline.language=en).

    With strict=False (the end of `run` and `eval`) a part that cannot be built is
    reported and skipped, so the run's results still stand."""
    pipeline = load_pipeline(profile, config_dir, overrides)
    results = load_results(profile, config_dir, overrides, command=parts[-1] if parts else "plots")
    metrics = load_config("eval", profile, config_dir, overrides).get("metrics") or []
    plots = draw_plots(results, Path(pipeline.output_dir), metrics, pipeline.language)
    made = list(plots)
    for name in parts:
        try:
            made.append(PARTS[name](results, pipeline.stages, metrics, plots, pipeline.language))
            print(f"{name}: {made[-1]}", flush=True)
        except (ProjectError, RuntimeError, FileNotFoundError, ValueError) as error:
            if strict:
                raise
            print(f"warning: {name} not built: {error}", file=sys.stderr)
    return made
