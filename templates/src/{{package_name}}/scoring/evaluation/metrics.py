"""Small metric functions over responses and conversations."""

from __future__ import annotations

import json
import math
import re

import torch

# Refusal openers in Chinese and English. A keyword check is a coarse first signal
# (it misses polite partial refusals); a judge model is the finer one.
REFUSAL_PATTERN = re.compile(
    r"(抱歉|对不起|我不能|我无法|无法提供|不能提供|不便|拒绝|违法|"
    r"\bI(?:'m| am)? (?:sorry|unable|not able)\b|\bI can(?:'|no)t\b|\bI cannot\b|\bI won't\b|\bcan't help\b)",
    re.IGNORECASE,
)
FENCE = re.compile(r"^```(?:json)?\s*|\s*```$")


def is_refusal(response: str) -> bool:
    return bool(REFUSAL_PATTERN.search(response))


def is_valid_json(response: str) -> bool:
    """The whole response (code fences allowed) parses as a JSON object or array."""
    text = FENCE.sub("", response.strip())
    try:
        return isinstance(json.loads(text), (dict, list))
    except ValueError:
        return False


def mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def rate(flags: list[bool]) -> float | None:
    return mean([float(flag) for flag in flags])


def response_loss(model, tokenizer, messages: list[dict[str, str]], enable_thinking: bool = False) -> tuple[float, int]:
    """Summed negative log-likelihood of the final assistant turn and its token count.

    The prompt is rendered as at generation time, so the scored tokens are the ones the
    model would have to produce. An answer that carries its own think block is scored
    after a prompt that lets the model open it (Qwen3: enable_thinking=True).
    """
    for thinking in (enable_thinking, not enable_thinking):
        prompt = tokenizer.apply_chat_template(
            messages[:-1], tokenize=False, add_generation_prompt=True, enable_thinking=thinking
        )
        full = tokenizer.apply_chat_template(messages, tokenize=False, enable_thinking=thinking)
        if full.startswith(prompt):
            break
    else:
        raise ValueError("the chat template renders the prompt differently inside the conversation")
    prompt_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
    answer_ids = tokenizer(full[len(prompt) :], add_special_tokens=False)["input_ids"]
    input_ids = torch.tensor([prompt_ids + answer_ids], device=model.device)
    labels = input_ids.clone()
    labels[:, : len(prompt_ids)] = -100
    with torch.inference_mode():
        loss = model(input_ids=input_ids, labels=labels).loss.item()
    # The first answer token is predicted from the last prompt token, so all count.
    return loss * len(answer_ids), len(answer_ids)


def perplexity(mean_loss: float | None) -> float | None:
    return math.exp(min(mean_loss, 50.0)) if mean_loss is not None else None
