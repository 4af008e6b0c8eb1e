"""Evaluate one model: generations on the task's prompts, then the recipe's metrics.

Every model (base and each stage's output) goes through this same function with the
same prompts, template and decoding settings, so a difference between two rows of
results.json is the models' and not the harness's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...config import ConfigError, ProjectError, build
from ...progress import track
from ...training.formats import prompt_messages
from ...training.modeling import load_model, load_tokenizer
from ..judge import judge_record
from .generate import GenerationSettings, generate, render_prompt
from .metrics import perplexity, response_loss
from .tasks import DATA_CONVERTERS, PROMPT_TASKS, scorer


@dataclass
class EvalConfig:
    task: str = "chat"  # chat: fixed prompts | math: gold answers | code: tests in the sandbox | safety | writing
    prompts: str = "data/eval_prompts.jsonl"  # the prompts of the chat, safety and writing tasks
    data: dict[str, Any] | None = None  # the math/code evaluation set; safety: XSTest-style prompts added (DataConfig keys)
    compare_to: str | None = None  # a stage whose answers every other model's are compared with by the judge (pairwise.py)
    judge: dict[str, Any] = field(default_factory=dict)  # JudgeConfig keys (scoring/judge/); JUDGE_* env fill the nulls
    metrics: list[str] = field(default_factory=list)
    max_prompts: int | None = None
    max_validation_rows: int = 200
    samples_per_task: int = 1  # completions per prompt (code: the n of pass@k; sample when > 1)
    sandbox: dict[str, Any] = field(default_factory=dict)  # SandboxConfig keys (code task)
    dtype: str = "auto"
    generation: dict[str, Any] = field(default_factory=dict)  # GenerationSettings keys

    def settings(self) -> GenerationSettings:
        return build(GenerationSettings, self.generation, "configs/eval.yaml: generation")


def read_jsonl(path: str | Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def task_rows(cfg: EvalConfig) -> list[dict[str, Any]]:
    """The prompts (conversations up to the model's turn) with their answers or tests."""
    scorer(cfg.task)  # an unknown task, or one this project was generated without, fails here: before any model loads
    if cfg.task in PROMPT_TASKS:
        rows = [as_conversation(row, None) for row in read_jsonl(cfg.prompts)]
        if cfg.data:
            rows += data_prompt_rows(cfg)
    else:
        if not cfg.data:
            raise ConfigError(f"configs/eval.yaml: task '{cfg.task}' needs a `data` section")
        from ...training.data import DataConfig, prepare

        data_cfg = build(DataConfig, {**cfg.data, "validation_fraction": 0.0}, "configs/eval.yaml: data")
        dataset, _, _ = prepare(data_cfg, log=lambda _: None)
        rows = [{**row, "messages": row["messages"][:-1]} for row in dataset]
    return rows[: cfg.max_prompts]


def as_conversation(row: dict[str, Any], system_prompt: str | None) -> dict[str, Any]:
    """A prompts-file row with its conversation: its own `messages`, or one built from `prompt`."""
    if "messages" in row:
        return row
    if not isinstance(row.get("prompt"), str):
        raise ConfigError(f"a prompt row needs `messages` or a `prompt` text, got keys {sorted(row)}")
    return {**row, "messages": prompt_messages(row["prompt"], system_prompt)}


def data_prompt_rows(cfg: EvalConfig) -> list[dict[str, Any]]:
    """The prompt rows of a prompt task's `data` set (safety: XSTest), converted by the task's DATA_CONVERTERS."""
    from ...training.data import DataConfig, load_rows

    converters = DATA_CONVERTERS.get(cfg.task, {})
    data_cfg = build(DataConfig, cfg.data, "configs/eval.yaml: data")
    if data_cfg.format not in converters:
        if not converters:
            raise ConfigError(f"configs/eval.yaml: task '{cfg.task}' reads its prompts file only; set `data: null`")
        raise ConfigError(f"configs/eval.yaml: data.format for task '{cfg.task}' must be one of {sorted(converters)}")
    convert = converters[data_cfg.format]
    converted = (convert(row, data_cfg.columns) for row in load_rows(data_cfg))
    rows = [as_conversation(row, data_cfg.system_prompt) for row in converted if row is not None]
    if not rows:
        raise ConfigError(f"configs/eval.yaml: no usable prompt rows in '{data_cfg.dataset}' (format {data_cfg.format})")
    return rows


def evaluate_model(
    name: str,
    model_path: str,
    cfg: EvalConfig,
    output_dir: Path,
    validation: list[dict] | None = None,
    loading: dict[str, Any] | None = None,
    judge=None,
) -> dict[str, Any]:
    """Generate on the task's prompts, score, write generations; return the results entry.
    `loading`: from_pretrained keywords (revision, trust_remote_code, attn_implementation);
    `judge`: scoring/judge/'s Judge for the judge metrics (None: they are reported as not run)."""
    settings = cfg.settings()
    if cfg.samples_per_task > 1 and not settings.do_sample:
        raise ConfigError("configs/eval.yaml: samples_per_task > 1 needs generation.do_sample: true")
    rows = task_rows(cfg)
    tokenizer = load_tokenizer(model_path, **(loading or {}))
    model = load_model(model_path, cfg.dtype, **(loading or {}))

    n = cfg.samples_per_task
    flat = generate(model, tokenizer, [row["messages"] for row in rows for _ in range(n)], settings, progress=f"generate {name}")
    completions = [flat[i * n : (i + 1) * n] for i in range(len(rows))]
    ks = tuple(int(m.split("@")[1]) for m in cfg.metrics if m.startswith("pass@")) or (1,)
    scores, records = scorer(cfg.task)(rows, completions, tokenizer=tokenizer, sandbox=cfg.sandbox, ks=ks, judge=judge)
    not_run = scores.pop("not_run", {})

    output_dir.mkdir(parents=True, exist_ok=True)
    generations_path = output_dir / f"{name}.jsonl"
    with open(generations_path, "w", encoding="utf-8") as handle:
        for row, group, record in zip(rows, completions, records, strict=True):
            entry = {"model": name, **row, "response": group[0], **({"responses": group} if n > 1 else {}), **record}
            handle.write(json.dumps(entry, ensure_ascii=False, default=str) + "\n")

    if validation:
        rows_checked = validation[: cfg.max_validation_rows]
        scores.update(validation_metrics(model, tokenizer, rows_checked, settings, progress=f"validation loss {name}"))
    requested = cfg.metrics or [key for key, value in scores.items() if isinstance(value, (int, float)) or value is None]
    return {
        "model": name,
        "model_path": model_path,
        "task": cfg.task,
        "metrics": {metric: scores.get(metric) for metric in requested},
        "missing_metrics": [metric for metric in requested if scores.get(metric) is None],  # None, never invented
        # Why a metric did not run (no judge configured: the setting that enables it); pairwise.py adds its own.
        "details": {**{key: value for key, value in scores.items() if key not in requested}, "not_run": not_run},
        "generations": str(generations_path),
        # What every prompt looks like, system prompt included, so check_comparable sees a change of it.
        "prompt_template": render_prompt(tokenizer, prompt_messages("{prompt}", (cfg.data or {}).get("system_prompt")), settings),
        "generation": settings.record(),
        "n_prompts": len(rows),
        "samples_per_task": n,
        # Whether a judge graded and which (a hash of its endpoint and model, never the values themselves).
        "judge": judge_record(cfg.judge),
    }


# What must be equal for two evaluations to be compared: another judge gives other scores.
COMPARABLE = ("task", "prompt_template", "generation", "n_prompts", "samples_per_task", "judge")


def check_comparable(evaluations: list[dict[str, Any]]) -> None:
    """Refuse a results table whose models were evaluated differently."""
    if not evaluations:
        return
    reference = evaluations[0]
    for entry in evaluations[1:]:
        if differing := [key for key in COMPARABLE if entry.get(key) != reference.get(key)]:
            raise ProjectError(
                f"models '{reference['model']}' and '{entry['model']}' were evaluated differently ({', '.join(differing)}): "
                "their numbers cannot be compared; re-run `eval` so every model goes through the same harness"
            )


def validation_metrics(
    model, tokenizer, validation: list[dict], settings: GenerationSettings, progress: str | None = None
) -> dict[str, float | None]:
    total, count = 0.0, 0
    for row in track(validation, progress):
        loss, n_tokens = response_loss(model, tokenizer, row["messages"], settings.enable_thinking)
        total, count = total + loss, count + n_tokens
    mean_loss = total / count if count else None
    return {"validation_loss": mean_loss, "perplexity": perplexity(mean_loss)}
