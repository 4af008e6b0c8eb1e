"""Rendering: every recipe, a matrix of answers, custom stage choices, bad answers."""

import ast
import itertools
import tomllib
from pathlib import Path

import pytest
import yaml

from generator import TEMPLATE_ROOT
from generator.recipes import STAGES

from .conftest import RECIPE_IDS, RECIPES, render

TEXT_SUFFIXES = {".py", ".yaml", ".yml", ".toml", ".md", ".jsonl", ".json", ".txt", ""}


def text_files(project: Path):
    for path in project.rglob("*"):
        if path.is_file() and path.suffix in TEXT_SUFFIXES and ".git" not in path.parts:
            yield path


def check_project(project: Path, stages: list[str], package: str) -> None:
    for path in text_files(project):
        text = path.read_text(encoding="utf-8")
        assert "{{" not in text and "{%" not in text, f"unrendered Jinja in {path}"
        if path.suffix == ".py":
            ast.parse(text, filename=str(path))
        elif path.suffix in (".yaml", ".yml"):
            yaml.safe_load(text)
        elif path.suffix == ".toml":
            tomllib.loads(text)
        elif path.suffix == ".jsonl":
            assert text.strip(), f"empty sample file {path}"
    source = project / "src" / package
    assert {p.stem for p in (source / "stages").glob("*.py")} == {"__init__", "common", *stages}
    assert {p.stem for p in (project / "configs").glob("*.yaml")} == {"pipeline", "eval", "demo", *stages}
    assert not any(stage in p.stem for p in project.rglob("*") for stage in set(STAGES) - set(stages))
    pipeline = yaml.safe_load((project / "configs" / "pipeline.yaml").read_text(encoding="utf-8"))
    assert pipeline["stages"] == stages


@pytest.mark.parametrize("recipe_id", RECIPE_IDS)
def test_every_recipe_renders_only_its_stages(template_dir, tmp_path, recipe_id):
    recipe = RECIPES[recipe_id]
    project = render(template_dir, tmp_path / "p", recipe_id)
    check_project(project, recipe.stage_names, "my_capstone")
    for stage in recipe.stages:
        assert (project / "data" / "samples" / stage.data.samples).is_file()
    if recipe.evaluation.data:
        assert (project / "data" / "samples" / recipe.evaluation.data.samples).is_file()
    # rewards/ and the sandbox come exactly with a grpo stage or a scored evaluation
    assert (project / "src/my_capstone/rewards").is_dir() == recipe.with_rewards
    assert (project / "src/my_capstone/sandbox.py").is_file() == recipe.with_rewards
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text(encoding="utf-8"))
    assert answers["recipe"] == recipe_id and answers["base_model"] == recipe.base_model
    check_ownership_is_documented(project)


def check_ownership_is_documented(project: Path) -> None:
    """Every protected pattern that matches a file of this project is in its README's table."""
    protected = yaml.safe_load((TEMPLATE_ROOT / "copier.yml").read_text(encoding="utf-8"))["_skip_if_exists"]
    readme = (project / "README.md").read_text(encoding="utf-8")
    assert "Which files may I edit" in readme or "哪些文件可以改" in readme
    for pattern in protected:
        if list(project.glob(pattern)):
            assert f"`{pattern}`" in readme, f"{pattern} is protected but the README does not say so"


ANSWERS = [
    {"language": language, "tracking": tracking, "project_name": name}
    for language in ("zh", "en")
    for tracking in ("none", "tensorboard", "swanlab", "wandb")
    for name in ("my-capstone", "Math.RL_2026")
]


@pytest.mark.parametrize("answers", ANSWERS, ids=lambda a: "-".join(a.values()))
def test_answer_matrix(template_dir, tmp_path, answers):
    project = render(template_dir, tmp_path / "p", "instruction-sft", **answers)
    package = answers["project_name"].lower().replace("-", "_").replace(".", "_")
    check_project(project, ["sft"], package)
    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["name"] == answers["project_name"]
    dependencies = " ".join(pyproject["project"]["dependencies"])
    for tracker in ("tensorboard", "swanlab", "wandb"):
        assert (tracker in dependencies) == (answers["tracking"] == tracker)
    pipeline = yaml.safe_load((project / "configs" / "pipeline.yaml").read_text(encoding="utf-8"))
    assert pipeline["report_to"] == answers["tracking"]
    readme = (project / "README.md").read_text(encoding="utf-8")
    assert ("快速开始" in readme) == (answers["language"] == "zh")


def test_base_model_answer_reaches_the_config(template_dir, tmp_path):
    project = render(template_dir, tmp_path / "p", "instruction-sft", base_model="/models/my-local-qwen")
    pipeline = yaml.safe_load((project / "configs" / "pipeline.yaml").read_text(encoding="utf-8"))
    assert pipeline["base_model"] == "/models/my-local-qwen"


def test_custom_recipe_renders_the_chosen_stages(template_dir, tmp_path):
    """Every non-empty subset of the catalog, in pipeline order."""
    names = RECIPES["custom"].stage_names
    subsets = [list(c) for size in range(1, len(names) + 1) for c in itertools.combinations(names, size)]
    for index, chosen in enumerate(subsets):
        project = render(template_dir, tmp_path / f"p{index}", "custom", stages=chosen)
        check_project(project, chosen, "my_capstone")
        assert (project / "src/my_capstone/rewards").is_dir() == ("grpo" in chosen)


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"recipe": "custom", "stages": []}, "at least one stage"),
        ({"recipe": "custom", "stages": ["rlhf"]}, "rlhf"),
        ({"recipe": "no-such-recipe"}, "no-such-recipe"),
        ({"project_name": "my capstone"}, "project_name"),
        ({"package_name": "class"}, "package_name"),
        ({"package_name": "1abc"}, "package_name"),
        ({"language": "fr"}, "fr"),
        ({"tracking": "mlflow"}, "mlflow"),
    ],
)
def test_invalid_answers_fail_and_write_nothing(template_dir, tmp_path, answers, message):
    destination = tmp_path / "p"
    data = {"recipe": "instruction-sft", **answers}
    with pytest.raises(Exception) as raised:
        render(template_dir, destination, data.pop("recipe"), **data)
    assert message in str(raised.value)
    assert not destination.exists()
