"""Configs: one YAML file per stage in configs/, overlaid by a hardware profile.

A profile (configs/profiles/<name>.yaml) is a set of overrides keyed by config file
name (`pipeline`, `eval`, one per stage) plus `every_stage`, applied to every stage
configs/pipeline.yaml lists under `stages:` before that stage's own overrides. Then
come the command line's overrides, `--set <config>.<dotted.key>=<value>` (the value read
as YAML), with `every_stage` as a config name too:

    configs/<name>.yaml  <  profile (every_stage, then <name>)  <  --set (every_stage, then <name>)

Sections are then parsed into dataclasses (TRL's config classes for training): each
value is converted to its field's declared type (YAML reads `2e-5` as text), and a
misspelt key or a value of the wrong type fails loudly, naming where the value was set
(the config file, the profile's line or the `--set` option) and the key.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml

from .config_types import TypeMismatch, field_types, to_declared_type

CONFIG_DIR = Path("configs")
EVERY_STAGE = "every_stage"  # the section of a profile (or --set) that every stage config receives
SET = "--set"  # the command-line option of overrides, as errors name it
T = TypeVar("T")


class ProjectError(Exception):
    """An error this project explains in one line (what is wrong, where, what to do):
    the CLI prints its message without a traceback. Anything else is a bug or a library
    failure and keeps its traceback."""


class ConfigError(ProjectError, ValueError):
    """A config file that is missing, malformed or has keys nobody reads."""


# What the model hub (or its mirror) being out of reach looks like in an error or its cause.
HUB_UNREACHABLE = ("couldn't connect", "offline mode", "LocalEntryNotFoundError", "ConnectionError")


class DataError(ProjectError, ValueError):
    """A dataset that cannot be loaded or converted as configured."""


class MissingError(ProjectError, FileNotFoundError):
    """Something an earlier step makes (results.json, a stage's model) is not there yet."""


class Section(dict):
    """A config mapping that remembers where a profile set each of its keys, so an error
    names the line to fix (`origins`: key -> 'configs/profiles/tiny.yaml: every_stage.training.x')."""

    def __init__(self, *args: Any, origins: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.origins: dict[str, str] = dict(origins or {})


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


def deep_merge(base: dict[str, Any], override: dict[str, Any], origin: str | None = None) -> Section:
    """Nested dicts merge key by key; any other value in `override` replaces. With `origin`
    (where `override` was read from), each replaced key remembers it."""
    merged = Section(base, origins=getattr(base, "origins", None))
    for key, value in override.items():
        here = f"{origin}.{key}" if origin else None
        if isinstance(value, dict):
            merged[key] = deep_merge(merged[key] if isinstance(merged.get(key), dict) else {}, value, here)
        else:
            merged[key] = value
        if here:
            merged.origins[key] = here
    return merged


def with_defaults(values: dict[str, Any] | None, **defaults: Any) -> Section:
    """`values` over `defaults`, keeping where each value was set."""
    return Section({**defaults, **(values or {})}, origins=getattr(values, "origins", None))


def load_profile(profile: str | None, config_dir: Path = CONFIG_DIR) -> dict[str, Any]:
    if not profile:
        return {}
    path = config_dir / "profiles" / f"{profile}.yaml"
    if not path.is_file():
        known = sorted(p.stem for p in (config_dir / "profiles").glob("*.yaml"))
        raise ConfigError(f"unknown profile '{profile}' (known: {', '.join(known)})")
    return read_yaml(path)


def config_names(config_dir: Path = CONFIG_DIR) -> set[str]:
    """The names an override may address: every configs/<name>.yaml, and every_stage."""
    return {p.stem for p in config_dir.glob("*.yaml")} | {EVERY_STAGE}


def parse_override(text: str, known: set[str]) -> tuple[str, dict[str, Any]]:
    """'sft.training.learning_rate=1e-5' -> ('sft', {'training': {'learning_rate': '1e-5'}}):
    the config it addresses and the nested value, read as YAML (1e-5, true, [a, b], null)."""
    path, equals, text_value = text.partition("=")
    keys = path.strip().split(".")
    if not equals or len(keys) < 2 or not all(keys):
        raise ConfigError(f"{SET} {text}: expected <config>.<key>=<value>, e.g. {SET} sft.training.learning_rate=1e-5")
    if keys[0] not in known:
        raise ConfigError(
            f"{SET} {text}: no config file named '{keys[0]}'{did_you_mean(keys[0], known)} (known: {', '.join(sorted(known))})"
        )
    try:
        value = yaml.safe_load(text_value)
    except yaml.YAMLError as error:
        raise ConfigError(f"{SET} {text}: the value is not valid YAML ({error}); quote text that holds ': ' or '#'") from None
    for key in reversed(keys[1:]):
        value = {key: value}
    return keys[0], value


def load_config(name: str, profile: str | None = None, config_dir: Path = CONFIG_DIR, overrides: Sequence[str] = ()) -> Section:
    """configs/<name>.yaml with the profile's overrides, then the `--set` ones (`overrides`:
    '<config>.<key>=<value>' texts; of two for one key the later wins), each key
    remembering where it was set.
    `every_stage` goes only into the stages configs/pipeline.yaml names: a config file a
    student adds (configs/judge.yaml) is never silently given training keys."""
    profile_values = load_profile(profile, config_dir)
    known = config_names(config_dir)
    if unknown := sorted(set(profile_values) - known):
        raise ConfigError(f"profile '{profile}': no config file named {unknown} in {config_dir}/")
    profile_path = config_dir / "profiles" / f"{profile}.yaml"
    command_line = [parse_override(text, known) for text in overrides]
    # In a profile and on the command line alike, a stage's own section beats every_stage.
    is_stage = name != "pipeline" and name in load_pipeline(profile, config_dir, overrides).stages
    targets = [EVERY_STAGE, name] if is_stage else [name]
    layers = [(f"{profile_path}: {target}", profile_values.get(target)) for target in targets]
    layers += [(f"{SET} {target}", value) for target in targets for addressed, value in command_line if addressed == target]
    config = Section(read_yaml(config_dir / f"{name}.yaml"))
    for origin, values in layers:
        if values is not None:
            config = deep_merge(config, values, origin)
    return config


def key_location(values: dict[str, Any], where: str, key: str) -> str:
    """'configs/sft.yaml: training.learning_rate', or the profile's line when a profile set it."""
    if origin := getattr(values, "origins", {}).get(key):
        return origin
    return f"{where}.{key}" if ": " in where else f"{where}: {key}"


def did_you_mean(key: str, names: set[str]) -> str:
    close = difflib.get_close_matches(key, sorted(names), n=1)
    return f" (did you mean {close[0]}?)" if close else ""


def refuse_owned(values: dict[str, Any] | None, where: str, owned: dict[str, str]) -> None:
    """Keys the pipeline sets itself (`owned`: key -> where its value comes from) may not
    be set in a config: a silent override would ignore what the student wrote."""
    for key in sorted(set(values or {}) & set(owned)):
        raise ConfigError(f"{key_location(values, where, key)} is set by the pipeline ({owned[key]})")


def convert(cls: type, values: dict[str, Any] | None, where: str) -> dict[str, Any]:
    """`values` with each one converted to its field's declared type in dataclass `cls`;
    unknown keys and unconvertible values are errors naming where they were set."""
    values = values if values is not None else {}
    if not isinstance(values, dict):
        raise ConfigError(f"{where}: expected a mapping of {cls.__name__} keys, got {values!r}")
    names = {field.name for field in dataclasses.fields(cls)}
    if unknown := sorted(set(values) - names):
        located = [key_location(values, where, key) + did_you_mean(key, names) for key in unknown]
        raise ConfigError(f"unknown key(s) for {cls.__name__}: {'; '.join(located)}")
    types = field_types(cls)
    converted = {}
    for key, value in values.items():
        try:
            converted[key] = to_declared_type(value, types.get(key, Any))
        except TypeMismatch as error:
            raise ConfigError(f"{key_location(values, where, key)}: expected {error}, got {value!r}") from None
    return converted


def build(cls: type[T], values: dict[str, Any] | None, where: str, **fixed: Any) -> T:
    """Fill dataclass `cls` from `values`, each converted to its field's declared type;
    unknown keys and unconvertible values are errors naming `where` and the key."""
    converted = convert(cls, values, where)
    try:
        return cls(**{**converted, **fixed})
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


def load_pipeline(profile: str | None, config_dir: Path = CONFIG_DIR, overrides: Sequence[str] = ()) -> PipelineConfig:
    """configs/pipeline.yaml with the profile and `--set pipeline.<key>=...` applied."""
    return build(PipelineConfig, load_config("pipeline", profile, config_dir, overrides), "configs/pipeline.yaml")
