"""Copier glue: create a project from a recipe, or update one, with checks first so a
bad request fails with one clear line and leaves nothing half-written."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import copier
import yaml

from generator import TEMPLATE_ROOT
from generator.moves import Carried, carry_moved_edits, moved_at_head
from generator.recipes import get_recipe
from generator.updates import (
    CHANGELOG,
    changelog_at_head,
    conflicted_files,
    differing_student_files,
    new_action_notes,
    render_fresh,
)

ANSWERS_FILE = ".copier-answers.yml"


class ProjectError(RuntimeError):
    """A request the generator refuses, with the reason (and the fix) in the message."""


def new_project(
    recipe_id: str,
    destination: Path,
    data: dict[str, Any] | None = None,
    template: str | Path = TEMPLATE_ROOT,
    vcs_ref: str | None = None,
    quiet: bool = True,
) -> Path:
    """Render `recipe_id` into `destination` (which must not exist or be empty)."""
    get_recipe(recipe_id)  # unknown or invalid recipe: fails here, naming the file and field
    destination = Path(destination)
    if destination.exists() and (not destination.is_dir() or any(destination.iterdir())):
        raise ProjectError(f"destination '{destination}' exists and is not empty; choose a new folder")
    created = not destination.exists()
    try:
        copier.run_copy(
            _absolute_if_local(template),
            str(destination),
            data={**(data or {}), "recipe": recipe_id},
            defaults=True,
            vcs_ref=vcs_ref,
            quiet=quiet,
            unsafe=False,  # the template needs no --trust: no tasks, migrations or extensions
        )
    except Exception as error:
        if created:
            shutil.rmtree(destination, ignore_errors=True)
        else:  # it was an empty folder: empty it again
            for child in destination.iterdir():
                if child.is_dir():
                    shutil.rmtree(child)
                else:
                    child.unlink()
        raise ProjectError(_one_line(error)) from error
    return destination


def read_answers(project: Path) -> dict[str, Any]:
    path = Path(project) / ANSWERS_FILE
    if not path.is_file():
        raise ProjectError(f"'{project}' is not a generated project (no {ANSWERS_FILE})")
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


@dataclass
class UpdateReport:
    before: str | None
    after: str | None
    conflicts: list[str] = field(default_factory=list)
    kept_student_files: list[str] = field(default_factory=list)  # skipped, and differ from the template's
    action_notes: list[str] = field(default_factory=list)  # new "Action needed" paragraphs of the changelog
    carried: list[Carried] = field(default_factory=list)  # the student's work in files and folders the template moved


def update_project(project: Path, vcs_ref: str | None = None, conflict: str = "inline", quiet: bool = True) -> UpdateReport:
    """Run `copier update` on a clean git tree and report versions and conflicted files."""
    project = Path(project)
    before = read_answers(project).get("_commit")
    template_source(project)
    status = _git(project, "status", "--porcelain")
    if status is None:
        raise ProjectError(f"'{project}' is not a git repository; copier update needs git (git init && git add -A && git commit)")
    if status.strip():
        raise ProjectError(f"'{project}' has uncommitted changes; commit or stash them first (git add -A && git commit -m wip)")
    answers_before = read_answers(project)
    moves = moved_at_head(project, answers_before.get("package_name", ""))
    # From inside the project, as `copier update` is run by hand: a template path stored
    # relative to the project then resolves the same way.
    with _working_directory(project), tempfile.TemporaryDirectory(prefix="capstone-old-") as scratch:
        old_render, owned = Path(scratch) / "old", ()
        try:
            if moves:  # the old template's files, the base for carrying edits of moved files
                owned = render_fresh(answers_before, old_render)
            copier.run_update(".", defaults=True, overwrite=True, vcs_ref=vcs_ref, conflict=conflict, quiet=quiet, unsafe=False)
        except Exception as error:
            raise ProjectError(_one_line(error)) from error
        carried = carry_moved_edits(Path("."), moves, old_render, owned) if moves else []
        answers = read_answers(Path("."))
        kept = differing_student_files(Path("."), answers)
    changelog = project / CHANGELOG
    notes = new_action_notes(changelog_at_head(project), changelog.read_text(encoding="utf-8") if changelog.is_file() else "")
    conflicts = sorted(set(conflicted_files(project)) | {c.new for c in carried if c.how == "conflict"})
    return UpdateReport(before, answers.get("_commit"), conflicts, kept, notes, carried)


def template_source(project: Path) -> str:
    """The template the project records, checked to be reachable from the project folder."""
    source = str(read_answers(project).get("_src_path") or "")
    if not source:
        raise ProjectError(f"{ANSWERS_FILE} of '{project}' records no template (_src_path)")
    if not _is_remote(source) and not (Path(project) / Path(source).expanduser()).is_dir():
        raise ProjectError(
            f"the template '{source}' recorded in {ANSWERS_FILE} is not found from '{project}' (a relative path "
            f"is read from the project folder): set _src_path in {ANSWERS_FILE} to the template's absolute path "
            "or git URL, commit, and run again"
        )
    return source


def latest_version(project: Path) -> str | None:
    """The newest version tag of the project's template source, as copier would pick it."""
    from packaging.version import InvalidVersion, Version

    source = read_answers(project).get("_src_path")
    listing = _git(Path(project), "ls-remote", "--tags", str(source)) if source else None
    versions = []
    for line in (listing or "").splitlines():
        tag = line.rsplit("refs/tags/", 1)[-1].removesuffix("^{}")
        try:
            versions.append((Version(tag), tag))
        except InvalidVersion:
            continue
    return max(versions)[1] if versions else None


def _is_remote(source: str) -> bool:
    """A git URL or copier shortcut (https://, ssh://, git@host:, gh:, gl:), not a folder."""
    return bool(re.match(r"([A-Za-z][A-Za-z0-9+.-]*://|[^/\\]*@|gh:|gl:)", source))


def _absolute_if_local(template: str | Path) -> str:
    """copier records the template as given; a relative folder would break later updates."""
    template = str(template)
    return template if _is_remote(template) else str(Path(template).expanduser().resolve())


@contextmanager
def _working_directory(path: Path) -> Iterator[None]:
    previous = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(previous)


def _git(cwd: Path, *args: str) -> str | None:
    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, encoding="utf-8", errors="replace")
    return result.stdout if result.returncode == 0 else None


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__
