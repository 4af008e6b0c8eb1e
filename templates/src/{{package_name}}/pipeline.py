"""The recipe's pipeline: stages in order, each reading the previous stage's output
from outputs/<stage>/model, then the same evaluation for every model, then plots,
report tables and slides (present.py).
"""

from __future__ import annotations

import time
from dataclasses import asdict
from pathlib import Path

from .config import CONFIG_DIR, ConfigError, MissingError, PipelineConfig, build, load_config, load_pipeline
from .scoring.evaluation import EvalConfig, evaluate_model
from .scoring.evaluation.harness import check_comparable, read_jsonl
from .training.modeling import resolve_model
from .talk.present import present
from .results import RESULTS_FILE, Results
from .training.stages import stage_module
from .training.stages.common import StageContext


def run(
    profile: str | None,
    only: list[str] | None = None,
    evaluate: bool = True,
    config_dir: Path = CONFIG_DIR,
) -> Path:
    """Run the selected stages (all by default), evaluate, plot; return results.json's path."""
    pipeline = load_pipeline(profile, config_dir)
    if unknown := sorted(set(only or []) - set(pipeline.stages)):
        raise ConfigError(f"no stage {unknown} in this recipe (stages: {pipeline.stages})")
    output_dir = Path(pipeline.output_dir)
    results_path = output_dir / RESULTS_FILE
    results = _results_for(pipeline, profile) if only else Results(pipeline.recipe, profile, pipeline.base_model)

    current = resolve_model(pipeline.base_model)
    for index, name in enumerate(pipeline.stages, start=1):
        stage_dir = output_dir / name
        if only and name not in only:
            current = _existing_output(stage_dir, name)
            continue
        print(f"[{index}/{len(pipeline.stages)}] stage {name}: {current} -> {stage_dir}/model", flush=True)
        ctx = StageContext(name, load_config(name, profile, config_dir), current, stage_dir, pipeline.report_to, pipeline.seed)
        started = time.perf_counter()
        outcome = stage_module(name).run(ctx)
        outcome.summary["wall_seconds"] = round(time.perf_counter() - started, 2)
        results.put("stages", asdict(outcome), key="name")
        results.save(results_path)
        current = outcome.model_path

    if evaluate:
        evaluate_all(results, profile, config_dir, output_dir)
        results.save(results_path)
    present(profile, config_dir)
    print(f"results: {results_path}", flush=True)
    return results_path


def _existing_output(stage_dir: Path, name: str) -> str:
    model_dir = stage_dir / "model"
    if not (model_dir / "config.json").exists():
        raise MissingError(f"stage '{name}' has no output in {model_dir}; run it first")
    return str(model_dir)


def evaluate_all(results: Results, profile: str | None, config_dir: Path, output_dir: Path) -> None:
    """The base model and every stage's model through the same harness."""
    cfg = build(EvalConfig, load_config("eval", profile, config_dir), "configs/eval.yaml")
    validation = _validation_rows(results)
    # Each model is loaded as its stage loaded it (revision, trust_remote_code, attn_implementation).
    first = results.stages[0]["summary"].get("input_loading", {}) if results.stages else {}
    models = [("base", resolve_model(results.base_model), first)] + [
        (s["name"], s["model_path"], s["summary"].get("model_loading", {})) for s in results.stages
    ]
    for name, path, loading in models:
        print(f"evaluating {name}: {path}", flush=True)
        started = time.perf_counter()
        entry = evaluate_model(name, path, cfg, output_dir / "eval", validation, loading)
        entry["wall_seconds"] = round(time.perf_counter() - started, 2)
        results.put("evaluations", entry, key="model")
    check_comparable(results.evaluations)


def _validation_rows(results: Results) -> list[dict]:
    """The first stage's held-out conversations, scored for every model alike."""
    for stage in results.stages:
        path = Path(stage["model_path"]).parent / "validation.jsonl"
        if path.exists():
            return read_jsonl(path)
    return []


def _results_for(pipeline: PipelineConfig, profile: str | None) -> Results:
    """The saved results.json, or a fresh record when there is none yet."""
    path = Path(pipeline.output_dir) / RESULTS_FILE
    return Results.load(path) if path.exists() else Results(pipeline.recipe, profile, pipeline.base_model)


def evaluate_only(profile: str | None, config_dir: Path = CONFIG_DIR) -> Path:
    """Evaluate the base model and the stages recorded in results.json (base only if none)."""
    pipeline = load_pipeline(profile, config_dir)
    results, path = _results_for(pipeline, profile), Path(pipeline.output_dir) / RESULTS_FILE
    evaluate_all(results, profile, config_dir, Path(pipeline.output_dir))
    results.save(path)
    present(profile, config_dir)
    print(f"results: {path}", flush=True)
    return path


def prepare_data(profile: str | None, stage: str | None, config_dir: Path = CONFIG_DIR) -> dict:
    """Load, convert and clean one stage's data without training: a quick check of a
    column mapping or a local file."""
    from .training.data import DataConfig, prepare

    pipeline = load_pipeline(profile, config_dir)
    name = stage or pipeline.stages[0]
    if name not in pipeline.stages:
        raise ConfigError(f"no stage '{name}' in this recipe (stages: {pipeline.stages})")
    data_cfg = build(DataConfig, load_config(name, profile, config_dir).get("data"), f"configs/{name}.yaml: data")
    _, _, report = prepare(data_cfg)
    return report
