"""Evaluate one model: generations on the fixed prompt set, then the recipe's metrics.

Every model (base and each stage's output) goes through this same function with the
same prompts, template and decoding settings, so a difference between two rows of
results.json is the models' and not the harness's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import build
from ..modeling import load_model, load_tokenizer
from .generate import GenerationSettings, generate, render_prompt
from .metrics import is_refusal, is_valid_json, mean, perplexity, rate, response_loss


@dataclass
class EvalConfig:
    prompts: str = "data/eval_prompts.jsonl"
    metrics: list[str] = field(default_factory=list)
    max_prompts: int | None = None
    max_validation_rows: int = 200
    dtype: str = "auto"
    generation: dict[str, Any] = field(default_factory=dict)  # GenerationSettings keys

    def settings(self) -> GenerationSettings:
        return build(GenerationSettings, self.generation, "configs/eval.yaml: generation")


def read_jsonl(path: str | Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def evaluate_model(
    name: str, model_path: str, cfg: EvalConfig, output_dir: Path, validation: list[dict] | None = None
) -> dict[str, Any]:
    """Generate on the prompt set, score, write generations; return the results entry."""
    settings = cfg.settings()
    prompts = read_jsonl(cfg.prompts)[: cfg.max_prompts]
    tokenizer = load_tokenizer(model_path)
    model = load_model(model_path, cfg.dtype)

    responses = generate(model, tokenizer, [row["messages"] for row in prompts], settings)
    output_dir.mkdir(parents=True, exist_ok=True)
    generations_path = output_dir / f"{name}.jsonl"
    with open(generations_path, "w", encoding="utf-8") as handle:
        for row, response in zip(prompts, responses):
            handle.write(json.dumps({"model": name, **row, "response": response}, ensure_ascii=False) + "\n")

    metrics = response_metrics(prompts, responses)
    if validation:
        metrics.update(validation_metrics(model, tokenizer, validation[: cfg.max_validation_rows], settings))
    missing = [metric for metric in cfg.metrics if metric not in metrics]
    return {
        "model": name,
        "model_path": model_path,
        "metrics": {metric: metrics.get(metric) for metric in cfg.metrics} if cfg.metrics else metrics,
        "missing_metrics": missing,  # a metric that could not be computed is None, never invented
        "generations": str(generations_path),
        "prompt_template": render_prompt(tokenizer, [{"role": "user", "content": "{prompt}"}], settings),
        "generation": settings.record(),
        "n_prompts": len(prompts),
    }


def response_metrics(prompts: list[dict[str, Any]], responses: list[str]) -> dict[str, float | None]:
    def expecting(kind: str) -> list[str]:
        return [response for prompt, response in zip(prompts, responses) if prompt.get("expect") == kind]

    return {
        "response_chars": mean([float(len(r)) for r in responses]),
        "empty_rate": rate([not r.strip() for r in responses]),
        "json_valid_rate": rate([is_valid_json(r) for r in expecting("json")]),
        "refusal_rate": rate([is_refusal(r) for r in expecting("refusal")]),
    }


def validation_metrics(model, tokenizer, validation: list[dict], settings: GenerationSettings) -> dict[str, float | None]:
    total, count = 0.0, 0
    for row in validation:
        loss, n_tokens = response_loss(model, tokenizer, row["messages"], settings.enable_thinking)
        total, count = total + loss, count + n_tokens
    mean_loss = total / count if count else None
    return {"validation_loss": mean_loss, "perplexity": perplexity(mean_loss)}
