"""What an update left to do: real conflicts, student-owned files that copier kept although
the template's version differs, and the changelog's new "Action needed" notes.

Only real conflicts count: files git holds as unmerged (copier marks them so), .rej files,
and files with conflict markers at the start of a line. A README that merely quotes the
marker text mid-line is not a conflict.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import copier

CHANGELOG = "TEMPLATE_CHANGELOG.md"
_START = re.compile(r"^<<<<<<< ", re.MULTILINE)
_END = re.compile(r"^>>>>>>> ", re.MULTILINE)


def conflicted_files(project: Path) -> list[str]:
    """Unmerged files, .rej files and files with conflict markers at line start."""
    project = Path(project)
    found = set(_git_lines(project, "diff", "--name-only", "--diff-filter=U"))
    found |= {str(p.relative_to(project)) for p in project.rglob("*.rej") if ".git" not in p.parts}
    for name in _git_lines(project, "diff", "--name-only"):
        if has_conflict_markers(project / name):
            found.add(name)
    return sorted(found)


def has_conflict_markers(path: Path) -> bool:
    if not path.is_file():
        return False
    text = path.read_text(encoding="utf-8", errors="replace")
    return bool(_START.search(text) and _END.search(text))


def differing_student_files(project: Path, answers: dict[str, Any]) -> list[str]:
    """Student-owned files (copier's _skip_if_exists) whose content differs from what the
    template, at the project's recorded version, would write for the same answers."""
    project = Path(project)
    with tempfile.TemporaryDirectory(prefix="capstone-fresh-") as scratch:
        fresh = Path(scratch) / "fresh"
        patterns = render_fresh(answers, fresh)
        differing = set()
        for pattern in patterns:
            for theirs in fresh.glob(pattern):
                name = str(theirs.relative_to(fresh))
                mine = project / name
                if mine.is_file() and mine.read_bytes() != theirs.read_bytes():
                    differing.add(name)
    return sorted(differing)


def render_fresh(answers: dict[str, Any], destination: Path) -> tuple[str, ...]:
    """Render the template at the answers' recorded version, with the same answers, into
    `destination`; return that version's student-owned patterns (_skip_if_exists)."""
    data = {key: value for key, value in answers.items() if not key.startswith("_")}
    worker = copier.run_copy(
        answers["_src_path"], destination, data=data, defaults=True, vcs_ref=answers.get("_commit"), quiet=True, unsafe=False
    )
    return tuple(worker.template.skip_if_exists)


def new_action_notes(before: str, after: str) -> list[str]:
    """ "Action needed" paragraphs of the changelog after the update that were not in it before."""
    seen = set(_paragraphs(before))
    return [p for p in _paragraphs(after) if p.startswith("Action needed") and p not in seen]


def changelog_at_head(project: Path) -> str:
    """The template changelog as committed before the update (empty when there was none)."""
    # "./": from the project, which may be a subfolder of its repository (a bare path starts at the top).
    return "\n".join(_git_lines(Path(project), "show", f"HEAD:./{CHANGELOG}"))


def _paragraphs(text: str) -> list[str]:
    return [" ".join(block.split()) for block in re.split(r"\n\s*\n", text) if block.strip()]


def _git_lines(cwd: Path, *args: str) -> list[str]:
    # Names as they are (not quoted in octal escapes: file names may be Chinese), read as UTF-8 whatever the locale.
    command = ["git", "-c", "core.quotePath=false", *args]
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, encoding="utf-8", errors="replace")
    return result.stdout.splitlines() if result.returncode == 0 else []
