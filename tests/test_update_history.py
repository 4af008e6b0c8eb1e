"""Updates along this repository's real history: a project generated at an earlier commit,
edited by a student, updated to the working tree of today.

The template repository is a clone of this repository; earlier commits are found by what
they contain (not by hash, not by tags: tags made here may not travel with the repository),
tagged v0.1.0, and this working tree is committed on top as v0.2.0.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import copier
import pytest
import tomllib
import yaml

from generator import TEMPLATE_ROOT, cli
from generator.project import update_project

from .conftest import run_in
from .test_update import copy_working_tree, git

OLD, NEW = "v0.1.0", "v0.2.0"


def has_history() -> bool:
    result = subprocess.run(["git", "rev-parse", "--is-shallow-repository"], cwd=TEMPLATE_ROOT, capture_output=True, text=True)
    return result.returncode == 0 and result.stdout.strip() == "false"


pytestmark = pytest.mark.skipif(
    not has_history(), reason="needs this repository's full git history (not a shallow clone or an export)"
)


class History:
    """A clone of this repository: an earlier commit tagged OLD, this working tree tagged NEW."""

    def __init__(self, root: Path):
        self.root = root
        # Without this repository's tags: a real release tag (v0.1.0, ...) must not collide with
        # the tags this test makes, nor become the version copier updates to.
        git(root.parent, "clone", "-q", "--no-tags", str(TEMPLATE_ROOT), str(root))
        assert git(root, "tag", "--list").strip() == ""

    def first_commit(self) -> str:
        """The first commit: the template as it first worked."""
        return git(self.root, "rev-list", "--max-parents=0", "HEAD").split()[0]

    def first_commit_quoting_conflict_markers(self) -> str:
        """The first commit whose generated README quotes copier's conflict marker text."""
        found = git(self.root, "log", "--reverse", "--format=%H", "-S<<<<<<< before updating", "--", "templates/README.md.jinja")
        return found.split()[0]

    def last_commit_before_custom_rewards(self) -> str:
        """The commit before rewards/custom.py became a template (student-owned) file."""
        added = git(self.root, "log", "--diff-filter=A", "--format=%H", "--", "templates/src/*/custom.py").split()
        return git(self.root, "rev-parse", f"{added[-1]}^").strip()

    def last_commit_before_the_regrouping(self) -> str:
        """The last commit whose package was a flat row of modules (stages/ at the top)."""
        removed = git(
            self.root, "log", "--diff-filter=D", "--format=%H", "--", "templates/src/{{package_name}}/stages/__init__.py"
        ).split()
        return git(self.root, "rev-parse", f"{removed[-1]}^").strip()

    def tag(self, old_commit: str) -> None:
        git(self.root, "tag", OLD, old_commit)
        copy_working_tree(self.root)
        git(self.root, "add", "-A")
        git(self.root, "commit", "--allow-empty", "-qm", "today")
        git(self.root, "tag", NEW)


@pytest.fixture
def history(tmp_path) -> History:
    return History(tmp_path / "template")


def generate_old(history: History, destination: Path, **data) -> Path:
    copier.run_copy(str(history.root), str(destination), data=data, defaults=True, quiet=True, vcs_ref=OLD)
    git(destination, "init", "-q")
    git(destination, "add", "-A")
    git(destination, "commit", "-qm", "generated")
    return destination


def student_commit(project: Path, relative: str, text: str) -> None:
    path = project / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    git(project, "add", "-A")
    git(project, "commit", "-qm", f"my {relative}")


def test_the_first_commit_updates_to_today_keeping_the_name_and_the_students_work(capsys, history, tmp_path):
    """project_name was the distribution name then; it stays the project's names now."""
    history.tag(history.first_commit())
    project = generate_old(history, tmp_path / "p", recipe="instruction-sft", project_name="Math.RL_2026", language="en")
    student_commit(project, "notes/plan.md", "# my plan\n")

    code = cli.main(["update", str(project)])

    out = capsys.readouterr().out
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text(encoding="utf-8"))
    assert code == 0 and "conflicts to resolve" not in out, out
    assert (answers["_commit"], answers["dist_name"], answers["package_name"]) == (NEW, "Math.RL_2026", "math_rl_2026")
    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["name"] == "Math.RL_2026"
    assert (project / "notes/plan.md").read_text(encoding="utf-8") == "# my plan\n"
    # The project now carries the changelog, and the update said what to do.
    assert (project / "TEMPLATE_CHANGELOG.md").is_file() and "Action needed" in out


def test_an_update_that_changes_the_readme_reports_no_false_conflict(capsys, history, tmp_path):
    history.tag(history.first_commit_quoting_conflict_markers())
    project = generate_old(history, tmp_path / "p", recipe="instruction-sft")
    student_commit(project, "data/eval_prompts.jsonl", '{"id": "mine", "messages": [{"role": "user", "content": "你好"}]}\n')

    report = update_project(project)

    assert "<<<<<<< before updating" in (project / "README.md").read_text(encoding="utf-8")
    assert git(project, "diff", "--name-only", "HEAD", "--", "README.md").strip() == "README.md"
    assert (report.after, report.conflicts) == (NEW, [])
    assert "data/eval_prompts.jsonl" in report.kept_student_files


@pytest.mark.slow
def test_own_rewards_written_before_custom_py_existed_still_load_after_the_update(capsys, history, tmp_path):
    history.tag(history.last_commit_before_custom_rewards())
    project = generate_old(history, tmp_path / "p", recipe="math-reasoning", language="en")
    package = yaml.safe_load((project / ".copier-answers.yml").read_text(encoding="utf-8"))["package_name"]
    own = f"src/{package}/rewards/custom.py"
    assert not (project / own).exists()
    student_commit(
        project,
        own,
        '"""My rewards, from before the template had this file."""\n\n\n'
        "def brevity(completions, **kwargs):\n    return [1.0 for _ in completions]\n",
    )

    code = cli.main(["update", str(project)])

    out = capsys.readouterr().out
    assert code == 0, out
    # The package was regrouped since: the file moved to scoring/rewards/ with the rest.
    moved = f"src/{package}/scoring/rewards/custom.py"
    assert f"{own} -> {moved} (moved)" in out
    assert moved in out.split("template's version differs", 1)[1]
    assert "Action needed" in out and "CUSTOM_REWARDS" in out
    assert "def brevity" in (project / moved).read_text(encoding="utf-8") and not (project / own).exists()
    loaded = run_in(
        project,
        "-c",
        f"from {package}.scoring import rewards; print(sorted(rewards.CUSTOM_REWARDS), 'accuracy' in rewards.REWARDS)",
    )
    assert loaded.returncode == 0, loaded.stderr[-2000:]
    assert loaded.stdout.split() == ["[]", "True"]
    assert "defines no CUSTOM_REWARDS" in loaded.stderr


@pytest.mark.slow
def test_edits_of_files_the_regrouping_moved_go_with_them(capsys, history, tmp_path):
    """copier update deletes a moved file at its old path; capstone update carries the
    student's edits to the new path: merged into a template file, whole for their own file."""
    history.tag(history.last_commit_before_the_regrouping())
    project = generate_old(history, tmp_path / "p", recipe="math-reasoning", language="en", project_name="moved")
    sft, custom = project / "src/moved/stages/sft.py", project / "src/moved/rewards/custom.py"
    student_commit(project, "src/moved/stages/sft.py", "# my SFT note\n" + sft.read_text(encoding="utf-8"))
    student_commit(project, "src/moved/rewards/custom.py", custom.read_text(encoding="utf-8") + "\n# my reward note\n")
    # Modules of the student's own in the moved folders, importing the template's modules.
    own = {
        "stages/dpo.py": "from .common import finish\nfrom .. import sandbox\nfrom ..evaluation.metrics import mean\n",
        "rewards/my_rewards.py": "from .text import completion_text\nfrom moved.rewards.math import accuracy_reward\n",
        "evaluation/foo.py": "from .metrics import mean, rate\n",
    }
    for name, text in own.items():
        student_commit(project, f"src/moved/{name}", text)

    code = cli.main(["update", str(project)])

    out = capsys.readouterr().out
    assert code == 0, out
    assert "src/moved/stages/sft.py -> src/moved/training/stages/sft.py (merged)" in out
    assert "src/moved/rewards/custom.py -> src/moved/scoring/rewards/custom.py (moved)" in out
    for old, new in [("stages", "training/stages"), ("rewards", "scoring/rewards"), ("evaluation", "scoring/evaluation")]:
        name = next(name for name in own if name.startswith(old))
        assert f"src/moved/{name} -> src/moved/{new}/{name.split('/')[1]} (moved)" in out
    merged = (project / "src/moved/training/stages/sft.py").read_text(encoding="utf-8")
    assert merged.startswith("# my SFT note\n") and "def build_trainer(" in merged  # mine and the template's new code
    assert "# my reward note" in (project / "src/moved/scoring/rewards/custom.py").read_text(encoding="utf-8")
    for folder in ("stages", "rewards", "evaluation"):
        assert not (project / "src/moved" / folder).exists(), folder
    modules = "moved.training.stages.sft, moved.scoring.rewards, moved.training.stages.dpo"
    modules += ", moved.scoring.rewards.my_rewards, moved.scoring.evaluation.foo"
    imported = run_in(project, "-c", f"import {modules}; from moved.training.stages.dpo import sandbox; sandbox.Sandbox")
    assert imported.returncode == 0, imported.stderr[-2000:]
