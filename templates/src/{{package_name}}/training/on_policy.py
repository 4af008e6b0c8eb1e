"""On-policy preference pairs: sample answers from the stage's input model, score them,
and keep the best and the worst answer to each prompt as chosen and rejected.

The `pairs` section of a preference stage's config turns it on (null: the dataset's own
pairs). Its prompts are the data section's conversations up to the answer, so any
conversation format works. The scorer is the LLM judge (`judge`: a 1-10 helpfulness
score, configured by `pairs.judge` and the JUDGE_* variables) or a reward function
(a name from scoring/rewards, or any function by dotted path, package.module.function,
with TRL's keyword contract: prompts, completions, completion_ids, trainer_state (None
here: nothing has trained yet) and the data's other columns; log_extra and log_metric are
not passed). A prompt whose scored answers all tie teaches nothing and is dropped, as is
one with fewer than two scored answers; answers the scorer could not score (None) are
left out; each is counted. The pairs are written to outputs/<stage>/pairs.jsonl.
"""

from __future__ import annotations

import gc
import importlib
import importlib.util
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch
from datasets import Dataset
from transformers import set_seed

from ..config import ConfigError, DataError, build, refuse_owned
from ..scoring.evaluation.generate import GenerationSettings, generate
from .formats import Messages
from .modeling import MODEL_KEYS, load_model, load_tokenizer, pick

Scorer = Callable[[list[Messages], list[str], dict[str, list]], list[float | None]]


@dataclass
class PairsConfig:
    """The `pairs` section of configs/<stage>.yaml (a preference stage)."""

    samples_per_prompt: int = 4  # answers sampled per prompt (at least 2)
    scorer: str = "judge"  # judge | a reward name (scoring/rewards) | package.module.function
    max_prompts: int | None = 64  # the first N training prompts (null: all)
    generation: dict[str, Any] = field(default_factory=dict)  # GenerationSettings keys (sampling is always on)
    judge: dict[str, Any] | None = None  # JudgeConfig keys (scorer judge); null ones come from JUDGE_* variables
    options: dict[str, Any] = field(default_factory=dict)  # the reward's options (a reward scorer)


def pairs_config(ctx) -> PairsConfig | None:
    """The stage's `pairs` section, checked, or None when the stage trains on the dataset's pairs."""
    values, where = ctx.config.get("pairs"), f"{ctx.where}: pairs"
    if values is None:
        return None
    cfg = build(PairsConfig, values, where)
    if cfg.samples_per_prompt < 2:
        raise ConfigError(f"{where}.samples_per_prompt: a pair needs at least 2 answers per prompt, got {cfg.samples_per_prompt}")
    generation_settings(cfg, where)
    return cfg


def generation_settings(cfg: PairsConfig, where: str) -> GenerationSettings:
    refuse_owned(cfg.generation, f"{where}.generation", {"do_sample": "always true: greedy answers to a prompt are all alike"})
    return build(GenerationSettings, cfg.generation, f"{where}.generation", do_sample=True)


def make_scorer(cfg: PairsConfig, ctx, loading: dict[str, Any]) -> Scorer:
    """scorer(prompts, answers, columns) -> one score per answer (None: not scored). A reward
    also gets completion_ids, the answers' token ids from the input model's tokenizer (loaded
    with `loading`), as GRPO gives them, so length-based rewards count tokens here too."""
    if cfg.scorer == "judge":
        from ..scoring.judge import HELPFULNESS, NOT_CONFIGURED, make_judge

        judge = make_judge(cfg.judge, ctx.output_dir / "judge_cache")
        if judge is None:
            raise ConfigError(f"{ctx.where}: pairs.scorer is judge, but {NOT_CONFIGURED} (or pairs.judge)")

        def judged(prompts: list[Messages], answers: list[str], columns: dict[str, list]) -> list[float | None]:
            try:
                grades = judge.grade(prompts, answers, HELPFULNESS, progress=f"judge {ctx.name} pairs")
            finally:
                judge.close()
            return [grade.get("overall") for grade in grades]

        return judged
    reward = reward_function(cfg.scorer, cfg.options, ctx.where)

    def rewarded(prompts: list[Messages], answers: list[str], columns: dict[str, list]) -> list[float | None]:
        tokenizer = load_tokenizer(ctx.input_model, **loading)
        trl_arguments = {
            "prompts": prompts,
            "completions": [[{"role": "assistant", "content": answer}] for answer in answers],  # as TRL passes them
            "completion_ids": [tokenizer(answer, add_special_tokens=False)["input_ids"] for answer in answers],
            "trainer_state": None,  # GRPO passes its TrainerState; no training has started here
        }
        return list(reward(**{**columns, **trl_arguments}))

    return rewarded


def reward_function(name: str, options: dict[str, Any], where: str) -> Callable:
    """A reward from scoring/rewards by name or dotted path, or (in a project without
    scoring/rewards) a function by dotted path."""
    # Looked for, not tried: an import error inside scoring/rewards still fails loudly.
    rewards = __package__.rpartition(".")[0] + ".scoring.rewards"
    try:
        if importlib.util.find_spec(rewards) is not None:
            return importlib.import_module(rewards).build_reward(name, **options)
        if "." not in name:
            raise ValueError(
                f"'{name}' is neither judge nor a dotted path (package.module.function); this project has no "
                "scoring/rewards, so reward names are not available"
            )
        module_name, attribute = name.rsplit(".", 1)
        function = getattr(importlib.import_module(module_name), attribute, None)
        if not callable(function):
            raise ValueError(f"module '{module_name}' has no function '{attribute}'")
        return function(**options) if attribute.startswith("get_") else function
    except (ImportError, TypeError, ValueError) as error:
        raise ConfigError(f"{where}: pairs.scorer: {error}") from error


def sample_answers(
    model_path: str, prompts: list[Messages], settings: GenerationSettings, n: int, loading: dict, device, seed: int
) -> list[str]:
    """n sampled answers per prompt (prompt-major), from a model loaded for this and freed after;
    seeded, so a rerun samples the same answers (and finds the judge's replies in its cache)."""
    set_seed(seed)
    model = load_model(model_path, dtype=loading.get("dtype"), device=device, **pick(loading, MODEL_KEYS))
    try:
        return generate(
            model, load_tokenizer(model_path, **loading), [p for p in prompts for _ in range(n)], settings, "sample pairs"
        )
    finally:
        del model
        gc.collect()
        if torch.cuda.is_available():
            torch.cuda.empty_cache()


def choose_pairs(prompts: list[Messages], answers: list[list[str]], scores: list[list[float | None]]):
    """Per prompt, the best-scored answer as chosen and the worst as rejected. Returns
    (rows, counts): a prompt whose scored answers all tie is dropped (ties_dropped); answers
    without a score are left out (unscored), and a prompt with fewer than two scored answers
    gives no pair (too_few_scored). Every prompt is counted once: prompts = pairs +
    ties_dropped + too_few_scored."""
    rows, ties, too_few, unscored = [], 0, 0, 0
    for prompt, texts, values in zip(prompts, answers, scores, strict=True):
        scored = [(score, text) for score, text in zip(values, texts, strict=True) if score is not None]
        unscored += len(texts) - len(scored)
        if len(scored) < 2:
            too_few += 1
            continue
        best, worst = max(scored, key=lambda item: item[0]), min(scored, key=lambda item: item[0])
        if best[0] == worst[0]:
            ties += 1
            continue
        rows.append(
            {
                "prompt": prompt,
                "chosen": [{"role": "assistant", "content": best[1]}],
                "rejected": [{"role": "assistant", "content": worst[1]}],
                "chosen_score": best[0],
                "rejected_score": worst[0],
            }
        )
    counts = {"prompts": len(prompts), "pairs": len(rows), "ties_dropped": ties, "too_few_scored": too_few, "unscored": unscored}
    return rows, counts


def make_pairs(ctx, cfg: PairsConfig, train: Dataset, loading: dict[str, Any], device: str | None = None) -> tuple[Dataset, dict]:
    """Sample, score and pair answers to the training conversations' prompts; write
    outputs/<stage>/pairs.jsonl. Returns (pairs for the trainer, counts)."""
    scorer = make_scorer(cfg, ctx, loading)  # a scorer that cannot be built stops the run before the model loads
    rows = train.select(range(min(cfg.max_prompts or len(train), len(train))))
    prompts = [row["messages"][:-1] for row in rows]
    n = cfg.samples_per_prompt
    settings = generation_settings(cfg, f"{ctx.where}: pairs")
    flat = sample_answers(ctx.input_model, prompts, settings, n, loading, device, ctx.seed)
    columns = {name: [value for value in rows[name] for _ in range(n)] for name in rows.column_names if name != "messages"}
    flat_scores = scorer([p for p in prompts for _ in range(n)], flat, columns)
    answers = [flat[i * n : (i + 1) * n] for i in range(len(prompts))]
    scores = [flat_scores[i * n : (i + 1) * n] for i in range(len(prompts))]
    pairs, counts = choose_pairs(prompts, answers, scores)
    ctx.output_dir.mkdir(parents=True, exist_ok=True)
    with open(ctx.output_dir / "pairs.jsonl", "w", encoding="utf-8") as handle:
        handle.writelines(json.dumps(pair, ensure_ascii=False) + "\n" for pair in pairs)
    print(
        f"on-policy pairs: {counts['pairs']} from {counts['prompts']} prompts x {n} answers "
        f"({counts['ties_dropped']} all-tied prompts dropped, {counts['too_few_scored']} with fewer than 2 scored answers; "
        f"{counts['unscored']} answers unscored)",
        flush=True,
    )
    if not pairs:
        raise DataError(f"{ctx.where}: pairs: no pair left ({counts}); more samples_per_prompt or a finer scorer")
    return Dataset.from_list([{key: pair[key] for key in ("prompt", "chosen", "rejected")} for pair in pairs]), counts
