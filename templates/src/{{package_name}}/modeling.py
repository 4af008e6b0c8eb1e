"""Loading models and tokenizers, and turning a trained adapter into a plain model folder."""

from __future__ import annotations

from pathlib import Path

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer, PreTrainedModel, PreTrainedTokenizerBase

TINY = "tiny"  # the base_model value that means "the offline tiny model"


def resolve_model(name_or_path: str) -> str:
    """A hub id or folder as is; `tiny` becomes the tiny model's folder (built on first use)."""
    if name_or_path == TINY:
        from .tiny import ensure_tiny_model

        return str(ensure_tiny_model())
    return name_or_path


def load_tokenizer(path: str) -> PreTrainedTokenizerBase:
    tokenizer = AutoTokenizer.from_pretrained(path)
    if not tokenizer.chat_template:
        # Some base checkpoints ship none; Qwen3's (via TRL) matches the default models.
        from .tiny import qwen3_chat_template

        print(f"note: {path} has no chat template; using Qwen3's")
        tokenizer.chat_template = qwen3_chat_template()
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def load_model(path: str, dtype: str | torch.dtype | None = "auto", device: str | None = None) -> PreTrainedModel:
    """A plain (unquantized) model for evaluation or merging, in eval mode."""
    model = AutoModelForCausalLM.from_pretrained(path, dtype=dtype or "auto")
    if device is None:
        device = "cuda" if torch.cuda.is_available() else "cpu"
    return model.to(device).eval()


def merge_adapter(base_path: str, adapter_dir: Path, output_dir: Path, dtype: str | None) -> PreTrainedModel:
    """Merge LoRA weights into a fresh, unquantized copy of the base model.

    For QLoRA the adapter was trained against a 4-bit base; merging into the
    full-precision weights is the usual way to get a model the next stage (or vLLM)
    can load without PEFT.
    """
    from peft import PeftModel

    base = AutoModelForCausalLM.from_pretrained(base_path, dtype=dtype or "auto")
    merged = PeftModel.from_pretrained(base, str(adapter_dir)).merge_and_unload()
    merged.save_pretrained(output_dir)
    return merged
