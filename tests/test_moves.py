"""The table of moved template files, and how a moved file's imports are repointed."""

from generator import TEMPLATE_ROOT
from generator.moves import MOVES, repoint_imports

PACKAGE = TEMPLATE_ROOT / "templates" / "src" / "{{package_name}}"
MOVED = {old.format(package="p"): new.format(package="p") for old, new in MOVES.items()}


def template_file(path: str):
    return PACKAGE / path.removeprefix("src/{package}/")


def test_every_move_ends_at_a_file_the_template_has_and_leaves_none_behind():
    assert [new for new in MOVES.values() if not template_file(new).is_file()] == []
    assert [old for old in MOVES if template_file(old).exists()] == []


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


def committed_project(tmp_path, files: dict[str, str]):
    """A git project whose HEAD holds `files` (the state before the update)."""
    import subprocess

    project = tmp_path / "project"
    for name, text in files.items():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(text, encoding="utf-8")
    for args in (["init", "-q"], ["add", "-A"], ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "mine"]):
        subprocess.run(["git", *args], cwd=project, check=True)
    return project


def write(root, name: str, text: str) -> None:
    (root / name).parent.mkdir(parents=True, exist_ok=True)
    (root / name).write_text(text, encoding="utf-8")


BASE = "line 1\nline 2\nline 3\nline 4\nline 5\n"


def test_an_edit_apart_from_the_templates_merges_and_one_on_the_same_line_is_marked(tmp_path):
    from generator.moves import carry_moved_edits

    project = committed_project(
        tmp_path, {"a/old.py": BASE.replace("line 1", "line 1 mine"), "a/clash.py": BASE.replace("line 5", "line 5 mine")}
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
    assert (project / "b/new.py").read_text(encoding="utf-8") == BASE.replace("line 1", "line 1 mine").replace(
        "line 5", "line 5 template"
    )
    clash = (project / "b/clash.py").read_text(encoding="utf-8")
    assert "<<<<<<< your edits" in clash and "line 5 mine" in clash and "line 5 template" in clash


def test_an_owned_file_moves_whole_and_a_file_with_no_new_place_stays(tmp_path):
    from generator.moves import carry_moved_edits

    mine = "from .text import completion_text\n\nMY_REWARDS = {}\n"
    project = committed_project(
        tmp_path, {"src/p/rewards/custom.py": mine, "src/p/rewards/text.py": "helpers\n", "src/p/gone.py": "my edit\n"}
    )
    old_render = tmp_path / "old"
    write(old_render, "src/p/rewards/custom.py", "template example\n")
    write(old_render, "src/p/rewards/text.py", "helpers\n")  # untouched: copier's move is all there is
    write(old_render, "src/p/gone.py", "template\n")
    (project / "src/p/gone.py").unlink()
    write(project, "src/p/scoring/rewards/custom.py", "the new template's example\n")
    moves = [
        ("src/p/rewards/custom.py", "src/p/scoring/rewards/custom.py"),
        ("src/p/rewards/text.py", "src/p/scoring/text.py"),
        ("src/p/gone.py", "src/p/elsewhere.py"),
    ]

    carried = carry_moved_edits(project, moves, old_render, owned=("src/*/scoring/rewards/custom.py",))

    assert [(c.old, c.how) for c in carried] == [("src/p/rewards/custom.py", "moved"), ("src/p/gone.py", "kept")]
    assert (project / "src/p/scoring/rewards/custom.py").read_text(encoding="utf-8") == mine.replace("from .text", "from ..text")
    assert not (project / "src/p/rewards/custom.py").exists()
    assert (project / "src/p/gone.py").read_text(encoding="utf-8") == "my edit\n"  # nothing lost
