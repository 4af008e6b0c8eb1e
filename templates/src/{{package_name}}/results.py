"""outputs/results.json: the one file plots, slides and reports are made from.

    {"recipe": ..., "profile": ..., "base_model": ...,
     "stages": [{"name", "model_path", "summary", "log_history", "config"}, ...],
     "evaluations": [{"model", "model_path", "metrics", "generation", "config", ...}, ...]}

`config` is the effective config the stage (or evaluation) ran with, as the stage built
it from its YAML, the profile and `--set` overrides: every field of its TRL config (the
seed, output_dir and TRL's defaults included), its ModelConfig with the input model, its
DataConfig; for the evaluation, the EvalConfig.
It is rewritten after every stage and evaluation, so a crash loses nothing done.
load_results() is how everything else (present, demo, the CLI) reads it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .config import CONFIG_DIR, ConfigError, MissingError, PipelineConfig, load_pipeline

RESULTS_FILE = "results.json"
# How to run a command by hand, where it is not `python -m <package> <command>`.
SCRIPTS = {"demo": "python demo/app.py"}


@dataclass
class Results:
    recipe: str
    profile: str | None
    base_model: str
    stages: list[dict[str, Any]] = field(default_factory=list)
    evaluations: list[dict[str, Any]] = field(default_factory=list)

    def put(self, section: str, entry: dict[str, Any], key: str) -> None:
        """Add an entry, replacing an earlier one for the same stage or model."""
        entries = [e for e in getattr(self, section) if e[key] != entry[key]]
        setattr(self, section, entries + [entry])

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(self), indent=2, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)  # atomic: readers never see half a file

    @classmethod
    def load(cls, path: Path) -> Results:
        return cls(**json.loads(path.read_text(encoding="utf-8")))


def results_path(pipeline: PipelineConfig) -> Path:
    return Path(pipeline.output_dir) / RESULTS_FILE


def load_results(
    profile: str | None, config_dir: Path = CONFIG_DIR, overrides: Sequence[str] = (), command: str = "plots"
) -> dict[str, Any]:
    """The saved results.json of `profile`, as plots, report, slides and the demo read it.
    None there: a MissingError naming the profile that has results and the `command` to
    run for it (or the pipeline, when no profile has any)."""
    path = results_path(load_pipeline(profile, config_dir, overrides))
    if not path.is_file():
        raise MissingError(missing_results(profile, path, config_dir, command))
    return json.loads(path.read_text(encoding="utf-8"))


def existing_results(config_dir: Path = CONFIG_DIR) -> dict[Path, str | None]:
    """Every results.json on disk, each with the profile that made it (as recorded inside)."""
    profiles = [None] + sorted(p.stem for p in (config_dir / "profiles").glob("*.yaml"))
    found: dict[Path, str | None] = {}
    for name in profiles:
        try:
            path = results_path(load_pipeline(name, config_dir))
        except ConfigError:
            continue  # a broken profile says so when it is used
        if path.is_file() and path not in found:
            try:
                found[path] = json.loads(path.read_text(encoding="utf-8")).get("profile", name)
            except (ValueError, AttributeError):
                found[path] = name
    return found


def missing_results(profile: str | None, path: Path, config_dir: Path, command: str) -> str:
    """What to run when `profile` has no results: the profile that has some, or the pipeline."""
    wanted = f"profile '{profile}'" if profile else "the default profile"
    message = f"no results for {wanted} in {path}"
    existing = existing_results(config_dir)
    if not existing:
        return f"{message}: run the pipeline first (make smoke for the tiny model, or make train eval PROFILE=...)"
    found, other = next(iter(existing.items()))
    script = SCRIPTS.get(command, f"python -m {__package__.partition('.')[0]} {command}")
    python = script + (f" --profile {other}" if other else "")
    make = f"make {command} PROFILE={other}, or " if other else ""
    return f"{message}; results exist for profile '{other or 'default'}' in {found}: run {make}{python}"
