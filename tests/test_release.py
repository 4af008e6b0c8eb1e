"""Releasing: only the newest commit of main is tagged, with the reasons for refusing."""

from __future__ import annotations

import pytest

from generator.project import update_project
from generator.release import ReleaseError, release

from .test_update import answers, generate, git, template  # noqa: F401  (template: the fixture)


def test_release_tags_the_newest_commit_so_projects_made_in_between_can_update(template, tmp_path):
    """A project generated from an untagged commit after v1 updates to the next release."""
    template.edit("templates/Makefile.jinja", lambda s: s.replace("# Thin aliases;", "# Thin aliases (between);"))
    template.release(None)
    project = generate(template, tmp_path / "between", vcs_ref="HEAD")
    assert answers(project)["_commit"].startswith("v1-1-g")
    template.edit("CHANGELOG.md", lambda s: s.replace("## Unreleased", "## Unreleased\n\n## v1.1.0", 1))
    template.release(None)

    tagged = release("v1.1.0", template.root)

    assert tagged == git(template.root, "rev-parse", "HEAD").strip()
    report = update_project(project)
    assert (report.after, report.conflicts) == ("v1.1.0", [])


@pytest.mark.parametrize(
    ("setup", "version", "message"),
    [
        (lambda root: None, "1.1.0", "vMAJOR.MINOR.PATCH"),
        (lambda root: None, "v0.9.0", "not above the latest tag v1"),
        (lambda root: None, "v1.2.0", "no '## v1.2.0' section"),
        (lambda root: (root / "notes.txt").write_text("wip", encoding="utf-8"), "v1.1.0", "uncommitted changes"),
        (lambda root: git(root, "checkout", "-q", "--detach", "HEAD~1"), "v1.1.0", "not on 'HEAD'"),
        (lambda root: git(root, "tag", "v1.0.5"), "v1.1.0", "already tagged"),
    ],
    ids=["not-a-version", "not-above", "no-changelog-section", "dirty", "older-commit", "head-tagged"],
)
def test_release_refuses_with_the_reason(template, setup, version, message):
    template.edit("CHANGELOG.md", lambda s: s.replace("## Unreleased", "## Unreleased\n\n## v1.1.0", 1))
    template.release(None)
    setup(template.root)
    tags = git(template.root, "tag", "--list")
    with pytest.raises(ReleaseError, match=message):
        release(version, template.root)
    assert git(template.root, "tag", "--list") == tags


def test_release_refuses_a_main_behind_its_origin(template, tmp_path):
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(template.root), str(clone))
    template.edit("CHANGELOG.md", lambda s: s.replace("## Unreleased", "## Unreleased\n\n## v1.1.0", 1))
    template.release(None)
    git(clone, "fetch", "-q", "origin")
    with pytest.raises(ReleaseError, match="behind origin/main"):
        release("v1.1.0", clone)
