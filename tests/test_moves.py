"""The table of moved template files and folders, when an update carries a student's work
along them, and how a moved file's imports are repointed."""

import os
import subprocess
import sys

from generator import TEMPLATE_ROOT
from generator.moves import MOVES, carry_moved_edits, moved_at_head, repoint_imports

PACKAGE = TEMPLATE_ROOT / "templates" / "src" / "{{package_name}}"
MOVED = {old.format(package="p"): new.format(package="p") for old, new in MOVES.items()}
OLD_OWNED = ("src/*/rewards/custom.py",)  # _skip_if_exists of the last template before the regrouping


def template_file(path: str):
    return PACKAGE / path.removeprefix("src/{package}/")


def test_every_move_ends_at_a_file_or_folder_the_template_has_and_leaves_none_behind():
    def there(new: str) -> bool:
        return template_file(new).is_dir() if new.endswith("/") else template_file(new).is_file()

    assert [new for new in MOVES.values() if not there(new)] == []
    assert [old for old in MOVES if template_file(old).exists()] == []


# ---------------------------------------------------------------- imports


def test_imports_of_a_moved_file_name_the_same_modules_at_their_new_places():
    text = (
        "from .text import completion_text\n"
        "from . import custom\n"
        "from .math import accuracy_reward\n"
        "from ..config import ConfigError\n"
        "    from ..stages.common import finish  # indented, inside a function\n"
        "import json\n"
    )
    repointed = repoint_imports(text, "src/p/rewards/custom.py", "src/p/scoring/rewards/custom.py", MOVED)
    assert repointed == (
        "from ..text import completion_text\n"
        "from . import custom\n"
        "from .math import accuracy_reward\n"
        "from ...config import ConfigError\n"
        "    from ...training.stages.common import finish  # indented, inside a function\n"
        "import json\n"
    )


def test_a_file_moved_up_a_level_has_its_imports_shortened():
    text = "from ..evaluation.generate import generate\nfrom ..config import build\n"
    repointed = repoint_imports(text, "src/p/stages/common.py", "src/p/training/stages/common.py", MOVED)
    assert repointed == "from ...scoring.evaluation.generate import generate\nfrom ...config import build\n"


def test_imported_modules_that_moved_by_themselves_are_imported_from_their_new_folders():
    text = (
        "from .. import sandbox\n"
        "from .. import sandbox_runner as runner, config  # two places now\n"
        "from . import text, custom\n"
        "from p.rewards.math import accuracy_reward\n"
        "from p import tiny\n"
        "from p.config import ConfigError\n"
        "from .. import (\n    sandbox,\n)\n"
        "import p.rewards.math\n"
    )
    repointed = repoint_imports(text, "src/p/rewards/mine.py", "src/p/scoring/rewards/mine.py", MOVED)
    assert repointed == (
        "from ..sandbox import sandbox\n"
        "from ..sandbox import runner\n"
        "from ... import config  # two places now\n"
        "from .. import text\n"
        "from . import custom\n"
        "from p.scoring.rewards.math import accuracy_reward\n"
        "from p.training import tiny\n"
        "from p.config import ConfigError\n"
        "from ... import (\n    sandbox,\n)\n"  # in parentheses: only the module is repointed
        "import p.rewards.math\n"  # `import a.b` is left as it is
    )


# ---------------------------------------------------------------- carrying


def committed_project(root, files: dict[str, str]):
    """A git repository at `root` whose HEAD holds `files` (the state before the update)."""
    for name, text in files.items():
        write(root, name, text)
    for args in (["init", "-q"], ["add", "-A"], ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "mine"]):
        subprocess.run(["git", *args], cwd=root, check=True)
    return root


def write(root, name: str, text: str) -> None:
    (root / name).parent.mkdir(parents=True, exist_ok=True)
    (root / name).write_text(text, encoding="utf-8")


def read(root, name: str) -> str:
    return (root / name).read_text(encoding="utf-8")


BASE = "line 1\nline 2\nline 3\nline 4\nline 5\n"


def test_an_edit_apart_from_the_templates_merges_and_one_on_the_same_line_is_marked(tmp_path):
    project = committed_project(
        tmp_path / "project",
        {"a/old.py": BASE.replace("line 1", "line 1 mine"), "a/clash.py": BASE.replace("line 5", "line 5 mine")},
    )
    old_render = tmp_path / "old"
    write(old_render, "a/old.py", BASE)
    write(old_render, "a/clash.py", BASE)
    # What copier update leaves: old paths deleted, the new template's files at the new paths.
    for name in ("a/old.py", "a/clash.py"):
        (project / name).unlink()
    write(project, "b/new.py", BASE.replace("line 5", "line 5 template"))
    write(project, "b/clash.py", BASE.replace("line 5", "line 5 template"))

    carried = carry_moved_edits(project, [("a/old.py", "b/new.py"), ("a/clash.py", "b/clash.py")], old_render, owned=())

    assert [(c.new, c.how) for c in carried] == [("b/new.py", "merged"), ("b/clash.py", "conflict")]
    assert read(project, "b/new.py") == BASE.replace("line 1", "line 1 mine").replace("line 5", "line 5 template")
    clash = read(project, "b/clash.py")
    assert "<<<<<<< your edits" in clash and "line 5 mine" in clash and "line 5 template" in clash


def test_an_owned_file_moves_whole_by_the_old_templates_patterns_and_a_file_with_no_new_place_stays(tmp_path):
    mine = "from .text import completion_text\n\nMY_REWARDS = {}\n"
    project = committed_project(
        tmp_path / "project",
        {
            "src/p/rewards/custom.py": mine,
            "src/p/rewards/text.py": "helpers\n",
            "src/p/deep/rewards/custom.py": BASE.replace("line 1", "line 1 mine"),
            "src/p/gone.py": "my edit\n",
        },
    )
    old_render = tmp_path / "old"
    write(old_render, "src/p/rewards/custom.py", "template example\n")
    write(old_render, "src/p/rewards/text.py", "helpers\n")  # untouched: copier's move is all there is
    write(old_render, "src/p/deep/rewards/custom.py", BASE)  # `*` is one folder: not owned, merged
    write(old_render, "src/p/gone.py", "template\n")
    for name in ("src/p/rewards/custom.py", "src/p/rewards/text.py", "src/p/deep/rewards/custom.py", "src/p/gone.py"):
        (project / name).unlink()  # copier deletes them: the new template has them elsewhere, or not at all
    write(project, "src/p/scoring/custom_rewards.py", "the new template's example\n")
    write(project, "src/p/scoring/text.py", "helpers\n")
    write(project, "src/p/scoring/deep/rewards/custom.py", BASE.replace("line 5", "line 5 template"))
    moves = [
        ("src/p/rewards/custom.py", "src/p/scoring/custom_rewards.py"),
        ("src/p/rewards/text.py", "src/p/scoring/text.py"),
        ("src/p/deep/rewards/custom.py", "src/p/scoring/deep/rewards/custom.py"),
        ("src/p/gone.py", "src/p/elsewhere.py"),
    ]

    carried = carry_moved_edits(project, moves, old_render, owned=OLD_OWNED)

    assert [(c.old, c.how) for c in carried] == [
        ("src/p/rewards/custom.py", "moved"),
        ("src/p/deep/rewards/custom.py", "merged"),
        ("src/p/gone.py", "kept"),
    ]
    assert read(project, "src/p/scoring/custom_rewards.py") == mine  # `.text`: scoring/text.py is beside it now
    assert not (project / "src/p/rewards").exists()  # emptied: gone
    assert read(project, "src/p/scoring/deep/rewards/custom.py") == BASE.replace("line 1", "line 1 mine").replace(
        "line 5", "line 5 template"
    )
    assert read(project, "src/p/gone.py") == "my edit\n"  # nothing lost


def test_a_file_written_at_an_old_path_after_the_move_is_the_students_own_and_stays(tmp_path):
    """The project was generated after the regrouping: src/p/data.py is not the old training/data.py."""
    project = committed_project(
        tmp_path / "project", {"src/p/data.py": "my own module\n", "src/p/training/data.py": "template v1\n"}
    )
    old_render = tmp_path / "old"
    write(old_render, "src/p/training/data.py", "template v1\n")
    write(project, "src/p/training/data.py", "template v2\n")  # the update's change

    carried = carry_moved_edits(project, moved_at_head(project, "p"), old_render, owned=())

    assert carried == []
    assert (read(project, "src/p/data.py"), read(project, "src/p/training/data.py")) == ("my own module\n", "template v2\n")


def test_an_update_between_two_flat_versions_leaves_copiers_merge_alone(tmp_path):
    """Both versions have stages/sft.py and no training/: copier merged the template's change in."""
    project = committed_project(tmp_path / "project", {"src/p/stages/sft.py": BASE.replace("line 1", "line 1 mine")})
    old_render = tmp_path / "old"
    write(old_render, "src/p/stages/sft.py", BASE)
    merged = BASE.replace("line 1", "line 1 mine").replace("line 5", "<<<<<<< before updating\nline 5 template")
    write(project, "src/p/stages/sft.py", merged)

    carried = carry_moved_edits(project, moved_at_head(project, "p"), old_render, owned=())

    assert carried == [] and read(project, "src/p/stages/sft.py") == merged


def test_the_students_own_files_in_moved_folders_move_with_them(tmp_path):
    own = {
        "src/p/stages/dpo.py": "from .common import finish\nfrom ..evaluation.generate import generate\nfrom .. import sandbox\n",
        "src/p/rewards/my_rewards.py": "from .math import accuracy_reward\nfrom .text import completion_text\n",
        "src/p/evaluation/foo.py": "from .metrics import mean\n",
        "src/p/stages/notes/plan.md": "# 计划\n",
    }
    project = committed_project(tmp_path / "project", {**own, "src/p/stages/common.py": "template\n", "src/p/cli.py": "x\n"})
    old_render = tmp_path / "old"
    for name in ("src/p/stages/common.py", "src/p/rewards/math.py", "src/p/evaluation/metrics.py", "src/p/cli.py"):
        write(old_render, name, "template\n" if name.endswith("common.py") else "")
    (project / "src/p/stages/common.py").unlink()  # copier moved the template's files; the student's stay
    for name in ("training/stages/common.py", "scoring/rewards/math.py", "scoring/evaluation/metrics.py"):
        write(project, f"src/p/{name}", "template\n")

    carried = carry_moved_edits(project, moved_at_head(project, "p"), old_render, owned=())

    assert sorted((c.old, c.new, c.how) for c in carried) == [
        ("src/p/evaluation/foo.py", "src/p/scoring/evaluation/foo.py", "moved"),
        ("src/p/rewards/my_rewards.py", "src/p/scoring/rewards/my_rewards.py", "moved"),
        ("src/p/stages/dpo.py", "src/p/training/stages/dpo.py", "moved"),
        ("src/p/stages/notes/plan.md", "src/p/training/stages/notes/plan.md", "moved"),
    ]
    assert read(project, "src/p/training/stages/dpo.py").splitlines() == [
        "from .common import finish",
        "from ...scoring.evaluation.generate import generate",
        "from ...scoring.sandbox import sandbox",
    ]
    assert (
        read(project, "src/p/scoring/rewards/my_rewards.py")
        == "from .math import accuracy_reward\nfrom ..text import completion_text\n"
    )
    assert read(project, "src/p/training/stages/notes/plan.md") == "# 计划\n"
    assert [folder for folder in ("stages", "rewards", "evaluation") if (project / "src/p" / folder).exists()] == []


def test_a_project_in_a_subfolder_of_a_bigger_repository_is_carried(tmp_path):
    repository = committed_project(tmp_path / "repo", {"course/p1/a/old.py": BASE.replace("line 1", "line 1 mine")})
    project = repository / "course/p1"
    old_render = tmp_path / "old"
    write(old_render, "a/old.py", BASE)
    (project / "a/old.py").unlink()
    write(project, "b/new.py", BASE.replace("line 5", "line 5 template"))

    carried = carry_moved_edits(project, [("a/old.py", "b/new.py")], old_render, owned=())

    assert [(c.new, c.how) for c in carried] == [("b/new.py", "merged")]
    assert read(project, "b/new.py") == BASE.replace("line 1", "line 1 mine").replace("line 5", "line 5 template")


def test_copiers_reject_file_of_a_carried_edit_is_removed_with_its_emptied_folder(tmp_path):
    project = committed_project(tmp_path / "project", {"a/old.py": BASE.replace("line 1", "line 1 mine")})
    old_render = tmp_path / "old"
    write(old_render, "a/old.py", BASE)
    (project / "a/old.py").unlink()
    write(project, "a/old.py.rej", "a hunk copier could not apply\n")  # --conflict rej
    write(project, "b/new.py", BASE)

    carried = carry_moved_edits(project, [("a/old.py", "b/new.py")], old_render, owned=())

    assert [(c.new, c.how) for c in carried] == [("b/new.py", "merged")]
    assert not (project / "a").exists()


def test_chinese_text_is_carried_whatever_the_locale(tmp_path):
    """git's output is read as UTF-8, not in the locale's encoding (cp936, or ASCII here)."""
    project = committed_project(tmp_path / "project", {"src/p/tiny.py": BASE.replace("line 1", "第一行")})
    old_render = tmp_path / "old"
    write(old_render, "src/p/tiny.py", BASE)
    (project / "src/p/tiny.py").unlink()
    write(project, "src/p/training/tiny.py", BASE.replace("line 5", "line 5 template"))
    script = (
        "import sys; from pathlib import Path; from generator.moves import carry_moved_edits, moved_at_head\n"
        "project = Path(sys.argv[1])\n"
        "print([c.how for c in carry_moved_edits(project, moved_at_head(project, 'p'), Path(sys.argv[2]), ())])\n"
    )
    env = {**os.environ, "LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0", "PYTHONIOENCODING": "utf-8"}
    env["PYTHONPATH"] = str(TEMPLATE_ROOT)
    result = subprocess.run(
        [sys.executable, "-c", script, str(project), str(old_render)], env=env, capture_output=True, text=True
    )

    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "['merged']"
    assert read(project, "src/p/training/tiny.py") == BASE.replace("line 1", "第一行").replace("line 5", "line 5 template")
