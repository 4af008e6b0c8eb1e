"""Template files that moved, and carrying a student's work to the new place.

copier update knows files, not moves: a file the template renamed is deleted at its old
path and written fresh at the new one, so a student's edits of it leave the working tree
(they stay in git history), and a file of the student's own in a folder the template
moved stays behind where nothing loads it. After the update `capstone update` carries them.

The table, MOVES: old path -> new path. An entry ending in "/" moves a folder: each file
under it, the template's and the student's own, goes to the same name under the new
folder, unless a file entry of its own says otherwise.

An entry is a move of this update only when the old render (the template at the project's
version, rendered with its answers) has no `new` yet, and copier's update created `new` or
deleted `old`. An update between two versions of the same layout, or from a version that
already had `new` (a file the student wrote later at an old path is theirs), moves nothing.
Then each file the student committed at an old path, compared with the old render's:
- the old render has it and it is still there: the template still has it; left alone
  (copier merged it), so an old path that exists after the update is never overwritten;
- unchanged: copier's move is all there is;
- the student has a file at the new path, or the template has nothing there for a file it
  had: kept at its old path (put back if copier deleted it);
- the old render lacks it (the student's own file) or the student owns it (its old path
  matches the old template's _skip_if_exists, with git's wildcards): moved whole, relative
  imports repointed, over whatever is at the new path;
- else (a template file the student edited): merged three ways into the new file, the old
  template's version as the base, conflicts marked like copier's own.
A carried file leaves its old path, its `.rej` (from --conflict rej) and emptied folders.
"""

from __future__ import annotations

import posixpath
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pathspec
from packaging.version import Version

# Old path -> new path, relative to the project; {package} is the package name. A path
# ending in "/" is a folder. Issue 11 grouped the package into training/, scoring/ and talk/.
MOVES = {
    # training/: loading data and models, and the stages
    "src/{package}/data.py": "src/{package}/training/data.py",
    "src/{package}/formats.py": "src/{package}/training/formats.py",
    "src/{package}/modeling.py": "src/{package}/training/modeling.py",
    "src/{package}/tiny.py": "src/{package}/training/tiny.py",
    "src/{package}/training_template.py": "src/{package}/training/chat_template.py",
    "src/{package}/stages/": "src/{package}/training/stages/",
    # scoring/: rewards, evaluation, sandbox
    "src/{package}/rewards/": "src/{package}/scoring/rewards/",
    "src/{package}/rewards/text.py": "src/{package}/scoring/text.py",
    "src/{package}/evaluation/": "src/{package}/scoring/evaluation/",
    "src/{package}/evaluation/tasks.py": "src/{package}/scoring/evaluation/tasks/__init__.py",
    "src/{package}/sandbox.py": "src/{package}/scoring/sandbox/sandbox.py",
    "src/{package}/sandbox_layers.py": "src/{package}/scoring/sandbox/layers.py",
    "src/{package}/sandbox_runner.py": "src/{package}/scoring/sandbox/runner.py",
    "src/{package}/sandbox_supervisor.py": "src/{package}/scoring/sandbox/supervisor.py",
    # talk/: results to plots, slides, report and demo
    "src/{package}/demo.py": "src/{package}/talk/demo.py",
    "src/{package}/fonts.py": "src/{package}/talk/fonts.py",
    "src/{package}/plots.py": "src/{package}/talk/plots.py",
    "src/{package}/present.py": "src/{package}/talk/present.py",
    "src/{package}/report.py": "src/{package}/talk/report.py",
    "src/{package}/slides.py": "src/{package}/talk/slides.py",
    "src/{package}/summary.py": "src/{package}/talk/summary.py",
    # preflight grew into a package: the machine's checks and the entry points stay in __init__
    "src/{package}/preflight.py": "src/{package}/preflight/__init__.py",
}
# copier's own choice of pathspec's name for git's wildcard rules (renamed in pathspec 1.0).
_GIT_WILDCARDS = "gitignore" if Version(pathspec.__version__) >= Version("1.0") else "gitwildmatch"


@dataclass
class Carried:
    old: str
    new: str
    how: str  # "moved" (the whole file), "merged", "conflict" (merged with markers), "kept" (at the old path)


def moved_at_head(project: Path, package: str) -> list[tuple[str, str]]:
    """MOVES as paths when the project has something committed at an old path (so an update may
    move it, and the old template must be rendered to tell); else none."""
    committed = _committed_files(project)
    pairs = [(old.format(package=package), new.format(package=package)) for old, new in MOVES.items()]
    at_head = any(name == old or (old.endswith("/") and name.startswith(old)) for old, _ in pairs for name in committed)
    return pairs if at_head else []


def carry_moved_edits(project: Path, moves: list[tuple[str, str]], old_render: Path, owned: Iterable[str]) -> list[Carried]:
    """After copier update: carry what the student committed at the old paths of `moves` (entries
    of MOVES, as paths) to the new ones, by the rules of this module's docstring. `old_render`:
    the old template rendered with the same answers; `owned`: its _skip_if_exists patterns."""
    table, committed = dict(moves), _committed_files(project)
    owns = pathspec.PathSpec.from_lines(_GIT_WILDCARDS, owned).match_file
    carried = []
    for entry_old, entry_new in moves:
        # A move of this update: the old version has no `new` yet, and copier made `new` or removed `old`.
        moved_now = not (old_render / entry_new).exists() and (
            (project / entry_new).exists() or not (project / entry_old).exists()
        )
        for old, new in _files(entry_old, entry_new, table, committed) if moved_now else ():
            how = _carry(project, old, new, old_render, owns, table, committed)
            if how:
                carried.append(Carried(old, new, how))
    return carried


def _files(old: str, new: str, table: dict[str, str], committed: set[str]) -> list[tuple[str, str]]:
    """The (old, new) file pairs of one entry: the file, or each committed file under the folder."""
    if not old.endswith("/"):
        return [(old, new)] if old in committed else []
    inside = sorted(name for name in committed if name.startswith(old) and name not in table)
    return [(name, new + name[len(old) :]) for name in inside]


def _carry(project: Path, old: str, new: str, old_render: Path, owns, table: dict[str, str], committed: set[str]) -> str:
    """Carry one file; return how ("" when nothing was to be done)."""
    mine = _committed(project, old)
    base = (old_render / old).read_bytes() if (old_render / old).is_file() else None
    if mine is None or (base is not None and (project / old).exists()) or mine == base:
        return ""
    (project / f"{old}.rej").unlink(missing_ok=True)  # --conflict rej: copier's reject of the edits carried here
    target = project / new
    if new in committed or (base is not None and not target.is_file()):
        if not (project / old).exists():
            _write(project / old, mine)
        return "kept"
    if base is None or owns(old):
        text = _text(mine)
        _write(target, repoint_imports(text, old, new, table).encode("utf-8") if text is not None else mine)
        how = "moved"
    else:
        how = _merge(target, base, mine)
    (project / old).unlink(missing_ok=True)
    _remove_emptied_folders(project, posixpath.dirname(old))
    return how


_FROM_IMPORT = r"^(?P<lead>[ \t]*from )(?P<module>\.+[\w.]*|{package}(?:\.[\w.]+)?)(?P<mid> import )(?P<rest>.*)$"
_NAMES = re.compile(r"(?P<names>\w+(?: as \w+)?(?:\s*,\s*\w+(?: as \w+)?)*)(?P<tail>\s*(?:#.*)?)")


def repoint_imports(text: str, old: str, new: str, moves: dict[str, str]) -> str:
    """`from` imports of a file moved from `old` to `new` (relative ones, and absolute ones of
    its package when it lives under src/), rewritten to name the same modules at their new
    places: `from .text import x` in rewards/custom.py becomes `from ..text import x` in
    scoring/rewards/custom.py, `from .. import sandbox` `from ..sandbox import sandbox`.
    A name list in parentheses keeps its module's repointing only; `import a.b` stays."""
    package = old.split("/")[1] if old.startswith("src/") and old.count("/") > 1 else None
    pattern = _FROM_IMPORT.format(package=re.escape(package) if package else r"(?!)")

    def module_path(module: str) -> str:
        if not module.startswith("."):
            return "src/" + module.replace(".", "/")
        dots = len(module) - len(module.lstrip("."))
        folder = posixpath.dirname(old)
        for _ in range(dots - 1):
            folder = posixpath.dirname(folder)
        return posixpath.join(folder, *module.lstrip(".").split(".")) if module.lstrip(".") else folder

    def spelled(path: str, relative: bool) -> str:
        """How `new` names the module at `path`."""
        if not relative:
            return path.removeprefix("src/").replace("/", ".")
        parts = posixpath.relpath(path, posixpath.dirname(new)).split("/")
        ups = parts.count("..")
        return "." * (ups + 1) + ".".join(part for part in parts if part not in ("..", "."))

    def rewrite(match: re.Match) -> str:
        relative, module = match["module"].startswith("."), module_path(match["module"])
        names = _NAMES.fullmatch(match["rest"])
        if names is None:  # parentheses, a star, a continuation: the module only
            return f"{match['lead']}{spelled(_new_module(module, moves), relative)}{match['mid']}{match['rest']}"
        groups: dict[str, list[str]] = {}  # new module -> names imported from it
        for item in names["names"].split(","):
            name, _, alias = (part.strip() for part in item.partition(" as "))
            place = _moved_module(posixpath.join(module, name), moves)  # a submodule that moved by itself
            parent, base = posixpath.split(place) if place else (_new_module(module, moves), name)
            groups.setdefault(parent, []).append(base if base == (alias or name) else f"{base} as {alias or name}")
        lines = [
            f"{match['lead']}{spelled(parent, relative)}{match['mid']}{', '.join(items)}" for parent, items in groups.items()
        ]
        return "\n".join(lines) + names["tail"]  # one line per module the names now come from

    return re.sub(pattern, rewrite, text, flags=re.MULTILINE)


def _new_module(module: str, moves: dict[str, str]) -> str:
    """A module's path (no suffix) after the moves: its own entry, else its folder's, else itself."""
    moved = _moved_module(module, moves)
    if moved:
        return moved
    folders = [(old, new) for old, new in moves.items() if old.endswith("/") and module.startswith(old)]
    return folders[0][1] + module[len(folders[0][0]) :] if folders else module


def _moved_module(module: str, moves: dict[str, str]) -> str | None:
    for candidate in (f"{module}.py", f"{module}/__init__.py", f"{module}/"):
        if candidate in moves:
            return moves[candidate].removesuffix("/").removesuffix("/__init__.py").removesuffix(".py")
    return None


def _merge(target: Path, base: bytes, mine: bytes) -> str:
    """Three-way merge into `target` (which holds the new template's version)."""
    with tempfile.TemporaryDirectory(prefix="capstone-move-") as scratch:
        ours, old = Path(scratch, "ours"), Path(scratch, "base")
        ours.write_bytes(mine)
        old.write_bytes(base)
        labels = ["-L", "your edits", "-L", "template before", "-L", "template now"]
        result = subprocess.run(["git", "merge-file", *labels, str(ours), str(old), str(target)], capture_output=True)
        if result.returncode < 0 or result.returncode > 127:
            raise RuntimeError(f"git merge-file failed on {target}: {result.stderr.decode('utf-8', 'replace').strip()}")
        target.write_bytes(ours.read_bytes())
    return "conflict" if result.returncode else "merged"


def _remove_emptied_folders(project: Path, folder: str) -> None:
    """Remove `folder` and its parents while they hold nothing (or only __pycache__)."""
    while folder and (project / folder).is_dir():
        left = [child for child in (project / folder).iterdir() if child.name != "__pycache__"]
        if left:
            return
        shutil.rmtree(project / folder)
        folder = posixpath.dirname(folder)


def _write(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)


def _text(content: bytes) -> str | None:
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        return None  # not text: moved as it is


def _committed(project: Path, relative: str) -> bytes | None:
    """The file as committed at HEAD; `./` resolves it from the project, which may be a subfolder of its repository."""
    result = subprocess.run(["git", "show", f"HEAD:./{relative}"], cwd=project, capture_output=True)
    return result.stdout if result.returncode == 0 else None


def _committed_files(project: Path) -> set[str]:
    """Every file committed at HEAD under the project, relative to it."""
    result = subprocess.run(["git", "ls-tree", "-r", "-z", "--name-only", "HEAD", "--", "."], cwd=project, capture_output=True)
    return set(result.stdout.decode("utf-8", "replace").split("\0")) - {""} if result.returncode == 0 else set()
