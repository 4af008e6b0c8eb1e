"""results.json -> plots -> the report's tables and the slides.

Made from results.json and the training logs only, so `python -m <package> slides`
and `report` can rebuild them at any time without touching a model.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from .config import CONFIG_DIR, load_config, load_pipeline
from .fonts import plot_language
from .plots import plot_metrics, plot_training
from .report import fill_report, report_blocks
from .results import RESULTS_FILE

SLIDES = Path("slides/slides.pptx")
SLIDE_CONTENT = Path("slides/content.yaml")
REPORT = Path("report/report.md")


def draw_plots(results: dict[str, Any], output_dir: Path, metrics: list[str], language: str) -> list[Path]:
    """Training curves of every stage, then the metrics of every model."""
    language = plot_language(language)
    drawn = []
    for stage in results.get("stages", []):
        log = Path(stage.get("log_history") or "")
        if log.is_file():
            title = f"{results['recipe']}: {stage['name']}"
            if plot := plot_training(log, output_dir / "plots" / f"{stage['name']}_training.png", title, language):
                drawn.append(plot)
    if plot := plot_metrics(results, metrics, output_dir / "plots" / "metrics.png", language):
        drawn.append(plot)
    return drawn


def make_report(results: dict[str, Any], stages: list[str], metrics: list[str], plots: list[Path], language: str,
                path: Path = REPORT) -> Path:
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found (it comes with the template; restore it from git)")
    fill_report(path, report_blocks(results, stages, metrics, plots, language, path.parent))
    return path


def make_slides(results: dict[str, Any], stages: list[str], metrics: list[str], plots: list[Path], language: str,
                output: Path = SLIDES, content: Path = SLIDE_CONTENT) -> Path:
    try:
        from .slides import build_slides, read_content
    except ImportError as error:
        raise RuntimeError(f"slides need python-pptx ({error}); install it with: pip install -e '.[slides]'") from error
    return build_slides(results, read_content(content), plots, stages, metrics, language, output)


def present(results: dict[str, Any], output_dir: Path, stages: list[str], metrics: list[str], language: str,
            strict: bool = False) -> dict[str, Any]:
    """Plots, report and slides. With strict=False (end of `run`) a part that cannot be
    built is reported and skipped so the run's results still stand."""
    plots = draw_plots(results, output_dir, metrics, language)
    made: dict[str, Any] = {"plots": plots}
    for name, make in (("report", make_report), ("slides", make_slides)):
        try:
            made[name] = make(results, stages, metrics, plots, language)
            print(f"{name}: {made[name]}", flush=True)
        except (RuntimeError, FileNotFoundError, ValueError) as error:
            if strict:
                raise
            print(f"warning: {name} not built: {error}", file=sys.stderr)
    return made


def present_only(profile: str | None, what: str, config_dir: Path = CONFIG_DIR) -> list[Path]:
    """Rebuild plots, the report or the slides from results.json, without loading a model."""
    pipeline = load_pipeline(profile, config_dir)
    path = Path(pipeline.output_dir) / RESULTS_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: run the pipeline first (make smoke, or make train eval)")
    results = json.loads(path.read_text(encoding="utf-8"))
    metrics = load_config("eval", profile, config_dir).get("metrics") or []
    plots = draw_plots(results, Path(pipeline.output_dir), metrics, pipeline.language)
    if what == "report":
        made = [make_report(results, pipeline.stages, metrics, plots, pipeline.language)]
    elif what == "slides":
        made = [make_slides(results, pipeline.stages, metrics, plots, pipeline.language)]
    else:
        made = plots
    for item in made:
        print(item)
    return made
