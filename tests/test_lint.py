"""Habits of the field: ruff passes on the generator and on every rendered recipe, and both
Makefiles document themselves (`make help`) and hand ARGS to the project's commands."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from generator import TEMPLATE_ROOT

from .conftest import RECIPE_IDS, RECIPES, render

# What `make lint` runs, in both repositories (one line per finding here; --no-cache keeps the
# trees as they were).
CONCISE = ("--no-cache", "--output-format", "concise")
RUFF_COMMANDS = (("check", *CONCISE), ("format", "--check", *CONCISE))
# A custom project may hold each stage alone; all of them together is the custom recipe's
# default, rendered with the other recipes.
CUSTOM_RECIPE = next(recipe_id for recipe_id in RECIPE_IDS if RECIPES[recipe_id].custom)
STAGES_ALONE = [[stage] for stage in RECIPES[CUSTOM_RECIPE].stage_names]
needs_make = pytest.mark.skipif(shutil.which("make") is None, reason="GNU make is not installed here")


def ruff_failures(folder: Path) -> list[str]:
    """The output of every ruff command of `make lint` that fails in `folder` (its own config)."""
    failures = []
    for command in RUFF_COMMANDS:
        done = subprocess.run([sys.executable, "-m", "ruff", *command], cwd=folder, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            failures.append(f"$ ruff {' '.join(command)}\n{done.stdout}{done.stderr}")
    return failures


def make(folder: Path, *args: str) -> str:
    done = subprocess.run(["make", "--no-print-directory", "-C", str(folder), *args], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def phony_targets(makefile: Path) -> list[str]:
    match = re.search(r"^\.PHONY:(.*)$", makefile.read_text(encoding="utf-8"), re.MULTILINE)
    assert match, f"{makefile} declares no .PHONY targets"
    return match.group(1).split()


def assert_described(listed: str, targets: list[str]) -> None:
    """Every target has a line of its own in `make help`'s output."""
    for target in targets:
        assert re.search(rf"^  make {re.escape(target)} +\S", listed, re.MULTILINE), f"`make help` misses {target}:\n{listed}"


def test_the_generator_passes_ruff():
    failures = ruff_failures(TEMPLATE_ROOT)
    assert not failures, "\n".join(failures) + "\n(fix, or run `ruff format` / `ruff check --fix`)"


@pytest.mark.parametrize("recipe_id", RECIPE_IDS)
def test_every_rendered_recipe_passes_ruff(template_dir, tmp_path, recipe_id):
    """The rendered .jinja files are Python only after rendering, so they are linted here."""
    project = render(template_dir, tmp_path / "p", recipe_id)
    failures = ruff_failures(project)
    assert not failures, f"rendered {recipe_id}:\n" + "\n".join(failures)


@pytest.mark.parametrize("stages", STAGES_ALONE, ids="+".join)
def test_a_custom_project_of_one_stage_passes_ruff(template_dir, tmp_path, stages):
    """What a file imports only for another stage's code is left out with that stage."""
    project = render(template_dir, tmp_path / "p", CUSTOM_RECIPE, stages=stages)
    failures = ruff_failures(project)
    assert not failures, f"rendered {CUSTOM_RECIPE} {stages}:\n" + "\n".join(failures)


@needs_make
def test_make_help_lists_every_target_of_the_generator():
    assert_described(make(TEMPLATE_ROOT), phony_targets(TEMPLATE_ROOT / "Makefile"))  # help is the default goal


@needs_make
def test_the_generated_makefile_documents_every_target_and_passes_args_to_every_command(template_dir, tmp_path):
    project = render(template_dir, tmp_path / "p", "math-reasoning")
    targets = phony_targets(project / "Makefile")
    assert {"lint", "help", "smoke", "train", "eval", "slides", "demo", "test"} <= set(targets)
    assert_described(make(project), targets)
    # Every command of the project (python -m <package> ..., the demo) takes the student's ARGS.
    commands = ("smoke", "train", "eval", "plots", "report", "slides", "demo", "data")
    dry_run = make(project, "-n", *commands, "ARGS=--set sft.training.seed=7")
    lines = [line for line in dry_run.splitlines() if " -m my_capstone " in line or "demo/app.py" in line]
    assert len(lines) == len(commands) + 1, dry_run  # train runs preflight first
    assert all(line.endswith(" --set sft.training.seed=7") for line in lines), dry_run
