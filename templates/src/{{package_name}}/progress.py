"""Progress of long work (generation, sandbox batches, data preparation) on stderr.

In a terminal: a rich bar with the description, done/total, elapsed time and ETA.
Elsewhere (CI, `make eval > log`), a plain line at most every 60 s and a closing line,
so short work stays silent and a long job still leaves a heartbeat in its log.
CAPSTONE_PROGRESS=on|off|auto (default auto) forces the choice, e.g. off for scripts.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TypeVar

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

T = TypeVar("T")
ENV = "CAPSTONE_PROGRESS"
LINE_INTERVAL_S = 60.0
_stderr: Console | None = None


def stderr_console() -> Console:
    """One shared console, so bars started inside others stack instead of overwriting each other."""
    global _stderr
    if _stderr is None:
        _stderr = Console(stderr=True)
    return _stderr


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def display_mode(console: Console) -> str:
    """'bar', 'lines' or 'off'."""
    choice = os.environ.get(ENV, "auto").strip().lower()
    if choice not in ("auto", "on", "off"):
        raise ValueError(f"{ENV} must be auto, on or off, got '{choice}'")
    if choice == "off":
        return "off"
    if choice == "on" or (console.is_terminal and not in_ci()):
        return "bar"
    return "lines"


@contextmanager
def progress(
    description: str | None, total: int, console: Console | None = None, clock: Callable[[], float] = time.monotonic
) -> Iterator[Callable[[int], None]]:
    """Yields `advance(n=1)`; the bar (or log lines) lasts as long as the block.
    No description, no display: callers make progress opt-in by passing None."""
    console = console or stderr_console()
    mode = display_mode(console) if description is not None else "off"
    if mode == "off":
        yield lambda n=1: None
    elif mode == "lines":
        lines = _Lines(description, total, console, clock)
        yield lines.advance
        lines.finish()
    else:
        with _bar(console) as bar:
            task = bar.add_task(description, total=total)
            yield lambda n=1: bar.advance(task, n)


def track(items: Iterable[T], description: str | None, total: int | None = None, console: Console | None = None) -> Iterator[T]:
    """Each item of `items`, counted as it is done (the next one is asked for)."""
    total = len(items) if total is None else total  # type: ignore[arg-type]
    with progress(description, total, console) as advance:
        for item in items:
            yield item
            advance(1)


def batches(items: Sequence[T], size: int, description: str | None, console: Console | None = None) -> Iterator[Sequence[T]]:
    """Consecutive slices of `size` items, counted in items rather than in batches."""
    with progress(description, len(items), console) as advance:
        for start in range(0, len(items), size):
            batch = items[start : start + size]
            yield batch
            advance(len(batch))


def _bar(console: Console) -> Progress:
    return Progress(
        TextColumn("{task.description}", style="progress.description", markup=False),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=console,
    )


class _Lines:
    """A plain line every LINE_INTERVAL_S, and a closing one only if the work was that long."""

    def __init__(self, description: str, total: int, console: Console, clock: Callable[[], float]):
        self.description, self.total, self.console, self.clock = description, total, console, clock
        self.done = 0
        self.started = self.last_line = clock()

    def advance(self, n: int = 1) -> None:
        self.done += n
        now = self.clock()
        if now - self.last_line >= LINE_INTERVAL_S and self.done < self.total:
            self.last_line = now
            elapsed = now - self.started
            left = elapsed * (self.total - self.done) / self.done if self.done else None
            eta = f", about {_duration(left)} left" if left is not None else ""
            self._say(f"{self.done}/{self.total} ({self.done / max(self.total, 1):.0%}), {_duration(elapsed)} elapsed{eta}")

    def finish(self) -> None:
        elapsed = self.clock() - self.started
        if elapsed >= LINE_INTERVAL_S:
            self._say(f"{self.done}/{self.total} done in {_duration(elapsed)}")

    def _say(self, text: str) -> None:
        # Plain text, not console.print: no markup, wrapping or colour codes in a log file.
        print(f"{self.description}: {text}", file=self.console.file, flush=True)


def _duration(seconds: float) -> str:
    minutes, seconds = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{seconds:02d}s" if minutes else f"{seconds}s"
