"""A tiny, random, offline stand-in for the recipe's base model.

Smoke runs and tests use it so the whole pipeline runs on a CPU in seconds with no
model hub. It has the real model's architecture family (Qwen3) and the real chat
template (read from TRL's copy of Qwen3's template), so the code paths it exercises are
the ones a GPU run takes; only the sizes differ. Its outputs are noise by design.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

# Bump when the builder changes, so stale caches are rebuilt rather than reused.
TINY_VERSION = "qwen3-tiny-v1"

SPECIAL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
# Qwen3's markup tokens; ordinary added tokens, as in the real tokenizer.
MARKUP_TOKENS = ["<think>", "</think>", "<tool_call>", "</tool_call>", "<tool_response>", "</tool_response>"]


def default_cache_dir() -> Path:
    root = os.environ.get("TINY_MODEL_CACHE") or Path.home() / ".cache" / "posttrain-capstone"
    return Path(root) / TINY_VERSION


def ensure_tiny_model(cache_dir: str | Path | None = None) -> Path:
    """Return the folder of the tiny model, building it on first use."""
    target = Path(cache_dir) if cache_dir else default_cache_dir()
    if (target / "config.json").exists() and (target / "tokenizer.json").exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    # Build in a sibling folder and rename, so a crash never leaves a half-written cache
    # and two processes building at once both end with a complete model.
    staging = Path(tempfile.mkdtemp(prefix=".building-", dir=target.parent))
    try:
        build_tiny_model(staging)
        try:
            staging.rename(target)
        except OSError:  # another process won the race; its copy is as good as ours
            pass
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _training_lines() -> list[str]:
    """Synthetic text covering what the recipes feed the model: English, Chinese,
    digits, math and code symbols, JSON and ChatML markup."""
    english = "the model answers each question step by step and then gives a short final answer".split()
    chinese = list("请用中文回答下面的问题并给出理由我们今天学习模型训练数据评估安全写作代码数学工具调用")
    lines = []
    for i in range(3000):
        words = " ".join(english[(i + k) % len(english)] for k in range(1 + i % 9))
        zh = "".join(chinese[(i * 7 + k) % len(chinese)] for k in range(2 + i % 11))
        lines.append(f"{words} {i} + {i % 97} = {i + i % 97}. {zh}。")
        call = json.dumps({"name": f"tool_{i % 13}", "arguments": {"x": i % 50}})
        lines.append(f"{call} def f(x): return x * {i % 9}")
        boxed = "\\boxed{" + str(i) + "}"
        lines.append(f"<|im_start|>user\n{zh}?<|im_end|>\n<|im_start|>assistant\n<think>\n{words}\n</think>\n{boxed}<|im_end|>")
    return lines


def build_tokenizer():
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tokenizer = Tokenizer(models.BPE())
    # Digits one per token, as in Qwen's tokenizer, so numbers are not merged into words.
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.Digits(individual_digits=True), pre_tokenizers.ByteLevel(add_prefix_space=False)]
    )
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=1024,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(_training_lines(), trainer=trainer)
    wrapped = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        additional_special_tokens=["<|im_start|>"],
    )
    wrapped.add_tokens(MARKUP_TOKENS)
    wrapped.chat_template = qwen3_chat_template()
    return wrapped


def qwen3_chat_template() -> str:
    # TRL ships the Qwen3 template and knows how to patch it for assistant-only loss;
    # using the same text here keeps smoke runs on the real model's code path.
    import trl

    return (Path(trl.__file__).parent / "chat_templates" / "qwen3.jinja").read_text()


def build_tiny_model(folder: str | Path) -> Path:
    import torch
    from transformers import GenerationConfig, Qwen3Config, Qwen3ForCausalLM

    folder = Path(folder)
    tokenizer = build_tokenizer()
    config = Qwen3Config(
        vocab_size=len(tokenizer),
        hidden_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        head_dim=16,
        intermediate_size=128,
        max_position_embeddings=1024,
        tie_word_embeddings=True,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
        bos_token_id=None,
    )
    torch.manual_seed(0)
    model = Qwen3ForCausalLM(config)
    model.generation_config = GenerationConfig(
        eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id, do_sample=False
    )
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder
