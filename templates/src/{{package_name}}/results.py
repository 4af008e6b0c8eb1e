"""outputs/results.json: the one file plots, slides and reports are made from.

    {"recipe": ..., "profile": ..., "base_model": ...,
     "stages": [{"name", "model_path", "summary", "log_history"}, ...],
     "evaluations": [{"model", "model_path", "metrics", "generation", ...}, ...]}

It is rewritten after every stage and evaluation, so a crash loses nothing done.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

RESULTS_FILE = "results.json"


@dataclass
class Results:
    recipe: str
    profile: str | None
    base_model: str
    stages: list[dict[str, Any]] = field(default_factory=list)
    evaluations: list[dict[str, Any]] = field(default_factory=list)

    def put(self, section: str, entry: dict[str, Any], key: str) -> None:
        """Add an entry, replacing an earlier one for the same stage or model."""
        entries = [e for e in getattr(self, section) if e[key] != entry[key]]
        setattr(self, section, entries + [entry])

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(self), indent=2, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)  # atomic: readers never see half a file

    @classmethod
    def load(cls, path: Path) -> Results:
        return cls(**json.loads(path.read_text(encoding="utf-8")))
