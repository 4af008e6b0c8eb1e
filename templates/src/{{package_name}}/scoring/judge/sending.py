"""Sending one judge request: retries with backoff, Retry-After, and when to give up.

A rate limit (429) or an overloaded server (503) may say how long to wait (Retry-After in
seconds or as an HTTP date, or retry-after-ms); other server errors (5xx), timeouts, lost
connections and bodies that are not a chat completion wait an exponential backoff.
Auth and not-found errors stop the run at once: every request would fail the same way.
So does an endpoint that never answers: `max_unreachable` connection failures or timeouts
in a row, with no reply from the server between them, raise JudgeError instead of scoring
nothing after minutes of retries. Every new try and every wait checks the batch's stop
event, so Ctrl-C ends a batch without sitting out the retries; in_threads runs a batch's
requests side by side.
"""

from __future__ import annotations

import queue
import random
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

import openai

from ...config import ProjectError

if TYPE_CHECKING:
    from .config import JudgeConfig

FATAL_STATUS = (401, 403, 404)  # a wrong key, endpoint or model: no retry can help
RETRIED_STATUS = (408, 409, 429)  # and every 5xx
WAIT_STATUS = (429, 503)  # the statuses whose Retry-After is honoured (RFC 9110, section 10.2.3)
# A body that is not a chat completion: not JSON, JSON of another shape, no text in it.
MALFORMED = (openai.APIResponseValidationError, ValueError, TypeError, AttributeError, LookupError)


class JudgeError(ProjectError):
    """The endpoint refuses every request (wrong key, URL or model) or cannot be reached."""


@dataclass(frozen=True)
class Reply:
    text: str | None  # None: no reply after the retries (or the batch was stopped)
    cut_off: bool = False  # finish_reason "length": max_tokens ran out, perhaps inside the thinking


def retry_after(headers: Mapping[str, str], now: datetime | None = None) -> float | None:
    """Seconds the server asked us to wait (retry-after-ms, or Retry-After as seconds or
    an HTTP date), if it said.

    Example:
        >>> retry_after({"retry-after": "7"}), retry_after({"retry-after-ms": "1500"}), retry_after({})
        (7.0, 1.5, None)
        >>> retry_after({"retry-after": "Wed, 21 Oct 2015 07:28:30 GMT"}, now=datetime(2015, 10, 21, 7, 28, tzinfo=timezone.utc))
        30.0
    """
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            return max(0.0, float(value) * scale)
        except ValueError:
            pass
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            continue  # neither seconds nor a date: plain backoff then
        when = when if when.tzinfo else when.replace(tzinfo=timezone.utc)
        return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())
    return None


class Batch:
    """What the threads of one batch share: the stop event, and the run of tries that got
    no reply from the server at all (any reply ends the run)."""

    def __init__(self, max_unreachable: int):
        self.stop = threading.Event()
        self.max_unreachable = max_unreachable
        self._unreachable = 0
        self._lock = threading.Lock()

    def reached(self) -> None:
        with self._lock:
            self._unreachable = 0

    def unreachable(self) -> None:
        """One more try without a reply; at the limit the batch stops with JudgeError."""
        with self._lock:
            self._unreachable += 1
            if self._unreachable < self.max_unreachable:
                return
        self.stop.set()
        raise JudgeError(
            f"the judge endpoint could not be reached: {self.max_unreachable} tries in a row failed to connect or timed out. "
            "Check judge.base_url (or JUDGE_BASE_URL) and that the server is running; a slow server needs a larger "
            "judge.timeout_s, a flaky network a larger judge.max_unreachable"
        )  # the URL is not named: it may hold a key


class Sender:
    """send(body, batch) -> Reply, retried with backoff; counts each request sent as a call."""

    def __init__(
        self,
        client: openai.OpenAI,
        config: JudgeConfig,
        count: Callable[[str], None],
        sleep: Callable[[float], None] | None = None,
    ):
        self.client, self.config, self._count, self._sleep = client, config, count, sleep

    def send(self, body: dict[str, Any], batch: Batch) -> Reply:
        c = self.config
        for attempt in range(c.max_retries + 1):
            if batch.stop.is_set():
                return Reply(None)
            self._count("calls")
            wait = None
            try:
                response = self.client.chat.completions.create(**body)
                batch.reached()
                return read(response)
            except openai.APIConnectionError:  # a timeout (APITimeoutError is one) or no connection
                batch.unreachable()
            except openai.APIStatusError as error:
                batch.reached()
                if error.status_code in FATAL_STATUS:
                    batch.stop.set()
                    raise JudgeError(
                        f"the judge endpoint answered HTTP {error.status_code}: check judge.base_url, judge.model and the key"
                    ) from None  # no chained error: its text may name the endpoint
                if error.status_code < 500 and error.status_code not in RETRIED_STATUS:
                    return Reply(None)  # this request is refused (too long, say): no retry will change that
                wait = retry_after(error.response.headers) if error.status_code in WAIT_STATUS else None
            except MALFORMED:
                batch.reached()
            if attempt < c.max_retries:
                backoff = c.retry_base_s * 2**attempt * random.uniform(0.5, 1.0)  # jitter spreads out the threads
                delay = min(c.retry_max_s, backoff if wait is None else wait)
                if self._sleep:
                    self._sleep(delay)
                else:
                    batch.stop.wait(delay)  # Ctrl-C ends the wait at once
        return Reply(None)


def read(response: Any) -> Reply:
    """The reply's text. A reasoning judge that max_tokens stopped inside its thinking sends
    no content at all: that is an empty reply (the parse retries ask again), not a fault."""
    choice = response.choices[0]
    content = "" if choice.message.content is None else choice.message.content
    if not isinstance(content, str):
        raise TypeError("not a chat completion")
    return Reply(content, cut_off=choice.finish_reason == "length")


def in_threads(work: Callable[[Any], Any], items: list, workers: int, stop: threading.Event) -> Iterator[tuple[int, Any]]:
    """(index, work(item)) as each finishes, from at most `workers` threads (started at once)
    that take no new item once `stop` is set. Daemon threads, unlike a ThreadPoolExecutor's:
    the interpreter does not wait for them at exit, so Ctrl-C is not held up by a request in
    flight."""
    todo: queue.SimpleQueue = queue.SimpleQueue()
    done: queue.SimpleQueue = queue.SimpleQueue()
    for pair in enumerate(items):
        todo.put(pair)

    def worker() -> None:
        while not stop.is_set():
            try:
                index, item = todo.get_nowait()
            except queue.Empty:
                return
            try:
                done.put((index, work(item), None))
            except BaseException as error:  # handed to the caller's thread, which raises it
                done.put((index, None, error))

    for number in range(min(workers, len(items))):
        threading.Thread(target=worker, name=f"judge-{number}", daemon=True).start()

    def finished() -> Iterator[tuple[int, Any]]:
        for _ in items:
            index, result, error = done.get()
            if error is not None:
                raise error
            yield index, result

    return finished()
