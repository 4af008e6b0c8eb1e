"""The judge's replies on disk, keyed on the full request, so no reply is paid for twice.

The key is a sha256 of the endpoint's URL and the request body (model, messages,
temperature, max_tokens): a change of prompt wording, rubric, judge model or server asks
again, and nothing else does. Neither the URL nor the API key is stored; the replies are.
One SQLite file, written as each reply arrives (an interrupted run keeps what it got),
shared safely by threads (one lock) and by processes (SQLite's own locking).
Delete the file to ask everything again.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from pathlib import Path
from typing import Any


def request_key(body: dict[str, Any]) -> str:
    """The cache key of a request body: the same request always gives the same key.

    Example:
        >>> request_key({"model": "m", "messages": []}) == request_key({"messages": [], "model": "m"})
        True
    """
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


class ReplyCache:
    """get(key) -> the stored reply or None; put(key, reply) stores it at once."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, timeout=60, check_same_thread=False)
        with self._lock, self._db:
            self._db.execute("CREATE TABLE IF NOT EXISTS replies (key TEXT PRIMARY KEY, reply TEXT NOT NULL)")

    def get(self, key: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT reply FROM replies WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def put(self, key: str, reply: str) -> None:
        with self._lock, self._db:  # the connection as a context manager commits
            self._db.execute("INSERT OR REPLACE INTO replies (key, reply) VALUES (?, ?)", (key, reply))

    def __len__(self) -> int:
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM replies").fetchone()[0]

    def close(self) -> None:
        with self._lock:
            self._db.close()
