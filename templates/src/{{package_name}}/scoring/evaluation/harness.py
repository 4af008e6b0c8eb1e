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
from .generate import GenerationSettings, generate, render_prompt
from .metrics import perplexity, response_loss
from .tasks import scorer


@dataclass
class EvalConfig:
    task: str = "chat"  # chat: fixed prompts | math: gold answers | code: tests in the sandbox
    prompts: str = "data/eval_prompts.jsonl"  # the chat task's prompts
    data: dict[str, Any] | None = None  # the math/code evaluation set (data.DataConfig keys)
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
    if cfg.task == "chat":
        rows = read_jsonl(cfg.prompts)
    else:
        if not cfg.data:
            raise ConfigError(f"configs/eval.yaml: task '{cfg.task}' needs a `data` section")
        from ...training.data import DataConfig, prepare

        data_cfg = build(DataConfig, {**cfg.data, "validation_fraction": 0.0}, "configs/eval.yaml: data")
        dataset, _, _ = prepare(data_cfg, log=lambda _: None)
        rows = [{**row, "messages": row["messages"][:-1]} for row in dataset]
    return rows[: cfg.max_prompts]


def evaluate_model(
    name: str,
    model_path: str,
    cfg: EvalConfig,
    output_dir: Path,
    validation: list[dict] | None = None,
    loading: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Generate on the task's prompts, score, write generations; return the results entry.
    `loading`: from_pretrained keywords (revision, trust_remote_code, attn_implementation)."""
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
    scores, records = scorer(cfg.task)(rows, completions, tokenizer=tokenizer, sandbox=cfg.sandbox, ks=ks)

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
        "details": {key: value for key, value in scores.items() if key not in requested},
        "generations": str(generations_path),
        # What every prompt looks like, system prompt included, so check_comparable sees a change of it.
        "prompt_template": render_prompt(tokenizer, prompt_messages("{prompt}", (cfg.data or {}).get("system_prompt")), settings),
        "generation": settings.record(),
        "n_prompts": len(rows),
        "samples_per_task": n,
    }


# What must be equal for two evaluations to be compared.
COMPARABLE = ("task", "prompt_template", "generation", "n_prompts", "samples_per_task")


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
