"""Configs: one YAML file per stage in configs/, overlaid by a hardware profile.

A profile (configs/profiles/<name>.yaml) is a set of overrides keyed by config file
name (`pipeline`, `eval`, one per stage) plus `every_stage`, applied to every stage
before that stage's own overrides. Sections are then parsed into dataclasses
(TRL's config classes for training), so a misspelt key fails loudly with its file.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml

CONFIG_DIR = Path("configs")
NOT_STAGES = ("pipeline", "eval", "demo")  # config files that `every_stage` does not touch
T = TypeVar("T")


class ConfigError(ValueError):
    """A config file that is missing, malformed or has keys nobody reads."""


def read_yaml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise ConfigError(f"{path}: file not found")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: not valid YAML ({error})") from error
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level")
    return data


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Nested dicts merge key by key; any other value in `override` replaces."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def load_profile(profile: str | None, config_dir: Path = CONFIG_DIR) -> dict[str, Any]:
    if not profile:
        return {}
    path = config_dir / "profiles" / f"{profile}.yaml"
    if not path.is_file():
        known = sorted(p.stem for p in (config_dir / "profiles").glob("*.yaml"))
        raise ConfigError(f"unknown profile '{profile}' (known: {', '.join(known)})")
    return read_yaml(path)


def load_config(name: str, profile: str | None = None, config_dir: Path = CONFIG_DIR) -> dict[str, Any]:
    """configs/<name>.yaml with the profile's overrides applied."""
    overrides = load_profile(profile, config_dir)
    known = {p.stem for p in config_dir.glob("*.yaml")} | {"every_stage"}
    if unknown := sorted(set(overrides) - known):
        raise ConfigError(f"profile '{profile}': no config file named {unknown} in {config_dir}/")
    config = read_yaml(config_dir / f"{name}.yaml")
    if name not in NOT_STAGES:
        config = deep_merge(config, overrides.get("every_stage", {}))
    return deep_merge(config, overrides.get(name, {}))


def build(cls: type[T], values: dict[str, Any] | None, where: str, **fixed: Any) -> T:
    """Fill dataclass `cls` from `values`; unknown keys are an error naming `where`."""
    values = dict(values or {})
    names = {field.name for field in dataclasses.fields(cls)}
    if unknown := sorted(set(values) - names):
        raise ConfigError(f"{where}: unknown key(s) {unknown} for {cls.__name__}")
    try:
        return cls(**{**values, **fixed})
    except (TypeError, ValueError) as error:
        raise ConfigError(f"{where}: {error}") from error


@dataclass
class PipelineConfig:
    """configs/pipeline.yaml."""

    recipe: str
    base_model: str
    stages: list[str] = field(default_factory=list)
    output_dir: str = "outputs"
    seed: int = 42
    language: str = "zh"  # of slides, report and plot labels
    report_to: str = "none"
    offline: bool = False  # set HF_HUB_OFFLINE / HF_DATASETS_OFFLINE (smoke runs)
    torch_threads: int | None = None


def load_pipeline(profile: str | None, config_dir: Path = CONFIG_DIR) -> PipelineConfig:
    return build(PipelineConfig, load_config("pipeline", profile, config_dir), "configs/pipeline.yaml")
