"""The recipe's pipeline: stages in order, each reading the previous stage's output
from outputs/<stage>/model, then the same evaluation for every model, then plots,
report tables and slides (talk/present.py).

Each stage's effective config is written to outputs/<stage>/config.yaml before it
trains and recorded in results.json with its outcome: its YAML with the profile and
`--set` overrides, as the stage's own parse_args builds it (every field of its TRL
config, defaults and what the pipeline sets included: seed, output_dir, the input
model). The evaluation's likewise (the built EvalConfig), in outputs/eval/config.yaml
and each evaluation entry, with the judge's endpoint, model and key left out (redact), in
the saved body and in the header's list of `--set` overrides alike (shown_override).
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import yaml

from .config import CONFIG_DIR, ConfigError, MissingError, PipelineConfig, build, load_config, load_pipeline
from .config_types import jsonable
from .results import Results, results_path
from .scoring.evaluation import EvalConfig, evaluate_model
from .scoring.evaluation.harness import check_comparable, read_jsonl
from .scoring.evaluation.pairwise import compare_all
from .scoring.judge import make_judge, redact
from .scoring.judge.config import PRIVATE_KEYS, REDACTED
from .talk.present import present
from .training.data import DataConfig, prepare
from .training.modeling import resolve_model
from .training.stages import effective_config, stage_module
from .training.stages.common import StageContext


def run(
    profile: str | None,
    only: list[str] | None = None,
    evaluate: bool = True,
    config_dir: Path = CONFIG_DIR,
    overrides: Sequence[str] = (),
) -> Path:
    """Run the selected stages (all by default), evaluate, plot; return results.json's path.
    `overrides`: `--set` texts, '<config>.<key>=<value>', applied after the profile."""
    pipeline = load_pipeline(profile, config_dir, overrides)
    if unknown := sorted(set(only or []) - set(pipeline.stages)):
        raise ConfigError(f"no stage {unknown} in this recipe (stages: {pipeline.stages})")
    output_dir = Path(pipeline.output_dir)
    path = results_path(pipeline)
    results = _results_for(pipeline, profile) if only else Results(pipeline.recipe, profile, pipeline.base_model)

    current = resolve_model(pipeline.base_model)
    # Stages after the last selected one are neither run nor needed.
    last = max(pipeline.stages.index(name) for name in only) if only else len(pipeline.stages) - 1
    for index, name in enumerate(pipeline.stages[: last + 1], start=1):
        stage_dir = output_dir / name
        if only and name not in only:
            current = _existing_output(stage_dir, name)
            continue
        print(f"[{index}/{len(pipeline.stages)}] stage {name}: {current} -> {stage_dir}/model", flush=True)
        config = load_config(name, profile, config_dir, overrides)
        ctx = StageContext(name, config, current, stage_dir, pipeline.report_to, pipeline.seed)
        effective = save_config(effective_config(ctx), stage_dir, f"stage {name}", profile, overrides)
        started = time.perf_counter()
        outcome = stage_module(name).run(ctx)
        outcome.summary["wall_seconds"] = round(time.perf_counter() - started, 2)
        results.put("stages", {**asdict(outcome), "config": effective}, key="name")
        results.save(path)
        current = outcome.model_path

    if evaluate:
        evaluate_all(results, profile, config_dir, output_dir, overrides)
        results.save(path)
    present(profile, config_dir, overrides=overrides)
    print(f"results: {path}", flush=True)
    return path


def save_config(config: dict[str, Any], folder: Path, what: str, profile: str | None, overrides: Sequence[str]) -> dict[str, Any]:
    """Write `config` to <folder>/config.yaml beside what it makes; return it JSON-safe."""
    effective = jsonable(config)
    sources = ["configs/", *([f"profile {profile}"] if profile else []), *(f"--set {shown_override(text)}" for text in overrides)]
    header = f"# The effective config of {what}: " + ", then ".join(sources).replace("\n", " ") + "\n"
    folder.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump(effective, sort_keys=False, allow_unicode=True, width=120)
    (folder / "config.yaml").write_text(header + text, encoding="utf-8")
    return effective


# A judge section given whole in one value: `--set dpo.pairs={scorer: judge, judge: {api_key: ...}}`.
_INLINE_JUDGE = re.compile(r"\bjudge\s*:")


def shown_override(text: str) -> str:
    """A `--set` text as a saved config may show it: the value of a judge's endpoint, model or
    key (any key path through `judge.`, such as eval.judge.api_key or dpo.pairs.judge.base_url),
    or of a whole judge section, replaced by REDACTED.

    Example:
        >>> shown_override("eval.judge.api_key=sk-secret"), shown_override("eval.judge.concurrency=4")
        ('eval.judge.api_key=<redacted>', 'eval.judge.concurrency=4')
    """
    path, equals, value = text.partition("=")
    keys = [key.strip() for key in path.split(".")]
    private = "judge" in keys[:-1] and keys[-1] in PRIVATE_KEYS
    whole = keys[-1] == "judge" or bool(_INLINE_JUDGE.search(value))
    return f"{path}{equals}{REDACTED}" if equals and (private or whole) else text


def _existing_output(stage_dir: Path, name: str) -> str:
    model_dir = stage_dir / "model"
    if not (model_dir / "config.json").exists():
        raise MissingError(f"stage '{name}' has no output in {model_dir}; run it first")
    return str(model_dir)


def evaluate_all(
    results: Results, profile: str | None, config_dir: Path, output_dir: Path, overrides: Sequence[str] = ()
) -> None:
    """The base model and every stage's model through the same harness and the same judge
    (its answers cached under <output_dir>/eval/judge_cache), then each model against the
    `compare_to` stage's answers."""
    cfg = build(EvalConfig, load_config("eval", profile, config_dir, overrides), "configs/eval.yaml")
    # The judge's base_url, model and api_key never reach a file: the saved config carries redact(judge).
    effective = save_config(
        {**asdict(cfg), "judge": redact(cfg.judge)}, output_dir / "eval", "the evaluation", profile, overrides
    )
    judge = make_judge(cfg.judge, output_dir / "eval" / "judge_cache")  # a bad judge section fails before any model loads
    validation = _validation_rows(results)
    # Each model is loaded as its stage loaded it (revision, trust_remote_code, attn_implementation).
    first = results.stages[0]["summary"].get("input_loading", {}) if results.stages else {}
    models = [("base", resolve_model(results.base_model), first)] + [
        (s["name"], s["model_path"], s["summary"].get("model_loading", {})) for s in results.stages
    ]
    try:
        for name, path, loading in models:
            print(f"evaluating {name}: {path}", flush=True)
            started = time.perf_counter()
            entry = evaluate_model(name, path, cfg, output_dir / "eval", validation, loading, judge=judge)
            entry["wall_seconds"] = round(time.perf_counter() - started, 2)
            entry["config"] = effective
            results.put("evaluations", entry, key="model")
        check_comparable(results.evaluations)
        compare_all(results.evaluations, cfg.compare_to, judge, cfg.metrics)
    finally:
        if judge is not None:
            judge.close()


def _validation_rows(results: Results) -> list[dict]:
    """The first stage's held-out conversations, scored for every model alike."""
    for stage in results.stages:
        path = Path(stage["model_path"]).parent / "validation.jsonl"
        if path.exists():
            return read_jsonl(path)
    return []


def _results_for(pipeline: PipelineConfig, profile: str | None) -> Results:
    """The saved results.json, or a fresh record when there is none yet."""
    path = results_path(pipeline)
    return Results.load(path) if path.exists() else Results(pipeline.recipe, profile, pipeline.base_model)


def evaluate_only(profile: str | None, config_dir: Path = CONFIG_DIR, overrides: Sequence[str] = ()) -> Path:
    """Evaluate the base model and the stages recorded in results.json (base only if none)."""
    pipeline = load_pipeline(profile, config_dir, overrides)
    results, path = _results_for(pipeline, profile), results_path(pipeline)
    evaluate_all(results, profile, config_dir, Path(pipeline.output_dir), overrides)
    results.save(path)
    present(profile, config_dir, overrides=overrides)
    print(f"results: {path}", flush=True)
    return path


def prepare_data(profile: str | None, stage: str | None, config_dir: Path = CONFIG_DIR, overrides: Sequence[str] = ()) -> dict:
    """Load, convert and clean one stage's data without training: a quick check of a
    column mapping or a local file."""
    pipeline = load_pipeline(profile, config_dir, overrides)
    name = stage or pipeline.stages[0]
    if name not in pipeline.stages:
        raise ConfigError(f"no stage '{name}' in this recipe (stages: {pipeline.stages})")
    data = load_config(name, profile, config_dir, overrides).get("data")
    data_cfg = build(DataConfig, data, f"configs/{name}.yaml: data")
    _, _, report = prepare(data_cfg)
    return report
