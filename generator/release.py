"""Tag a template release: `python -m generator.release vX.Y.Z` (or `make release VERSION=vX.Y.Z`).

Only the newest commit of main is ever tagged. copier compares versions: a project generated
from an untagged commit records "<last tag>-<n>-g<hash>", and a new tag on an older commit
would look like a downgrade to it, which copier refuses. Tags made here do not travel with
the repository by themselves: push them.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from packaging.version import InvalidVersion, Version

from generator import TEMPLATE_ROOT

VERSION_PATTERN = re.compile(r"v\d+\.\d+\.\d+")


class ReleaseError(RuntimeError):
    """A release the helper refuses, with the fix in the message."""


def release(version: str, repo: Path = TEMPLATE_ROOT, branch: str = "main") -> str:
    """Check everything, then tag HEAD as `version` (annotated); return the tagged commit."""
    check_release(version, repo, branch)
    _git(repo, "tag", "-a", version, "-m", f"posttrain-capstone {version}")
    return _git(repo, "rev-parse", "HEAD").strip()


def check_release(version: str, repo: Path, branch: str = "main") -> None:
    if not VERSION_PATTERN.fullmatch(version):
        raise ReleaseError(f"version '{version}' is not vMAJOR.MINOR.PATCH (e.g. v0.2.0)")
    current = _git(repo, "rev-parse", "--abbrev-ref", "HEAD").strip()
    if current != branch:
        raise ReleaseError(f"releases are tagged on {branch}, not on '{current}': git switch {branch}")
    if _git(repo, "status", "--porcelain").strip():
        raise ReleaseError("the working tree has uncommitted changes: commit them first")
    remote = _try_git(repo, "rev-parse", "--verify", "--quiet", f"origin/{branch}")
    if remote and _try_git(repo, "merge-base", "--is-ancestor", remote.strip(), "HEAD") is None:
        raise ReleaseError(f"{branch} is behind origin/{branch}: git pull first, then release its newest commit")
    latest = latest_tag(repo)
    if latest and Version(version) <= Version(latest):
        raise ReleaseError(f"{version} is not above the latest tag {latest}")
    if _try_git(repo, "tag", "--points-at", "HEAD", "--list", "v*"):
        raise ReleaseError("HEAD is already tagged: commit the changes of the new version first")
    changelog = (Path(repo) / "CHANGELOG.md").read_text(encoding="utf-8")
    if not re.search(rf"^## {re.escape(version)}\b", changelog, re.MULTILINE):
        raise ReleaseError(f"CHANGELOG.md has no '## {version}' section: rename '## Unreleased' to it, run `make sync`, commit")


def latest_tag(repo: Path) -> str | None:
    versions = []
    for tag in _git(repo, "tag", "--list").split():
        try:
            versions.append((Version(tag), tag))
        except InvalidVersion:
            continue
    return max(versions)[1] if versions else None


def _git(repo: Path, *args: str) -> str:
    result = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True)
    if result.returncode != 0:
        raise ReleaseError(f"git {' '.join(args)} failed: {result.stderr.strip()}")
    return result.stdout


def _try_git(repo: Path, *args: str) -> str | None:
    result = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True)
    return result.stdout if result.returncode == 0 else None


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m generator.release vX.Y.Z", file=sys.stderr)
        return 2
    try:
        commit = release(args[0])
    except ReleaseError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"tagged {args[0]} at {commit[:12]}; publish it: git push origin main {args[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
