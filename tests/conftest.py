"""Fixtures for rendering the template as it is in this working tree."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import copier
import pytest

from generator import TEMPLATE_ROOT
from generator.recipes import load_recipes

RECIPES = load_recipes()
RECIPE_IDS = list(RECIPES)
# What a student would answer for each recipe when nothing else is given.
DEFAULT_DATA = {
    recipe_id: {"stages": RECIPES[recipe_id].stage_names} if RECIPES[recipe_id].custom else {} for recipe_id in RECIPE_IDS
}


@pytest.fixture(scope="session")
def template_dir(tmp_path_factory) -> Path:
    """A plain (non-git) copy of the template files of this working tree, so renders
    see uncommitted changes and copier need not clone."""
    root = tmp_path_factory.mktemp("template")
    shutil.copy2(TEMPLATE_ROOT / "copier.yml", root / "copier.yml")
    for folder in ("templates", "recipes"):
        shutil.copytree(TEMPLATE_ROOT / folder, root / folder, ignore=shutil.ignore_patterns("__pycache__"))
    return root


def render(template_dir: Path, destination: Path, recipe: str, **data) -> Path:
    copier.run_copy(
        str(template_dir),
        str(destination),
        data={"recipe": recipe, **DEFAULT_DATA.get(recipe, {}), **data},
        defaults=True,
        quiet=True,
        unsafe=False,
    )
    return destination


def project_env() -> dict[str, str]:
    """The environment a rendered project's commands run in: offline, one thread."""
    env = dict(os.environ)
    env.update(HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1", OMP_NUM_THREADS="1", TOKENIZERS_PARALLELISM="false")
    env["PYTHONPATH"] = "src"
    return env


def run_in(project: Path, *args: str, timeout: int = 900, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """`python *args` in the project; `env` adds to project_env()."""
    return subprocess.run(
        [sys.executable, *args],
        cwd=project,
        env={**project_env(), **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
