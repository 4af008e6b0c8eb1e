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
