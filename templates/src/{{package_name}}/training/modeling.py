"""Loading models and tokenizers, and turning a trained adapter into a plain model folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer, PreTrainedModel, PreTrainedTokenizerBase

TINY = "tiny"  # the base_model value that means "the offline tiny model"


def resolve_model(name_or_path: str) -> str:
    """A hub id or folder as is; `tiny` becomes the tiny model's folder (built on first use)."""
    if name_or_path == TINY:
        from .tiny import ensure_tiny_model

        return str(ensure_tiny_model())
    return name_or_path


# from_pretrained keywords that say which model and how to build it; a stage reads them from
# its config (trl.ModelConfig's model_revision, attn_implementation, dtype; the training
# section's trust_remote_code) and every load of that model passes them on.
MODEL_KEYS = ("revision", "trust_remote_code", "attn_implementation")
TOKENIZER_KEYS = ("revision", "trust_remote_code")


def pick(loading: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    return {key: loading[key] for key in keys if loading.get(key) is not None}


def saved_model_kwargs(loading: dict[str, Any]) -> dict[str, Any]:
    """The keywords that still apply to a folder the pipeline saved (a revision names a hub
    version of the input, not of the saved copy)."""
    return pick(loading, ("trust_remote_code", "attn_implementation"))


def load_tokenizer(path: str, **loading: Any) -> PreTrainedTokenizerBase:
    """The tokenizer of `path`; `loading` may hold revision and trust_remote_code (other keys are ignored)."""
    tokenizer = AutoTokenizer.from_pretrained(path, **pick(loading, TOKENIZER_KEYS))
    if not tokenizer.chat_template:
        # Some base checkpoints ship none; Qwen3's (via TRL) matches the default models.
        from .tiny import qwen3_chat_template

        print(f"note: {path} has no chat template; using Qwen3's")
        tokenizer.chat_template = qwen3_chat_template()
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def load_model(path: str, dtype: str | torch.dtype | None = "auto", device: str | None = None, **loading: Any) -> PreTrainedModel:
    """A plain (unquantized) model for evaluation or merging, in eval mode; `loading` may hold
    revision, trust_remote_code and attn_implementation (other keys are ignored)."""
    model = AutoModelForCausalLM.from_pretrained(path, dtype=dtype or "auto", **pick(loading, MODEL_KEYS))
    if device is None:
        device = "cuda" if torch.cuda.is_available() else "cpu"
    return model.to(device).eval()


def merge_adapter(
    base_path: str, adapter_dir: Path, output_dir: Path, dtype: str | None = "auto", **loading: Any
) -> PreTrainedModel:
    """Merge LoRA weights into a fresh, unquantized copy of the base model, loaded as the
    trainer loaded it (`loading`: revision, trust_remote_code, attn_implementation).

    For QLoRA the adapter was trained against a 4-bit base; merging into the
    full-precision weights is the usual way to get a model the next stage (or vLLM)
    can load without PEFT.
    """
    from peft import PeftModel

    base = AutoModelForCausalLM.from_pretrained(base_path, dtype=dtype or "auto", **pick(loading, MODEL_KEYS))
    merged = PeftModel.from_pretrained(base, str(adapter_dir)).merge_and_unload()
    merged.save_pretrained(output_dir)
    return merged
