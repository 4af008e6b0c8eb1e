"""Template files that moved, and carrying a student's edits of them to the new place.

copier update knows files, not moves: a file the template renamed is deleted at its old
path and written fresh at the new one, so a student's edits of it leave the working tree
(they stay in git history). After the update `capstone update` puts them back: a file the
student owns, or wrote where the template had none, moves over whole; a template file
the student edited is merged three ways (the old template's version as the base, the
student's as ours, the new template's as theirs), conflicts marked like copier's own.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
import subprocess
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

# Old path -> new path, relative to the project; {package} is the package name.
# Issue 11 grouped the package into training/, scoring/ and talk/.
MOVES = {
    "src/{package}/data.py": "src/{package}/training/data.py",
    "src/{package}/formats.py": "src/{package}/training/formats.py",
    "src/{package}/modeling.py": "src/{package}/training/modeling.py",
    "src/{package}/tiny.py": "src/{package}/training/tiny.py",
    "src/{package}/training_template.py": "src/{package}/training/chat_template.py",
    "src/{package}/stages/__init__.py": "src/{package}/training/stages/__init__.py",
    "src/{package}/stages/common.py": "src/{package}/training/stages/common.py",
    "src/{package}/stages/sft.py": "src/{package}/training/stages/sft.py",
    "src/{package}/stages/grpo.py": "src/{package}/training/stages/grpo.py",
    "src/{package}/evaluation/__init__.py": "src/{package}/scoring/evaluation/__init__.py",
    "src/{package}/evaluation/generate.py": "src/{package}/scoring/evaluation/generate.py",
    "src/{package}/evaluation/harness.py": "src/{package}/scoring/evaluation/harness.py",
    "src/{package}/evaluation/metrics.py": "src/{package}/scoring/evaluation/metrics.py",
    "src/{package}/evaluation/tasks.py": "src/{package}/scoring/evaluation/tasks.py",
    "src/{package}/rewards/__init__.py": "src/{package}/scoring/rewards/__init__.py",
    "src/{package}/rewards/code.py": "src/{package}/scoring/rewards/code.py",
    "src/{package}/rewards/custom.py": "src/{package}/scoring/rewards/custom.py",
    "src/{package}/rewards/format.py": "src/{package}/scoring/rewards/format.py",
    "src/{package}/rewards/math.py": "src/{package}/scoring/rewards/math.py",
    "src/{package}/rewards/shaping.py": "src/{package}/scoring/rewards/shaping.py",
    "src/{package}/rewards/text.py": "src/{package}/scoring/text.py",
    "src/{package}/sandbox.py": "src/{package}/scoring/sandbox/__init__.py",
    "src/{package}/sandbox_layers.py": "src/{package}/scoring/sandbox/layers.py",
    "src/{package}/sandbox_runner.py": "src/{package}/scoring/sandbox/runner.py",
    "src/{package}/sandbox_supervisor.py": "src/{package}/scoring/sandbox/supervisor.py",
    "src/{package}/demo.py": "src/{package}/talk/demo.py",
    "src/{package}/fonts.py": "src/{package}/talk/fonts.py",
    "src/{package}/plots.py": "src/{package}/talk/plots.py",
    "src/{package}/present.py": "src/{package}/talk/present.py",
    "src/{package}/report.py": "src/{package}/talk/report.py",
    "src/{package}/slides.py": "src/{package}/talk/slides.py",
    "src/{package}/summary.py": "src/{package}/talk/summary.py",
}


@dataclass
class Carried:
    old: str
    new: str
    how: str  # "moved" (the whole file), "merged", "conflict" (merged with markers), "kept" (no new place)


def moved_at_head(project: Path, package: str) -> list[tuple[str, str]]:
    """The moves whose old path the project has committed: (old, new) paths."""
    pairs = [(old.format(package=package), new.format(package=package)) for old, new in MOVES.items()]
    return [(old, new) for old, new in pairs if _committed(project, old) is not None]


def carry_moved_edits(project: Path, moves: list[tuple[str, str]], old_render: Path, owned: Iterable[str]) -> list[Carried]:
    """After copier update: bring each moved file the student changed (as committed at HEAD,
    compared with `old_render`, the old template rendered with the same answers) to its new
    path. Files matching `owned` (copier's _skip_if_exists patterns) move over whole."""
    carried = []
    for old, new in moves:
        mine = _committed(project, old)
        base = old_render / old
        base_text = base.read_text(encoding="utf-8") if base.is_file() else None
        if mine is None or mine == base_text:
            continue  # not there, or untouched: the template's move is all there is
        target = project / new
        if not target.is_file():
            carried.append(Carried(old, new, "kept"))  # the new template has no such file: leave it be
            _restore(project / old, mine)
            continue
        if base_text is None or any(fnmatch.fnmatch(new, pattern) for pattern in owned):
            target.write_text(repoint_imports(mine, old, new, dict(moves)), encoding="utf-8")
            how = "moved"
        else:
            how = _merge(target, base_text, mine)
        (project / old).unlink(missing_ok=True)
        carried.append(Carried(old, new, how))
    return carried


_RELATIVE_IMPORT = re.compile(r"^(\s*from )(\.+)([\w.]*)( import )", re.MULTILINE)


def repoint_imports(text: str, old: str, new: str, moves: dict[str, str]) -> str:
    """Relative imports of a file moved from `old` to `new`, rewritten so each names the same
    module at its new place (`from .text import x` in rewards/custom.py becomes `from ..text import x`
    in scoring/rewards/custom.py)."""

    def new_module(module: str) -> str:
        """A module's path (no suffix) after the moves."""
        for candidate in (f"{module}.py", f"{module}/__init__.py"):
            if candidate in moves:
                return moves[candidate].removesuffix("/__init__.py").removesuffix(".py")
        return module

    def rewrite(match: re.Match) -> str:
        level, dotted = len(match.group(2)), match.group(3)
        folder = posixpath.dirname(old)
        for _ in range(level - 1):
            folder = posixpath.dirname(folder)
        module = new_module(posixpath.join(folder, *dotted.split(".")) if dotted else folder)
        here = posixpath.dirname(new)
        path = posixpath.relpath(module, here)
        relative = [] if path == "." else path.split("/")
        ups = relative.count("..")
        return f"{match.group(1)}{'.' * (ups + 1)}{'.'.join(part for part in relative if part != '..')}{match.group(4)}"

    return _RELATIVE_IMPORT.sub(rewrite, text)


def _merge(target: Path, base: str, mine: str) -> str:
    """Three-way merge into `target` (which holds the new template's version)."""
    with tempfile.TemporaryDirectory(prefix="capstone-move-") as scratch:
        ours, old = Path(scratch, "ours"), Path(scratch, "base")
        ours.write_text(mine, encoding="utf-8")
        old.write_text(base, encoding="utf-8")
        result = subprocess.run(
            [
                "git",
                "merge-file",
                "-L",
                "your edits",
                "-L",
                "template before",
                "-L",
                "template now",
                str(ours),
                str(old),
                str(target),
            ],
            capture_output=True,
            text=True,
        )
        if result.returncode < 0 or result.returncode > 127:
            raise RuntimeError(f"git merge-file failed on {target}: {result.stderr.strip()}")
        target.write_text(ours.read_text(encoding="utf-8"), encoding="utf-8")
    return "conflict" if result.returncode else "merged"


def _restore(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _committed(project: Path, relative: str) -> str | None:
    result = subprocess.run(["git", "show", f"HEAD:{relative}"], cwd=project, capture_output=True, text=True)
    return result.stdout if result.returncode == 0 else None
