"""Judge: asks an OpenAI-compatible endpoint to grade, compare and classify answers.

Every request goes through the on-disk cache first (cache.py): a rerun never pays for a
reply it already has, and an interrupted run resumes where it stopped. What is left is
sent with at most `concurrency` requests in flight, each retried as sending.py describes.
A reply without a readable verdict is asked again with a reminder of the format
(`parse_retries`), then counted as unparsed and scored None.
The threads are daemons and watch the batch's stop event: Ctrl-C returns at once, and the
process exits without waiting for requests still in flight.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import openai

from ...progress import track
from .cache import ReplyCache, request_key
from .prompts import (
    HELPFULNESS,
    PAIRWISE_FORMAT,
    REFUSAL_FORMAT,
    Rubric,
    grading_messages,
    pairwise_messages,
    refusal_messages,
    with_nudge,
)
from .sending import Batch, JudgeError, Reply, Sender, in_threads
from .verdicts import parse_dimension_scores, parse_pairwise, parse_refusal

if TYPE_CHECKING:
    from .config import JudgeConfig

__all__ = ["Judge", "JudgeError", "prompt_text"]

Messages = list[dict[str, str]]
SWAPPED = {"A": "B", "B": "A", "tie": "tie"}


def prompt_text(prompt: str | Messages) -> str:
    """A prompt as the judge reads it: the text, or a conversation as role-labelled turns."""
    if isinstance(prompt, str):
        return prompt
    turns = [turn for turn in prompt if turn.get("role") != "system"]
    if len(turns) == 1:
        return str(turns[0]["content"])
    return "\n\n".join(f"[{turn['role']}]\n{turn['content']}" for turn in turns)


class Judge:
    """grade / compare / classify_refusal over lists; stats() counts what happened."""

    def __init__(self, config: JudgeConfig, cache_dir: Path, sleep: Callable[[float], None] | None = None):
        """`sleep`: how to wait between retries (tests record the waits); by default a wait
        on the batch's stop event, which Ctrl-C ends at once."""
        self.config = config
        self.cache = ReplyCache(Path(cache_dir) / "judge.sqlite")
        self.client = openai.OpenAI(
            base_url=config.base_url,
            api_key=config.api_key or "none",
            timeout=config.timeout_s,
            max_retries=0,
            # None would let the SDK read OPENAI_ORG_ID and OPENAI_PROJECT_ID: Omit sends no such header
            # to whatever endpoint judges (openai's _client.py: default_headers, lib/_client_auth.py).
            default_headers={"OpenAI-Organization": openai.Omit(), "OpenAI-Project": openai.Omit()},  # type: ignore[dict-item]
        )
        self._lock = threading.Lock()
        self._sender = Sender(self.client, config, self._count, sleep)
        self._counts = {"calls": 0, "cached": 0, "failed": 0, "unparsed": 0}

    def grade(
        self, prompts: Sequence, answers: Sequence[str], rubric: Rubric = HELPFULNESS, progress: str | None = None
    ) -> list[dict[str, int | None]]:
        """Per answer, rubric dimension -> score 1..10 (None: no readable verdict)."""

        def scores(reply: str) -> dict[str, int | None]:
            return parse_dimension_scores(reply, rubric.dimensions)

        requests = [grading_messages(rubric, prompt_text(p), answer) for p, answer in zip(prompts, answers, strict=True)]
        replies = self._ask_all(requests, lambda reply: None not in scores(reply).values(), rubric.reply_format(), progress)
        return [scores(reply) if reply is not None else dict.fromkeys(rubric.dimensions) for reply in replies]

    def compare(
        self, prompts: Sequence, answers_a: Sequence[str], answers_b: Sequence[str], progress: str | None = None
    ) -> list[str | None]:
        """Per prompt "A", "B" or "tie", asked in both orders; verdicts that disagree once
        the order is undone are a tie (position bias). None: a verdict was unreadable."""
        pairs = list(zip(map(prompt_text, prompts), answers_a, answers_b, strict=True))
        requests = [pairwise_messages(p, a, b) for p, a, b in pairs] + [pairwise_messages(p, b, a) for p, a, b in pairs]
        replies = self._ask_all(requests, lambda reply: parse_pairwise(reply) is not None, PAIRWISE_FORMAT, progress)
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
        replies = self._ask_all(requests, lambda reply: parse_refusal(reply) is not None, REFUSAL_FORMAT, progress)
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

    def _ask_all(
        self, requests: list[Messages], readable: Callable[[str], bool], reply_format: str, progress: str | None
    ) -> list[str | None]:
        """The reply to each request: cached, or fetched (and cached once it is readable)."""
        keys = [self._key(messages) for messages in requests]
        unique = dict(zip(keys, requests, strict=True))
        replies = {key: reply for key in unique if (reply := self.cache.get(key)) is not None}
        todo = [(key, messages) for key, messages in unique.items() if key not in replies]
        self._count("cached", len(replies))
        if requests:
            print(f"judge: {len(todo)} calls to make, {len(replies)} cached", flush=True)
        batch, unparsed, cut_off = Batch(self.config.max_unreachable), 0, 0
        try:
            asked = in_threads(
                lambda item: self._ask(item[1], readable, reply_format, batch), todo, self.config.concurrency, batch.stop
            )
            for index, (reply, sent_key, ok, was_cut_off) in track(asked, progress, total=len(todo)):
                replies[todo[index][0]] = reply
                unparsed += reply is not None and not ok
                cut_off += was_cut_off and not ok
                if ok:
                    self.cache.put(sent_key, reply)  # at once: an interrupted run keeps what it paid for
        finally:
            batch.stop.set()  # on Ctrl-C or an error: the threads send nothing more, and nothing waits for them
        self._warn(sum(replies.get(key) is None for key, _ in todo), unparsed, cut_off)
        return [replies.get(key) for key in keys]

    def _warn(self, failed: int, unparsed: int, cut_off: int) -> None:
        if failed:
            print(f"warning: judge: {failed} request(s) failed (retried up to {self.config.max_retries} times)", file=sys.stderr)
        if unparsed:
            why = (
                f'; {cut_off} stopped at max_tokens (finish_reason "length"), a reasoning judge perhaps still thinking: '
                "raise judge.max_tokens"
                if cut_off
                else ""
            )
            tries = self.config.parse_retries + 1
            print(f"warning: judge: {unparsed} repl(ies) held no readable verdict after {tries} tries{why}", file=sys.stderr)

    def _key(self, messages: Messages) -> str:
        return request_key({"base_url": self.config.base_url, **self._body(messages)})

    def _body(self, messages: Messages) -> dict[str, Any]:
        c = self.config
        return {"model": c.model, "messages": messages, "temperature": c.temperature, "max_tokens": c.max_tokens}

    def _ask(
        self, messages: Messages, readable: Callable[[str], bool], reply_format: str, batch: Batch
    ) -> tuple[str | None, str, bool, bool]:
        """(reply, the cache key of the request that got it, whether it holds a verdict, whether
        max_tokens cut it off). A reply without a verdict is asked again with a reminder of the
        format: a different request, with its own cache key."""
        reply, key = Reply(None), ""
        for attempt in range(self.config.parse_retries + 1):
            sent = with_nudge(messages, reply_format, attempt) if attempt else messages
            key = self._key(sent)
            if attempt and (cached := self.cache.get(key)) is not None:
                self._count("cached")
                return cached, key, True, False
            reply = self._sender.send(self._body(sent), batch)
            if reply.text is None:
                if not batch.stop.is_set():  # stopped by Ctrl-C or JudgeError: not this request's failure
                    self._count("failed")
                return None, key, False, False
            if readable(reply.text):
                return reply.text, key, True, reply.cut_off
        self._count("unparsed")
        return reply.text, key, False, reply.cut_off
