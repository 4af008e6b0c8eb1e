"""Data: load a dataset (hub, mirror or local file), convert rows to chat messages,
clean, de-duplicate and split, reporting how many rows each step removed.

Hub datasets honour HF_ENDPOINT, so `export HF_ENDPOINT=https://hf-mirror.com` uses a
mirror; a local .json/.jsonl/.parquet/.csv file or folder works in place of a hub id.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from datasets import Dataset, load_dataset

from ..config import DataError
from ..progress import track
from .formats import CONVERTERS, Messages, with_system_prompt

LOCAL_BUILDERS = {".json": "json", ".jsonl": "json", ".parquet": "parquet", ".csv": "csv"}


@dataclass
class DataConfig:
    """The `data` section of a stage config (and of configs/eval.yaml): which dataset,
    how its rows become chat messages (or preference pairs), and how they are cleaned and split.

    `dataset` is a hub id or a local file or folder; `format` names the converter in
    training/formats.py (conversations) or training/pairs.py (preference pairs: prompt,
    chosen, rejected; kto: prompt, completion, label), and `columns` maps its canonical
    names to the dataset's own when they differ (e.g. {"instruction": "question"})."""

    dataset: str
    config: str | None = None
    split: str = "train"
    # conversations: alpaca | messages | sharegpt | gsm8k | math | mbpp | humaneval
    # preference pairs: pku_saferlhf | preference | sharegpt_preference | kto (unpaired)
    format: str = "alpaca"
    columns: dict[str, str] = field(default_factory=dict)  # canonical name -> column in the dataset
    system_prompt: str | None = None  # added as the first turn of every conversation
    keep: dict[str, str] = field(default_factory=dict)  # extra columns carried along (e.g. for rewards): name -> column
    max_rows: int | None = None  # keep the first N rows (after loading), for quick runs
    min_response_chars: int = 2
    max_chars: int = 6000  # whole conversation; longer rows are dropped, not truncated
    validation_fraction: float = 0.05
    seed: int = 42


def load_rows(cfg: DataConfig) -> Dataset:
    """The raw dataset: a local file or folder if `dataset` is a path, else the hub."""
    path = Path(cfg.dataset)
    if path.exists():
        if path.is_dir():
            dataset = load_dataset(str(path), split=cfg.split)
        elif path.suffix in LOCAL_BUILDERS:
            dataset = load_dataset(LOCAL_BUILDERS[path.suffix], data_files=str(path), split="train")
        else:
            raise DataError(f"{path}: unsupported file type (use one of {sorted(LOCAL_BUILDERS)})")
    else:
        try:
            dataset = load_dataset(cfg.dataset, cfg.config, split=cfg.split)
        except Exception as error:  # the hub raises many types; all mean the same to a user
            raise DataError(
                f"could not load '{cfg.dataset}' (config={cfg.config}, split={cfg.split}) from the hub: {error}\n"
                "Offline or in China? Set HF_ENDPOINT=https://hf-mirror.com, or point data.dataset at a local file."
            ) from error
    if cfg.max_rows is not None:
        dataset = dataset.select(range(min(cfg.max_rows, len(dataset))))
    return dataset


# ---------------------------------------------------------------- cleaning


def problem(messages: Messages, cfg: DataConfig) -> str | None:
    """Why a conversation should be dropped, or None to keep it."""
    if not messages or messages[-1]["role"] != "assistant" or any(not m["content"].strip() for m in messages):
        return "empty"
    if len(messages[-1]["content"].strip()) < cfg.min_response_chars:
        return "too_short"
    if sum(len(m["content"]) for m in messages) > cfg.max_chars:
        return "too_long"
    return None


@dataclass
class RowRules:
    """How one format's rows become training rows: `convert` (raw row -> row, or None),
    `problem` (row -> the reason to drop it, or None), `screen` (raw row -> a reason the
    dataset's own labels give to drop it, or None), the reasons beyond the common ones
    (empty, too_short, too_long, duplicate), the columns the converter needs (its name ->
    the dataset's column, mapping applied) and the screen's report key and label columns
    (without them the screen cannot apply, which the report says)."""

    convert: Callable[[dict[str, Any]], dict[str, Any] | None]
    problem: Callable[[dict[str, Any] | None], str | None]
    screen: Callable[[dict[str, Any]], str | None] = lambda row: None
    reasons: tuple[str, ...] = ()
    required: dict[str, str] = field(default_factory=dict)
    screen_columns: tuple[str, tuple[str, ...]] | None = None


def row_rules(cfg: DataConfig) -> RowRules:
    """Conversations (training/formats.py) or preference pairs (training/pairs.py, in projects
    with a preference stage) for `cfg.format`."""
    if cfg.format in CONVERTERS:
        to_messages = CONVERTERS[cfg.format]

        def convert(row: dict[str, Any]) -> dict[str, Any]:
            messages = to_messages(row, cfg.columns)
            return {"messages": with_system_prompt(messages, cfg.system_prompt) if messages else messages}

        return RowRules(convert, lambda converted: problem(converted["messages"], cfg))
    pairs = pair_formats()
    if pairs is None or cfg.format not in pairs.PAIR_CONVERTERS:
        known = sorted(CONVERTERS) + sorted(pairs.PAIR_CONVERTERS if pairs else [])
        raise DataError(f"data.format '{cfg.format}' is not one of {known}")
    to_pair, row_filter = pairs.PAIR_CONVERTERS[cfg.format], pairs.ROW_FILTERS.get(cfg.format)

    def convert_pair(row: dict[str, Any]) -> dict[str, Any] | None:
        try:
            pair = to_pair(row, cfg.columns)
        except ValueError as error:
            raise DataError(f"data '{cfg.dataset}' (format {cfg.format}): {error}") from error
        return pair and {**pair, "prompt": with_system_prompt(pair["prompt"], cfg.system_prompt)}

    # the converter reads its columns through the mapping; an optional one mapped elsewhere must exist too
    optional = {name: column for name, column in cfg.columns.items() if name in pairs.OPTIONAL_COLUMNS.get(cfg.format, ())}
    required = {**pairs.REQUIRED_COLUMNS[cfg.format], **optional}
    screen_columns = pairs.FILTER_COLUMNS.get(cfg.format)
    if screen_columns:
        key, names = screen_columns
        screen_columns = (key, tuple(cfg.columns.get(name, name) for name in names))
    return RowRules(
        convert_pair,
        lambda pair: pairs.pair_problem(pair, cfg.min_response_chars, cfg.max_chars),
        (lambda row: row_filter(row, cfg.columns)) if row_filter else RowRules.screen,
        ("identical", *pairs.FILTER_REASONS.get(cfg.format, ())) if cfg.format != "kto" else (),
        {name: cfg.columns.get(name, column) for name, column in required.items()},
        screen_columns,
    )


def check_columns(cfg: DataConfig, rules: RowRules, dataset: Dataset) -> dict[str, str]:
    """Refuse a dataset that lacks a column the converter needs (a wrong `columns` mapping
    would otherwise turn every row into an "empty" one); returns the report's note on a
    screen whose label columns are absent."""
    if missing := sorted(
        f"{name} -> '{column}'" for name, column in rules.required.items() if column not in dataset.column_names
    ):
        raise DataError(
            f"data '{cfg.dataset}' (format {cfg.format}) lacks the column(s) {', '.join(missing)} "
            f"(converter name -> column, through data.columns); it has {dataset.column_names}"
        )
    if rules.screen_columns is None:
        return {}
    key, columns = rules.screen_columns
    if set(columns) <= set(dataset.column_names):
        return {key: "applied"}
    return {key: f"not applied: no {', '.join(column for column in columns if column not in dataset.column_names)} column(s)"}


def pair_formats():
    """training/pairs.py, or None in a project generated without a preference stage.
    Looked for, not tried: an import error inside pairs.py still fails loudly."""
    name = f"{__package__}.pairs"
    return importlib.import_module(name) if importlib.util.find_spec(name) is not None else None


def prepare(cfg: DataConfig, dataset: Dataset | None = None, log: Callable[[str], None] = print):
    """Load, convert, clean, de-duplicate and split. Returns (train, validation, report).
    Rows are {"messages"} for conversation formats, {"prompt", "chosen", "rejected"} for
    pair formats and {"prompt", "completion", "label"} for kto, plus the `keep` columns."""
    rules = row_rules(cfg)
    dataset = load_rows(cfg) if dataset is None else dataset
    if missing := sorted(set(cfg.keep.values()) - set(dataset.column_names)):
        raise DataError(f"data.keep names column(s) {missing} that '{cfg.dataset}' lacks (it has {dataset.column_names})")
    notes = check_columns(cfg, rules, dataset)
    removed = dict.fromkeys(("empty", "too_short", "too_long", *rules.reasons, "duplicate"), 0)
    seen: set[str] = set()
    kept: list[dict[str, Any]] = []
    for row in track(dataset, f"prepare {cfg.dataset}", total=len(dataset)):
        reason = rules.screen(row)
        converted = None if reason else rules.convert(row)
        reason = reason or rules.problem(converted)
        key = json.dumps(converted, ensure_ascii=False, sort_keys=True)
        if reason is None and key in seen:
            reason = "duplicate"
        if reason:
            removed[reason] += 1
            continue
        seen.add(key)
        kept.append({**converted, **{name: row.get(column) for name, column in cfg.keep.items()}})
    if not kept:
        raise DataError(f"no usable rows left in '{cfg.dataset}' after cleaning (removed: {removed})")

    random.Random(cfg.seed).shuffle(kept)
    n_validation = max(1, round(len(kept) * cfg.validation_fraction)) if cfg.validation_fraction > 0 and len(kept) > 1 else 0
    validation, train = kept[:n_validation], kept[n_validation:]
    report = {"loaded": len(dataset), "removed": removed, "train": len(train), "validation": len(validation), **notes}
    log(
        f"data {cfg.dataset}: {report['loaded']} rows loaded, removed "
        + ", ".join(f"{count} {reason}" for reason, count in removed.items())
        + f"; {len(train)} train / {len(validation)} validation"
        + "".join(f"; {key.replace('_', ' ')}: {note}" for key, note in notes.items())
    )
    return _as_dataset(train), _as_dataset(validation), report


def _as_dataset(rows: list[dict[str, Any]]) -> Dataset:
    return Dataset.from_list(rows)
