"""Batched generation from chat prompts with fixed, recorded decoding settings."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import torch

from ...progress import batches

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


def stop_token_ids(tokenizer, generation_config=None) -> list[int]:
    """Every token that ends an answer: the model's own EOS ids (its generation config;
    Qwen3 base models end text with <|endoftext|>), the tokenizer's EOS and the chat
    template's end-of-turn token (<|im_end|>), which a chat-tuned model emits instead.
    Passing `eos_token_id` to generate() replaces the generation config's, so all are needed."""
    ids = set(_as_list(getattr(generation_config, "eos_token_id", None)))
    ids |= {tokenizer.eos_token_id, end_of_turn_token_id(tokenizer)}
    return sorted(i for i in ids if i is not None and i != tokenizer.unk_token_id)


def _as_list(value) -> list[int]:
    if value is None:
        return []
    return [int(value)] if isinstance(value, int) else [int(v) for v in value]


def end_of_turn_token_id(tokenizer) -> int | None:
    """The special token the chat template writes right after an assistant answer."""
    try:
        text = tokenizer.apply_chat_template(
            [{"role": "user", "content": "q"}, {"role": "assistant", "content": "ANSWER"}], tokenize=False
        )
    except Exception:  # templates that refuse this conversation: fall back to ChatML's token
        text = ""
    after = text.rsplit("ANSWER", 1)[-1] if "ANSWER" in text else ""
    ids = tokenizer(after, add_special_tokens=False)["input_ids"] if after else []
    if ids and ids[0] in tokenizer.get_added_vocab().values():  # a special token, not text
        return ids[0]
    token = tokenizer.convert_tokens_to_ids("<|im_end|>")
    return token if token != tokenizer.unk_token_id else None


@torch.inference_mode()
def generate(model, tokenizer, prompts: list[Messages], settings: GenerationSettings, progress: str | None = None) -> list[str]:
    """One response per prompt, decoded without special tokens; `progress` names a progress bar."""
    tokenizer.padding_side = "left"  # decoder-only models continue from the right edge
    sampling = {"do_sample": True, "temperature": settings.temperature} if settings.do_sample else {"do_sample": False}
    stop = stop_token_ids(tokenizer, model.generation_config)  # renders the chat template: once, not per batch
    responses: list[str] = []
    for prompt_batch in batches(prompts, settings.batch_size, progress):
        texts = [render_prompt(tokenizer, messages, settings) for messages in prompt_batch]
        batch = tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=False).to(model.device)
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
