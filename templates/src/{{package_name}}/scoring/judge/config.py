"""Which judge to ask, and what of that may be written down.

configs/eval.yaml's `judge` section holds JudgeConfig's keys; what it leaves null comes
from the environment: JUDGE_BASE_URL, JUDGE_MODEL, JUDGE_API_KEY (then OPENAI_API_KEY,
but only for api.openai.com: a student's OpenAI key is never sent to another endpoint).
The endpoint, the model and the key are never written to results.json, saved configs,
logs or error messages: saved configs carry `redact(values)`, results carry
`judge_record(values)`, a fingerprint that tells two runs' judges apart.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ...config import ConfigError, Section, build, key_location
from . import prompts
from .client import Judge

WHERE = "configs/eval.yaml: judge"
PRIVATE_KEYS = ("base_url", "model", "api_key")
REDACTED = "<redacted>"
ENVIRONMENT = {"base_url": "JUDGE_BASE_URL", "model": "JUDGE_MODEL", "api_key": "JUDGE_API_KEY"}
OPENAI_HOST = "api.openai.com"  # the one endpoint OPENAI_API_KEY may be sent to
NOT_CONFIGURED = (
    "no judge configured: set judge.base_url and judge.model in configs/eval.yaml, or the environment variables "
    "JUDGE_BASE_URL and JUDGE_MODEL (and JUDGE_API_KEY if the endpoint needs a key)"
)


@dataclass
class JudgeConfig:
    """An OpenAI-compatible chat endpoint: a local vLLM or SGLang server
    (`vllm serve Qwen/Qwen3-8B` -> base_url http://127.0.0.1:8000/v1) or a hosted API."""

    # repr=False: a config printed in a traceback or a log does not show them
    base_url: str | None = field(default=None, repr=False)  # null: JUDGE_BASE_URL
    model: str | None = field(default=None, repr=False)  # null: JUDGE_MODEL
    # null: JUDGE_API_KEY, then OPENAI_API_KEY (api.openai.com only); better kept in the environment
    api_key: str | None = field(default=None, repr=False)
    temperature: float = 0.0
    max_tokens: int = 2048  # room for a reasoning judge's thinking before its verdict
    timeout_s: float = 120.0  # per request
    concurrency: int = 8  # requests in flight at once
    max_retries: int = 5  # per request: rate limits (429), server errors (5xx), timeouts, lost connections, garbage
    retry_base_s: float = 1.0  # backoff: the n-th retry waits about retry_base_s * 2**n ...
    retry_max_s: float = 60.0  # ... and never longer (a Retry-After above it is cut to it)
    parse_retries: int = 2  # new requests (with a reminder of the format) when a reply holds no readable verdict
    max_unreachable: int = 8  # connection failures or timeouts in a row, no reply between, before the run stops

    def __post_init__(self):
        if min(self.concurrency, self.max_tokens, self.max_unreachable) < 1 or min(self.max_retries, self.parse_retries) < 0:
            raise ValueError(
                "concurrency, max_tokens and max_unreachable must be at least 1, max_retries and parse_retries at least 0"
            )
        for name in PRIVATE_KEYS:  # the message does not show the value: it may be the key
            if getattr(self, name) is not None and not isinstance(getattr(self, name), str):
                raise TypeError(f"judge.{name} must be text or null, not {type(getattr(self, name)).__name__}")
        if self.base_url is not None and not valid_url(self.base_url):
            raise ValueError(
                "judge.base_url (or JUDGE_BASE_URL) must be an http:// or https:// URL with a host, "
                "such as http://127.0.0.1:8000/v1"
            )

    @property
    def configured(self) -> bool:
        return bool(self.base_url and self.model)


def valid_url(url: str) -> bool:
    """An http(s) URL with a host: "127.0.0.1:8000/v1" (no scheme) and "htp://..." are not."""
    try:
        parts = urlsplit(url)
        return parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:  # a malformed port or IPv6 address
        return False


def resolve(values: dict[str, Any] | None) -> JudgeConfig:
    """The judge section as a JudgeConfig, what it leaves null filled from the environment."""
    for key in PRIVATE_KEYS:  # checked here, before build(), whose type errors show the value
        value = (values or {}).get(key)
        if value is not None and not isinstance(value, str):
            raise ConfigError(f"{key_location(values, WHERE, key)}: expected text or null, not {type(value).__name__}")
    filled = {key: os.environ.get(name) or None for key, name in ENVIRONMENT.items() if (values or {}).get(key) is None}
    config = build(JudgeConfig, Section({**(values or {}), **filled}, origins=getattr(values, "origins", None)), WHERE)
    if config.api_key is None and config.base_url and urlsplit(config.base_url).hostname == OPENAI_HOST:
        config.api_key = os.environ.get("OPENAI_API_KEY") or None
    return config


def make_judge(values: dict[str, Any] | None, cache_dir: Path) -> Judge | None:
    """A Judge for the section (and the environment), or None when no endpoint or model is
    set: the caller then reports its judge metrics as not run, with NOT_CONFIGURED."""
    config = resolve(values)
    return Judge(config, cache_dir) if config.configured else None


def fingerprint(config: JudgeConfig) -> str | None:
    """12 hex digits of sha256 over the endpoint, the model, the sampling settings and the
    prompts' version: two results with the same fingerprint were judged alike. It identifies
    the judge, it does not hide it (a guessed endpoint and model can be checked against it):
    what keeps them private is that they are never written down."""
    if not config.configured:
        return None
    judged_by = [config.base_url, config.model, config.temperature, config.max_tokens, prompts.PROMPTS_VERSION]
    return hashlib.sha256(json.dumps(judged_by).encode()).hexdigest()[:12]


def judge_record(values: dict[str, Any] | None) -> dict[str, Any]:
    """What results.json says about the judge: whether there was one, and its fingerprint.

    Example:
        >>> record = judge_record({"base_url": "http://127.0.0.1:8000/v1", "model": "judge"})
        >>> record["configured"], len(record["fingerprint"])
        (True, 12)
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
