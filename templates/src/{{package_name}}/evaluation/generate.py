"""Batched generation from chat prompts with fixed, recorded decoding settings."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import torch

Messages = list[dict[str, str]]


@dataclass(frozen=True)
class GenerationSettings:
    max_new_tokens: int = 256
    do_sample: bool = False  # greedy by default, so runs are comparable and repeatable
    temperature: float = 1.0
    batch_size: int = 8
    enable_thinking: bool = False  # Qwen3 templates: no think block in the prompt

    def record(self) -> dict[str, Any]:
        return asdict(self)


def render_prompt(tokenizer, messages: Messages, settings: GenerationSettings) -> str:
    return tokenizer.apply_chat_template(
        messages, tokenize=False, add_generation_prompt=True, enable_thinking=settings.enable_thinking
    )


def stop_token_ids(tokenizer) -> list[int]:
    """The tokenizer's EOS and the chat end-of-turn token: a base model's EOS
    (Qwen: <|endoftext|>) is not what a chat-tuned model emits at the end of a turn."""
    ids = {tokenizer.eos_token_id, tokenizer.convert_tokens_to_ids("<|im_end|>")}
    return sorted(i for i in ids if i is not None and i != tokenizer.unk_token_id)


@torch.inference_mode()
def generate(model, tokenizer, prompts: list[Messages], settings: GenerationSettings) -> list[str]:
    """One response per prompt, decoded without special tokens."""
    tokenizer.padding_side = "left"  # decoder-only models continue from the right edge
    sampling = {"do_sample": True, "temperature": settings.temperature} if settings.do_sample else {"do_sample": False}
    responses: list[str] = []
    for start in range(0, len(prompts), settings.batch_size):
        texts = [render_prompt(tokenizer, messages, settings) for messages in prompts[start : start + settings.batch_size]]
        batch = tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=False).to(model.device)
        output = model.generate(
            **batch,
            max_new_tokens=settings.max_new_tokens,
            pad_token_id=tokenizer.pad_token_id,
            eos_token_id=stop_token_ids(tokenizer),
            **sampling,
        )
        new_tokens = output[:, batch["input_ids"].shape[1] :]
        responses += tokenizer.batch_decode(new_tokens, skip_special_tokens=True)
    return responses
