"""`copier update` / `capstone update` against real template repositories built from this
working tree (commit, tag, change, tag again) and real generated projects under git.
test_update_history.py updates projects generated at real earlier commits of this repository."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import copier
import pytest
import yaml

from generator import TEMPLATE_ROOT, cli
from generator.project import ProjectError, update_project
from generator.updates import conflicted_files, has_conflict_markers

from .conftest import DEFAULT_DATA, RECIPE_IDS, run_in

PACKAGE_DIR = "templates/src/{{package_name}}"


def git(cwd: Path, *args: str) -> str:
    command = ["git", "-c", "user.name=test", "-c", "user.email=test@localhost", *args]
    return subprocess.run(command, cwd=cwd, check=True, capture_output=True, text=True).stdout


def copy_working_tree(root: Path) -> None:
    """This working tree's template files (uncommitted changes included) into root."""
    shutil.copy2(TEMPLATE_ROOT / "copier.yml", root / "copier.yml")
    shutil.copy2(TEMPLATE_ROOT / "CHANGELOG.md", root / "CHANGELOG.md")
    for folder in ("templates", "recipes"):
        shutil.rmtree(root / folder, ignore_errors=True)
        shutil.copytree(TEMPLATE_ROOT / folder, root / folder, ignore=shutil.ignore_patterns("__pycache__"))


class TemplateRepo:
    """A template repository on branch main: this working tree's template, committed and
    tagged v1 (or left untagged)."""

    def __init__(self, root: Path, tag: str | None = "v1"):
        self.root = root
        root.mkdir()
        copy_working_tree(root)
        git(root, "init", "-q", "-b", "main")
        self.release(tag)

    def edit(self, relative: str, change: Callable[[str], str]) -> None:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(change(path.read_text(encoding="utf-8") if path.exists() else ""), encoding="utf-8")

    def release(self, tag: str | None) -> None:
        """Commit the changes; tag the commit unless tag is None."""
        git(self.root, "add", "-A")
        git(self.root, "commit", "-qm", f"release {tag or 'untagged'}")
        if tag:
            git(self.root, "tag", tag)


def generate(
    template: TemplateRepo, destination: Path, recipe: str = "instruction-sft", vcs_ref: str | None = "v1", **data
) -> Path:
    copier.run_copy(
        str(template.root),
        str(destination),
        data={"recipe": recipe, **DEFAULT_DATA[recipe], **data},
        defaults=True,
        quiet=True,
        vcs_ref=vcs_ref,
    )
    commit_project(destination)
    return destination


def commit_project(project: Path) -> None:
    git(project, "init", "-q")
    git(project, "add", "-A")
    git(project, "commit", "-qm", "generated")


def student_edit(project: Path, relative: str, change: Callable[[str], str]) -> None:
    path = project / relative
    path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")
    git(project, "commit", "-qam", f"my edit of {relative}")


@pytest.fixture
def template(tmp_path) -> TemplateRepo:
    return TemplateRepo(tmp_path / "template")


@pytest.fixture
def project(template, tmp_path) -> Path:
    return generate(template, tmp_path / "project", language="en", project_name="kept-name")


def answers(project: Path) -> dict:
    return yaml.safe_load((project / ".copier-answers.yml").read_text(encoding="utf-8"))


def test_template_change_arrives_and_student_edit_in_same_file_survives(template, project):
    template.edit(
        f"{PACKAGE_DIR}/training/data.py", lambda s: s.replace("    seed: int = 42\n", "    seed: int = 42  # v2 fix\n")
    )
    template.release("v2")
    student_edit(project, "src/kept_name/training/data.py", lambda s: s + "\n\ndef my_filter(row):\n    return True\n")

    report = update_project(project)

    text = (project / "src/kept_name/training/data.py").read_text(encoding="utf-8")
    assert "# v2 fix" in text and "def my_filter(row):" in text
    assert (report.before, report.after, report.conflicts) == ("v1", "v2", [])


def test_student_owned_file_keeps_the_students_version_exactly(template, project):
    template.edit("templates/data/eval_prompts.jsonl", lambda s: s + '{"id": "new-template-prompt"}\n')
    template.release("v2")
    mine = '{"id": "my-own-prompt", "messages": [{"role": "user", "content": "hi"}]}\n'
    student_edit(project, "data/eval_prompts.jsonl", lambda s: mine)

    update_project(project)

    assert (project / "data/eval_prompts.jsonl").read_text(encoding="utf-8") == mine


@pytest.mark.parametrize(
    ("template_file", "project_file"),
    [
        ("templates/slides/content.yaml.jinja", "slides/content.yaml"),
        ("templates/report/report.md.jinja", "report/report.md"),
        (PACKAGE_DIR + "/scoring/rewards/custom.py", "src/kept_name/scoring/rewards/custom.py"),
    ],
    ids=["slide-words", "report", "custom-rewards"],
)
def test_talk_material_and_own_rewards_stay_the_students(template, tmp_path, template_file, project_file):
    project = generate(template, tmp_path / "math", recipe="math-reasoning", language="en", project_name="kept-name")
    template.edit(template_file, lambda s: s + "\n# v2 template change\n")
    template.release("v2")
    student_edit(project, project_file, lambda s: s + "\n# my own words\n")
    mine = (project / project_file).read_text(encoding="utf-8")

    update_project(project)

    assert (project / project_file).read_text(encoding="utf-8") == mine


def test_overlapping_edit_is_marked_as_a_conflict_and_nothing_is_lost(capsys, template, project):
    template.edit(
        f"{PACKAGE_DIR}/training/data.py", lambda s: s.replace("    seed: int = 42\n", "    seed: int = 7  # template\n")
    )
    template.release("v2")
    student_edit(
        project, "src/kept_name/training/data.py", lambda s: s.replace("    seed: int = 42\n", "    seed: int = 1234  # mine\n")
    )

    code = cli.main(["update", str(project)])

    out = capsys.readouterr().out
    text = (project / "src/kept_name/training/data.py").read_text(encoding="utf-8")
    assert "template version v1; updating to v2" in out
    assert code == 1 and "conflicts to resolve" in out and "src/kept_name/training/data.py" in out
    assert "seed: int = 1234  # mine" in text and "seed: int = 7  # template" in text
    assert "<<<<<<< before updating" in text and ">>>>>>> after updating" in text


def test_conflicts_as_rej_files_when_asked(template, project):
    template.edit(f"{PACKAGE_DIR}/training/data.py", lambda s: s.replace("    seed: int = 42\n", "    seed: int = 7\n"))
    template.release("v2")
    student_edit(project, "src/kept_name/training/data.py", lambda s: s.replace("    seed: int = 42\n", "    seed: int = 1234\n"))

    report = update_project(project, conflict="rej")

    rejected = [name for name in report.conflicts if name.endswith(".rej")]
    assert rejected, report.conflicts
    # The file takes one side; the other side waits, whole, in the .rej file.
    both = (project / "src/kept_name/training/data.py").read_text(encoding="utf-8") + (project / rejected[0]).read_text(
        encoding="utf-8"
    )
    assert "seed: int = 1234" in both and "seed: int = 7" in both


def test_new_question_gets_its_default_and_old_answers_are_kept(template, project):
    template.edit("copier.yml", lambda s: s + "\nnew_option:\n  type: str\n  help: added in v2\n  default: shiny\n")
    template.edit("templates/NEW_OPTION.txt.jinja", lambda s: "{{ new_option }}\n")
    template.release("v2")

    update_project(project)

    after = answers(project)
    assert after["new_option"] == "shiny"
    assert (after["recipe"], after["package_name"], after["language"]) == ("instruction-sft", "kept_name", "en")
    assert (project / "NEW_OPTION.txt").read_text(encoding="utf-8") == "shiny\n"


def test_new_stage_file_for_the_recipe_arrives(template, project):
    """A file the template adds arrives; one that _exclude leaves out for the recipe does not."""
    template.edit(f"{PACKAGE_DIR}/training/stages/sft_callbacks.py", lambda s: '"""Callbacks for the SFT stage (new in v2)."""\n')
    template.edit(f"{PACKAGE_DIR}/scoring/rewards/extra.py", lambda s: "# not for a chat-only recipe\n")
    template.release("v2")

    update_project(project)

    assert (project / "src/kept_name/training/stages/sft_callbacks.py").is_file()
    assert not (project / "src/kept_name/scoring/rewards").exists()


def test_update_to_a_version_that_does_not_exist_fails_and_changes_nothing(capsys, project):
    head = git(project, "rev-parse", "HEAD")
    code = cli.main(["update", str(project), "--vcs-ref", "v99"])
    err = capsys.readouterr().err
    assert code == 2 and "v99" in err and len(err.strip().splitlines()) == 1
    assert git(project, "rev-parse", "HEAD") == head and git(project, "status", "--porcelain") == ""


def test_update_of_a_folder_without_answers_fails(tmp_path):
    with pytest.raises(ProjectError, match="not a generated project"):
        update_project(tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("recipe_id", RECIPE_IDS)
def test_every_recipe_still_works_after_an_update(template, tmp_path, recipe_id):
    """v1 is this working tree's template; v2 adds a change to a template-owned file.
    After the update the project's tiny pipeline and its own tests must pass."""
    project = generate(template, tmp_path / recipe_id, recipe_id)
    template.edit("templates/Makefile.jinja", lambda s: s.replace("# Thin aliases;", "# Thin aliases (v2);"))
    template.release("v2")

    report = update_project(project)

    assert (report.after, report.conflicts) == ("v2", [])
    assert "(v2)" in (project / "Makefile").read_text(encoding="utf-8")
    smoke = run_in(project, "-m", "my_capstone", "run", "--profile", "tiny")
    assert smoke.returncode == 0, smoke.stderr[-3000:]
    own_tests = run_in(project, "-m", "pytest", "-q", "-p", "no:cacheprovider")
    assert own_tests.returncode == 0, own_tests.stdout[-3000:]


# ---------------------------------------------------------------- real conflicts only (issue 9, item 17)


def test_a_template_change_to_the_readme_is_not_a_conflict(capsys, template, project):
    """The README quotes the conflict marker text; only markers at line start count."""
    template.edit("templates/README.md.jinja", lambda s: s + "\nA v2 paragraph for every project.\n")
    template.release("v2")
    student_edit(project, "src/kept_name/training/data.py", lambda s: s + "\n\ndef my_filter(row):\n    return True\n")

    code = cli.main(["update", str(project)])

    out = capsys.readouterr().out
    readme = (project / "README.md").read_text(encoding="utf-8")
    assert "A v2 paragraph for every project." in readme and "<<<<<<< before updating" in readme
    assert code == 0 and "conflicts to resolve" not in out, out
    assert conflicted_files(project) == []


def test_markers_count_only_at_line_start_and_in_pairs(tmp_path):
    quoted = tmp_path / "quoted.md"
    quoted.write_text("the file gets `<<<<<<< before updating` /\n`>>>>>>> after updating` markers\n", encoding="utf-8")
    heading = tmp_path / "heading.md"
    heading.write_text("Title\n=======\n", encoding="utf-8")
    real = tmp_path / "real.py"
    real.write_text("<<<<<<< before updating\na = 1\n=======\na = 2\n>>>>>>> after updating\n", encoding="utf-8")
    assert [has_conflict_markers(p) for p in (quoted, heading, real)] == [False, False, True]


# ---------------------------------------------------------------- student-owned files (item 19)


def test_update_lists_own_files_that_differ_from_the_templates(capsys, template, tmp_path):
    project = generate(template, tmp_path / "math", recipe="math-reasoning", language="en")
    template.edit("templates/report/report.md.jinja", lambda s: s + "\nA v2 section.\n")
    template.release("v2")
    student_edit(project, "slides/content.yaml", lambda s: s + "\n# my own words\n")

    code = cli.main(["update", str(project)])

    out = capsys.readouterr().out
    assert code == 0
    listed = out.split("template's version differs", 1)[1].split("next:", 1)[0]
    # Both differ: one edited by the student, one changed by the template; untouched ones are not listed.
    assert "slides/content.yaml" in listed and "report/report.md" in listed
    assert "data/samples" not in listed and "rewards/custom.py" not in listed


# ---------------------------------------------------------------- template paths (item 20)


def copier_cli(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    copier_bin = Path(sys.executable).parent / "copier"
    return subprocess.run([str(copier_bin), *args], cwd=cwd, capture_output=True, text=True, timeout=600)


def test_capstone_new_with_a_relative_template_path_then_update_from_elsewhere(capsys, template, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["new", "instruction-sft", "proj", "--template", "template", "--vcs-ref", "v1"]) == 0
    assert Path(answers(tmp_path / "proj")["_src_path"]) == template.root.resolve()
    commit_project(tmp_path / "proj")
    template.edit("templates/Makefile.jinja", lambda s: s.replace("# Thin aliases;", "# Thin aliases (v2);"))
    template.release("v2")
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")

    code = cli.main(["update", "../proj"])

    assert code == 0, capsys.readouterr()
    assert "(v2)" in (tmp_path / "proj/Makefile").read_text(encoding="utf-8")


def test_plain_copier_with_a_relative_template_path_updates_from_inside_the_project(template, tmp_path):
    copied = copier_cli(
        tmp_path, "copy", "--defaults", "--vcs-ref", "v1", "--data", "recipe=instruction-sft", "./template", "work/proj"
    )
    assert copied.returncode == 0, copied.stderr
    project = tmp_path / "work/proj"
    assert answers(project)["_src_path"] == "../../template"  # relative to the project, not to tmp_path
    commit_project(project)
    template.edit("templates/Makefile.jinja", lambda s: s.replace("# Thin aliases;", "# Thin aliases (v2);"))
    template.release("v2")

    updated = copier_cli(project, "update", "--defaults")

    assert updated.returncode == 0, updated.stderr
    assert "(v2)" in (project / "Makefile").read_text(encoding="utf-8")
    assert answers(project)["_commit"] == "v2" and answers(project)["_src_path"] == "../../template"
    # What to check and do afterwards (item 18): plain copier prints the template's message.
    assert "TEMPLATE_CHANGELOG.md" in updated.stderr and "Action needed" in updated.stderr


def test_a_relative_path_that_cannot_be_stored_is_warned_about_and_refused_with_the_fix(capsys, template, tmp_path):
    project = tmp_path / "proj"
    copied = copier_cli(
        tmp_path, "copy", "--defaults", "--vcs-ref", "v1", "--data", "recipe=instruction-sft", "./template", str(project)
    )
    assert copied.returncode == 0, copied.stderr
    assert "WARNING: the template path './template' is relative" in copied.stderr
    commit_project(project)

    code = cli.main(["update", str(project)])

    err = capsys.readouterr().err
    assert code == 2 and "_src_path" in err and "absolute path" in err and len(err.strip().splitlines()) == 1
    assert git(project, "status", "--porcelain") == ""


# ---------------------------------------------------------------- versions (item 21)


def test_an_untagged_template_updates_to_its_newest_commit(capsys, tmp_path):
    template = TemplateRepo(tmp_path / "untagged", tag=None)
    project = generate(template, tmp_path / "proj", vcs_ref=None)
    before = answers(project)["_commit"]
    template.edit("templates/Makefile.jinja", lambda s: s.replace("# Thin aliases;", "# Thin aliases (v2);"))
    template.release(None)

    code = cli.main(["update", str(project)])

    out = capsys.readouterr().out
    assert code == 0 and "updating to the latest commit" in out
    assert answers(project)["_commit"] not in (before, None)
    assert "(v2)" in (project / "Makefile").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("source", "destination", "stored"),
    [
        ("gh:someone/posttrain-capstone", "my-capstone", "gh:someone/posttrain-capstone"),
        ("gl:someone/posttrain-capstone", "work/my-capstone", "gl:someone/posttrain-capstone"),
        ("https://example.org/t.git", "my-capstone", "https://example.org/t.git"),
        ("git@example.org:t.git", "my-capstone", "git@example.org:t.git"),
        ("../tpl", "work/my-capstone", "../../../tpl"),
        ("./tpl", "my-capstone", "../tpl"),
    ],
)
def test_the_answers_file_keeps_remote_sources_and_moves_local_ones(source, destination, stored):
    """The answers file template, rendered with copier's own filters: copier shortcuts and git
    URLs are stored as typed; a relative folder is stored relative to the project."""
    import jinja2

    environment = jinja2.Environment(extensions=["jinja2_ansible_filters.AnsibleCoreFiltersExtension"])
    source_text = (TEMPLATE_ROOT / "templates" / "{{_copier_conf.answers_file}}.jinja").read_text(encoding="utf-8")
    answers = {"_commit": "v0.1.0", "_src_path": source, "recipe": "instruction-sft"}
    rendered = environment.from_string(source_text).render(_copier_answers=answers, _copier_conf={"dst_path": destination})
    assert yaml.safe_load(rendered)["_src_path"] == stored


# ---------------------------------------------------------------- files the template moved (issue 11)


def student_commit(project: Path, relative: str, text: str) -> None:
    (project / relative).parent.mkdir(parents=True, exist_ok=True)
    (project / relative).write_text(text, encoding="utf-8")
    git(project, "add", "-A")
    git(project, "commit", "-qm", f"my {relative}")


def test_a_module_of_the_students_at_a_path_the_template_moved_away_from_stays_theirs(capsys, template, project):
    """Generated after the regrouping: src/<pkg>/data.py is the student's own module, not the
    template's old data.py, and the template's training/data.py takes its own update."""
    template.edit(
        f"{PACKAGE_DIR}/training/data.py", lambda s: s.replace("    seed: int = 42\n", "    seed: int = 42  # v2 fix\n")
    )
    template.release("v2")
    student_commit(project, "src/kept_name/data.py", '"""My own data helpers."""\n')

    code = cli.main(["update", str(project)])

    out = capsys.readouterr().out
    assert code == 0 and "moved files" not in out, out
    assert (project / "src/kept_name/data.py").read_text(encoding="utf-8") == '"""My own data helpers."""\n'
    assert "# v2 fix" in (project / "src/kept_name/training/data.py").read_text(encoding="utf-8")


def test_an_update_that_moves_nothing_keeps_copiers_merge_of_a_file_in_the_move_table(template, project, monkeypatch):
    """Both versions have progress.py where it was (as an update between two versions before
    a regrouping has stages/sft.py): the template's change merges in and stays."""
    monkeypatch.setattr("generator.moves.MOVES", {"src/{package}/progress.py": "src/{package}/talk/progress.py"})
    template.edit(f"{PACKAGE_DIR}/progress.py", lambda s: s.replace("T = TypeVar(", "# v2 fix\nT = TypeVar(", 1))
    template.release("v2")
    student_edit(project, "src/kept_name/progress.py", lambda s: s + "\n# my note\n")

    report = update_project(project)

    text = (project / "src/kept_name/progress.py").read_text(encoding="utf-8")
    assert "# v2 fix" in text and "# my note" in text
    assert (report.carried, report.conflicts) == ([], [])


def test_a_failing_render_of_the_old_template_is_one_line(project, monkeypatch):
    def broken(answers, destination):
        raise RuntimeError("the old template\nwould not render")

    monkeypatch.setattr("generator.project.render_fresh", broken)
    student_commit(project, "src/kept_name/data.py", "# mine\n")  # at an old path: the old template is rendered

    with pytest.raises(ProjectError, match="^the old template would not render$"):
        update_project(project)


def test_update_says_where_kept_and_carried_conflicting_files_are(capsys, project, monkeypatch):
    from generator.moves import Carried
    from generator.project import UpdateReport

    carried = [
        Carried("src/p/gone.py", "src/p/talk/gone.py", "kept"),
        Carried("src/p/tiny.py", "src/p/training/tiny.py", "conflict"),
    ]
    report = UpdateReport("v1", "v2", ["src/p/training/tiny.py"], carried=carried)
    monkeypatch.setattr(cli, "update_project", lambda *args, **kwargs: report)
    monkeypatch.setattr(cli, "latest_version", lambda project: "v2")

    code = cli.main(["update", str(project)])

    out = capsys.readouterr().out
    assert code == 1
    assert "  src/p/gone.py stays where it was (src/p/talk/gone.py is yours, or the template has no file there)" in out
    assert "(kept)" not in out and "  src/p/tiny.py -> src/p/training/tiny.py (conflict)" in out
    assert "src/p/training/tiny.py are new, untracked: open them" in out


def test_the_changelog_before_the_update_is_read_from_a_project_in_a_subfolder(tmp_path):
    from generator.updates import CHANGELOG, changelog_at_head

    (tmp_path / "course/p1").mkdir(parents=True)
    (tmp_path / "course/p1" / CHANGELOG).write_text("## 0.1.0\n\nAction needed: 重新运行 make smoke。\n", encoding="utf-8")
    commit_project(tmp_path)

    assert changelog_at_head(tmp_path / "course/p1") == "## 0.1.0\n\nAction needed: 重新运行 make smoke。"


def test_conflicts_in_files_with_chinese_names_are_found(tmp_path):
    (tmp_path / "笔记.md").write_text("我的笔记\n", encoding="utf-8")
    commit_project(tmp_path)
    (tmp_path / "笔记.md").write_text(
        "<<<<<<< before updating\n我的\n=======\n模板的\n>>>>>>> after updating\n", encoding="utf-8"
    )

    assert conflicted_files(tmp_path) == ["笔记.md"]
