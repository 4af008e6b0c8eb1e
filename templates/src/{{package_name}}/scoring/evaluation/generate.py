"""Batched generation from chat prompts with fixed, recorded decoding settings."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import torch
from jinja2 import TemplateError

from ...progress import batches

Messages = list[dict[str, str]]


@dataclass(frozen=True)
class GenerationSettings:
    """The `generation` section of configs/eval.yaml (and configs/demo.yaml): decoding
    settings, the same for every model evaluated."""

    max_new_tokens: int = 256
    do_sample: bool = False  # greedy by default, so runs are comparable and repeatable
    temperature: float = 1.0
    batch_size: int = 8
    enable_thinking: bool = False  # Qwen3 templates: no think block in the prompt

    def record(self) -> dict[str, Any]:
        return asdict(self)


def render_prompt(tokenizer, messages: Messages, settings: GenerationSettings) -> str:
    """The conversation as the model sees it: its chat template with the generation prompt
    (and `enable_thinking`)."""
    return tokenizer.apply_chat_template(
        messages, tokenize=False, add_generation_prompt=True, enable_thinking=settings.enable_thinking
    )


def stop_token_ids(tokenizer, generation_config=None) -> list[int]:
    """Every token that ends an answer: the model's own EOS ids (its generation config;
    Qwen3 base models end text with <|endoftext|>), the tokenizer's EOS and the chat
    template's end-of-turn token (end_of_turn_token_id), which a chat-tuned model emits instead.
    Passing `eos_token_id` to generate() replaces the generation config's, so all are needed."""
    ids = set(_as_list(getattr(generation_config, "eos_token_id", None)))
    ids |= {tokenizer.eos_token_id, end_of_turn_token_id(tokenizer)}
    return sorted(i for i in ids if i is not None and i != tokenizer.unk_token_id)


def _as_list(value) -> list[int]:
    if value is None:
        return []
    return [int(value)] if isinstance(value, int) else [int(v) for v in value]


ANSWER_MARK = "ANSWER"


def end_of_turn_token_id(tokenizer) -> int | None:
    """The special token the chat template writes right after an assistant answer (ChatML's
    <|im_end|>, Llama 3's <|eot_id|>, Gemma's <end_of_turn>, ...), read off a rendered
    one-turn conversation; None when the template writes no special token there."""
    conversation = [{"role": "user", "content": "q"}, {"role": "assistant", "content": ANSWER_MARK}]
    try:
        text = tokenizer.apply_chat_template(conversation, tokenize=False)
    except (TemplateError, ValueError):  # a template that refuses this conversation shows no turn end
        return None
    if ANSWER_MARK not in text:
        return None
    special = set(tokenizer.all_special_ids) | set(tokenizer.get_added_vocab().values())
    for token_id in tokenizer(text.rsplit(ANSWER_MARK, 1)[1], add_special_tokens=False)["input_ids"]:
        if token_id in special:
            return token_id
        if tokenizer.decode([token_id]).strip():  # text comes first: the turn ends without a token of its own
            return None
    return None


@torch.inference_mode()
def generate(model, tokenizer, prompts: list[Messages], settings: GenerationSettings, progress: str | None = None) -> list[str]:
    """One response per prompt, decoded without special tokens; `progress` names a progress bar.
    The tokenizer is left as it was given (its padding side is the caller's)."""
    sampling = {"do_sample": True, "temperature": settings.temperature} if settings.do_sample else {"do_sample": False}
    stop = stop_token_ids(tokenizer, model.generation_config)  # renders the chat template: once, not per batch
    responses: list[str] = []
    for prompt_batch in batches(prompts, settings.batch_size, progress):
        texts = [render_prompt(tokenizer, messages, settings) for messages in prompt_batch]
        # Padded on the left: a decoder-only model continues from the right edge.
        batch = tokenizer(texts, return_tensors="pt", padding=True, padding_side="left", add_special_tokens=False)
        batch = batch.to(model.device)
        output = model.generate(
            **batch,
            max_new_tokens=settings.max_new_tokens,
            pad_token_id=tokenizer.pad_token_id,
            eos_token_id=stop,
            **sampling,
        )
        new_tokens = output[:, batch["input_ids"].shape[1] :]
        responses += tokenizer.batch_decode(new_tokens, skip_special_tokens=True)
    return responses
