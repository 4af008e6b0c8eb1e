"""The live demo's models: the base model and the final stage's model, asked the same
question with the evaluation's decoding settings (demo/app.py draws the page).

The models come from results.json (the base model and the last trained stage);
decoding follows configs/eval.yaml with configs/demo.yaml's overrides, so what the
audience sees is what the evaluation measured.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import CONFIG_DIR, build, load_config
from ..results import load_results
from ..training.formats import prompt_messages


@dataclass
class DemoConfig:
    """configs/demo.yaml."""

    examples: list[str] = field(default_factory=list)
    host: str = "127.0.0.1"
    port: int = 7860
    generation: dict[str, Any] = field(default_factory=dict)  # overrides of configs/eval.yaml's
    system_prompt: str | None = None  # None: the evaluation's (configs/eval.yaml data.system_prompt)


def load_demo(
    profile: str | None, config_dir: Path = CONFIG_DIR, overrides: Sequence[str] = ()
) -> tuple[DemoConfig, dict[str, str], Any]:
    """The demo config, the models to compare ({label: path}) and the decoding settings.
    `overrides`: `--set` texts (e.g. demo.generation.max_new_tokens=256)."""
    from ..scoring.evaluation.generate import GenerationSettings

    cfg = build(DemoConfig, load_config("demo", profile, config_dir, overrides), "configs/demo.yaml")
    results = load_results(profile, config_dir, overrides, command="demo")
    evaluated = {entry["model"]: entry["model_path"] for entry in results.get("evaluations", [])}
    models = {"base": evaluated.get("base") or results["base_model"]}
    if results.get("stages"):
        final = results["stages"][-1]
        models[final["name"]] = final["model_path"]
    evaluation = load_config("eval", profile, config_dir, overrides)
    if cfg.system_prompt is None:  # ask as the evaluation (and training) asks
        cfg.system_prompt = (evaluation.get("data") or {}).get("system_prompt")
    generation = {**(evaluation.get("generation") or {}), **cfg.generation}
    settings = build(GenerationSettings, generation, "configs/demo.yaml: generation")
    return cfg, models, settings


class SideBySide:
    """Loads every model once; `predict` asks each of them the same question."""

    def __init__(self, models: dict[str, str], settings, system_prompt: str | None = None):
        from ..training.modeling import load_model, load_tokenizer, resolve_model

        self.settings = settings
        self.system_prompt = system_prompt
        self.names = list(models)
        self.loaded = {
            name: (load_model(resolve_model(path)), load_tokenizer(resolve_model(path))) for name, path in models.items()
        }

    def predict(self, message: str) -> list[str]:
        from ..scoring.evaluation.generate import generate

        if not message or not message.strip():
            return ["" for _ in self.names]
        conversation = self.conversation(message)
        return [generate(model, tokenizer, [conversation], self.settings)[0] for model, tokenizer in self.loaded.values()]

    def conversation(self, message: str) -> list[dict[str, str]]:
        """The message as the evaluation asks its questions: with its system prompt."""
        return prompt_messages(message, self.system_prompt)
