"""Judge: asks an OpenAI-compatible endpoint to grade, compare and classify answers.

Every request goes through the on-disk cache first (cache.py): a rerun never pays for a
reply it already has, and an interrupted run resumes where it stopped. What is left is
sent with at most `concurrency` requests in flight; each is retried with exponential
backoff on rate limits (honouring Retry-After), server errors, timeouts, lost
connections and replies that are not a chat completion. A reply without a readable
verdict is asked again (`parse_retries`), then counted as unparsed and scored None.
Auth and not-found errors stop the run: every other request would fail the same way.
"""

from __future__ import annotations

import random
import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import TYPE_CHECKING, Any

import openai

from ...config import ProjectError
from ...progress import track
from .cache import ReplyCache, request_key
from .prompts import HELPFULNESS, Rubric, grading_messages, pairwise_messages, refusal_messages
from .verdicts import parse_dimension_scores, parse_pairwise, parse_refusal

if TYPE_CHECKING:
    from .config import JudgeConfig

Messages = list[dict[str, str]]
SWAPPED = {"A": "B", "B": "A", "tie": "tie"}
FATAL_STATUS = (401, 403, 404)  # a wrong key, endpoint or model: no retry can help
RETRIED_STATUS = (408, 409, 429)  # and every 5xx
# A timeout or lost connection (APITimeoutError is an APIConnectionError), or a body that is
# not a chat completion (not JSON, JSON of another shape, no text in it).
RETRIED = (openai.APIConnectionError, openai.APIResponseValidationError, ValueError, TypeError, AttributeError, LookupError)


class JudgeError(ProjectError):
    """The endpoint refuses every request (wrong key, URL or model)."""


def prompt_text(prompt: str | Messages) -> str:
    """A prompt as the judge reads it: the text, or a conversation as role-labelled turns."""
    if isinstance(prompt, str):
        return prompt
    turns = [turn for turn in prompt if turn.get("role") != "system"]
    if len(turns) == 1:
        return str(turns[0]["content"])
    return "\n\n".join(f"[{turn['role']}]\n{turn['content']}" for turn in turns)


def retry_after(error: openai.APIStatusError) -> float | None:
    """Seconds the server asked us to wait (Retry-After, or retry-after-ms), if it said."""
    headers = error.response.headers
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        try:
            return max(0.0, float(headers[name]) * scale)
        except (KeyError, TypeError, ValueError):
            continue  # absent, or an HTTP date: plain backoff then
    return None


class Judge:
    """grade / compare / classify_refusal over lists; stats() counts what happened."""

    def __init__(self, config: JudgeConfig, cache_dir: Path, sleep: Callable[[float], None] = time.sleep):
        self.config = config
        self.cache = ReplyCache(Path(cache_dir) / "judge.sqlite")
        self.client = openai.OpenAI(
            base_url=config.base_url, api_key=config.api_key or "none", timeout=config.timeout_s, max_retries=0
        )
        self._sleep = sleep
        self._lock = threading.Lock()
        self._counts = {"calls": 0, "cached": 0, "failed": 0, "unparsed": 0}

    def grade(
        self, prompts: Sequence, answers: Sequence[str], rubric: Rubric = HELPFULNESS, progress: str | None = None
    ) -> list[dict[str, int | None]]:
        """Per answer, rubric dimension -> score 1..10 (None: no readable verdict)."""

        def scores(reply: str) -> dict[str, int | None]:
            return parse_dimension_scores(reply, rubric.dimensions)

        requests = [grading_messages(rubric, prompt_text(p), answer) for p, answer in zip(prompts, answers, strict=True)]
        replies = self._ask_all(requests, lambda reply: None not in scores(reply).values(), progress)
        return [scores(reply) if reply is not None else dict.fromkeys(rubric.dimensions) for reply in replies]

    def compare(
        self, prompts: Sequence, answers_a: Sequence[str], answers_b: Sequence[str], progress: str | None = None
    ) -> list[str | None]:
        """Per prompt "A", "B" or "tie", asked in both orders; verdicts that disagree once
        the order is undone are a tie (position bias). None: a verdict was unreadable."""
        pairs = list(zip(map(prompt_text, prompts), answers_a, answers_b, strict=True))
        requests = [pairwise_messages(p, a, b) for p, a, b in pairs] + [pairwise_messages(p, b, a) for p, a, b in pairs]
        replies = self._ask_all(requests, lambda reply: parse_pairwise(reply) is not None, progress)
        verdicts = [parse_pairwise(reply) if reply is not None else None for reply in replies]
        outcomes = []
        for first, second in zip(verdicts[: len(pairs)], verdicts[len(pairs) :], strict=True):
            if first is None or second is None:
                outcomes.append(None)
            else:
                outcomes.append(first if first == SWAPPED[second] else "tie")
        return outcomes

    def classify_refusal(self, prompts: Sequence, answers: Sequence[str], progress: str | None = None) -> list[str | None]:
        """Per answer "full_refusal", "partial_refusal" or "compliance" (None: unreadable)."""
        requests = [refusal_messages(prompt_text(p), answer) for p, answer in zip(prompts, answers, strict=True)]
        replies = self._ask_all(requests, lambda reply: parse_refusal(reply) is not None, progress)
        return [parse_refusal(reply) if reply is not None else None for reply in replies]

    def stats(self) -> dict[str, int]:
        """calls: requests sent (retries included); cached: replies taken from the cache;
        failed: requests given up after retries; unparsed: replies with no readable verdict."""
        with self._lock:
            return dict(self._counts)

    def close(self) -> None:
        self.client.close()
        self.cache.close()

    def _count(self, name: str, n: int = 1) -> None:
        with self._lock:
            self._counts[name] += n

    def _ask_all(self, requests: list[Messages], readable: Callable[[str], bool], progress: str | None) -> list[str | None]:
        """The reply to each request: cached, or fetched (and cached once it is readable)."""
        keys = [request_key({"base_url": self.config.base_url, **self._body(messages)}) for messages in requests]
        unique = dict(zip(keys, requests, strict=True))
        replies = {key: reply for key in unique if (reply := self.cache.get(key)) is not None}
        todo = {key: messages for key, messages in unique.items() if key not in replies}
        self._count("cached", len(replies))
        if requests:
            print(f"judge: {len(todo)} calls to make, {len(replies)} cached", flush=True)
        pool = ThreadPoolExecutor(max_workers=self.config.concurrency, thread_name_prefix="judge")
        try:
            futures = {pool.submit(self._ask, messages, readable): key for key, messages in todo.items()}
            for future in track(as_completed(futures), progress, total=len(futures)):
                key, (reply, ok) = futures[future], future.result()
                replies[key] = reply
                if ok:
                    self.cache.put(key, reply)  # at once: an interrupted run keeps what it paid for
        finally:
            pool.shutdown(wait=False, cancel_futures=True)
        failed = sum(replies.get(key) is None for key in todo)
        if failed:
            print(f"warning: judge: {failed} request(s) failed (retried up to {self.config.max_retries} times)", file=sys.stderr)
        return [replies.get(key) for key in keys]

    def _body(self, messages: Messages) -> dict[str, Any]:
        c = self.config
        return {"model": c.model, "messages": messages, "temperature": c.temperature, "max_tokens": c.max_tokens}

    def _ask(self, messages: Messages, readable: Callable[[str], bool]) -> tuple[str | None, bool]:
        """(reply, whether it holds a verdict); asked again while it holds none."""
        reply = None
        for _ in range(self.config.parse_retries + 1):
            reply = self._send(messages)
            if reply is None:
                self._count("failed")
                return None, False
            if readable(reply):
                return reply, True
        self._count("unparsed")
        return reply, False

    def _send(self, messages: Messages) -> str | None:
        """One reply's text, retried with backoff; None once the retries are spent."""
        c = self.config
        for attempt in range(c.max_retries + 1):
            self._count("calls")
            wait = None
            try:
                response = self.client.chat.completions.create(**self._body(messages))
                content = response.choices[0].message.content
                if isinstance(content, str):
                    return content
            except openai.APIStatusError as error:
                if error.status_code in FATAL_STATUS:
                    raise JudgeError(
                        f"the judge endpoint answered HTTP {error.status_code}: check judge.base_url, judge.model and the key"
                    ) from None  # no chained error: its text may name the endpoint
                if error.status_code < 500 and error.status_code not in RETRIED_STATUS:
                    return None  # this request is refused (too long, say): no retry will change that
                wait = retry_after(error) if error.status_code == 429 else None
            except RETRIED:
                pass  # a timeout, a lost connection, or a body that is not a chat completion
            if attempt < c.max_retries:
                backoff = c.retry_base_s * 2**attempt * random.uniform(0.5, 1.0)  # jitter spreads out the threads
                self._sleep(min(c.retry_max_s, backoff if wait is None else wait))
        return None
