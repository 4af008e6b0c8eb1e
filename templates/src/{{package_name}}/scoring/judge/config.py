"""Which judge to ask, and what of that may be written down.

configs/eval.yaml's `judge` section holds JudgeConfig's keys; what it leaves null comes
from the environment: JUDGE_BASE_URL, JUDGE_MODEL, JUDGE_API_KEY (then OPENAI_API_KEY).
The endpoint, the model and the key are never written to results.json, saved configs
or logs: saved configs carry `redact(values)`, results carry `judge_record(values)`,
a fingerprint that tells two runs' judges apart without naming them.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...config import build
from .client import Judge

WHERE = "configs/eval.yaml: judge"
PRIVATE_KEYS = ("base_url", "model", "api_key")
REDACTED = "<redacted>"
ENVIRONMENT = {"base_url": ("JUDGE_BASE_URL",), "model": ("JUDGE_MODEL",), "api_key": ("JUDGE_API_KEY", "OPENAI_API_KEY")}
NOT_CONFIGURED = (
    "no judge configured: set judge.base_url and judge.model in configs/eval.yaml, or the environment variables "
    "JUDGE_BASE_URL and JUDGE_MODEL (and JUDGE_API_KEY if the endpoint needs a key)"
)


@dataclass
class JudgeConfig:
    """An OpenAI-compatible chat endpoint: a local vLLM or SGLang server
    (`vllm serve Qwen/Qwen3-8B` -> base_url http://127.0.0.1:8000/v1) or a hosted API."""

    base_url: str | None = None  # null: JUDGE_BASE_URL
    model: str | None = None  # null: JUDGE_MODEL
    api_key: str | None = None  # null: JUDGE_API_KEY, then OPENAI_API_KEY; better kept in the environment
    temperature: float = 0.0
    max_tokens: int = 2048  # room for a reasoning judge's thinking before its verdict
    timeout_s: float = 120.0  # per request
    concurrency: int = 8  # requests in flight at once
    max_retries: int = 5  # per request: rate limits (429), server errors (5xx), timeouts, lost connections, garbage
    retry_base_s: float = 1.0  # backoff: the n-th retry waits about retry_base_s * 2**n ...
    retry_max_s: float = 60.0  # ... and never longer (a Retry-After above it is cut to it)
    parse_retries: int = 2  # new requests when a reply holds no readable verdict

    def __post_init__(self):
        if self.concurrency < 1 or self.max_retries < 0 or self.parse_retries < 0 or self.max_tokens < 1:
            raise ValueError("concurrency and max_tokens must be at least 1, max_retries and parse_retries at least 0")

    @property
    def configured(self) -> bool:
        return bool(self.base_url and self.model)


def resolve(values: dict[str, Any] | None) -> JudgeConfig:
    """The judge section as a JudgeConfig, what it leaves null filled from the environment."""
    config = build(JudgeConfig, values, WHERE)
    for key, names in ENVIRONMENT.items():
        if getattr(config, key) is None:
            setattr(config, key, next((os.environ[name] for name in names if os.environ.get(name)), None))
    return config


def make_judge(values: dict[str, Any] | None, cache_dir: Path) -> Judge | None:
    """A Judge for the section (and the environment), or None when no endpoint or model is
    set: the caller then reports its judge metrics as not run, with NOT_CONFIGURED."""
    config = resolve(values)
    return Judge(config, cache_dir) if config.configured else None


def fingerprint(config: JudgeConfig) -> str | None:
    """The first 12 hex digits of sha256(base_url + model): the same judge gives the same one."""
    if not config.configured:
        return None
    return hashlib.sha256(f"{config.base_url}{config.model}".encode()).hexdigest()[:12]


def judge_record(values: dict[str, Any] | None) -> dict[str, Any]:
    """What results.json says about the judge: whether there was one, and its fingerprint.

    Example:
        >>> judge_record({"base_url": "http://127.0.0.1:8000/v1", "model": "judge"})
        {'configured': True, 'fingerprint': 'f25734504228'}
    """
    config = resolve(values)
    return {"configured": config.configured, "fingerprint": fingerprint(config)}


def redact(values: dict[str, Any] | None) -> dict[str, Any] | None:
    """The judge section as it may be saved: endpoint, model and key replaced when set.

    Example:
        >>> redact({"base_url": "http://127.0.0.1:8000/v1", "model": None, "concurrency": 4})
        {'base_url': '<redacted>', 'model': None, 'concurrency': 4}
    """
    if values is None:
        return None
    return {key: REDACTED if key in PRIVATE_KEYS and value is not None else value for key, value in values.items()}
