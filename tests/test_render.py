"""Rendering: every recipe, a matrix of answers, custom stage choices, bad answers."""

import ast
import itertools
import re
from pathlib import Path

import pytest
import tomllib
import yaml

from generator import TEMPLATE_ROOT, copier_sync
from generator.recipes import STAGES

from .conftest import RECIPE_IDS, RECIPES, render, run_in

TEXT_SUFFIXES = {".py", ".yaml", ".yml", ".toml", ".md", ".jsonl", ".json", ".txt", ""}


def text_files(project: Path):
    for path in project.rglob("*"):
        if path.is_file() and path.suffix in TEXT_SUFFIXES and ".git" not in path.parts:
            yield path


# Generated projects may hold Jinja of their own (chat templates); what must never survive
# rendering is a Jinja expression over the template's questions.
QUESTIONS = {key for key in yaml.safe_load((TEMPLATE_ROOT / "copier.yml").read_text(encoding="utf-8")) if not key.startswith("_")}
JINJA = re.compile(r"\{[{%]-?(.*?)-?[}%]\}", re.DOTALL)


def unrendered_answers(text: str) -> set[str]:
    return {word for block in JINJA.findall(text) for word in re.findall(r"\w+", block)} & QUESTIONS


def check_project(project: Path, stages: list[str], package: str) -> None:
    for path in text_files(project):
        text = path.read_text(encoding="utf-8")
        assert not unrendered_answers(text), f"unrendered Jinja in {path}: {unrendered_answers(text)}"
        if path.suffix == ".py":
            ast.parse(text, filename=str(path))
        elif path.suffix in (".yaml", ".yml"):
            yaml.safe_load(text)
        elif path.suffix == ".toml":
            tomllib.loads(text)
        elif path.suffix == ".jsonl":
            assert text.strip(), f"empty sample file {path}"
    source = project / "src" / package
    assert {p.stem for p in (source / "training" / "stages").glob("*.py")} == {"__init__", "common", *stages}
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
    # scoring/'s rewards and sandbox come exactly with a grpo stage or a scored evaluation
    assert (project / "src/my_capstone/scoring/rewards").is_dir() == recipe.with_rewards
    assert (project / "src/my_capstone/scoring/sandbox").is_dir() == recipe.with_rewards
    assert sorted(p.name for p in (project / "data" / "samples").iterdir()) == sorted(recipe.sample_files)
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


# title -> (distribution, package) derived from it
NAMES = {
    "my-capstone": ("my-capstone", "my_capstone"),
    "Math.RL_2026": ("Math.RL_2026", "math_rl_2026"),  # already a valid name: kept as it is
    "我的 毕业 项目 2026": ("capstone-2026", "capstone_2026"),  # ASCII left, not starting with a letter
    "Deep RL：数学推理 v2": ("deep-rl-v2", "deep_rl_v2"),
    "数学推理": ("capstone-project", "capstone_project"),  # nothing ASCII left
}
ANSWERS = [
    {"language": language, "tracking": tracking, "project_name": name}
    for language in ("zh", "en")
    for tracking in ("none", "tensorboard", "swanlab", "wandb")
    for name in ("my-capstone", "Math.RL_2026", "我的 毕业 项目 2026")
]


@pytest.mark.parametrize("answers", ANSWERS, ids=lambda a: "-".join(a.values()))
def test_answer_matrix(template_dir, tmp_path, answers):
    project = render(template_dir, tmp_path / "p", "instruction-sft", **answers)
    dist, package = NAMES[answers["project_name"]]
    check_project(project, ["sft"], package)
    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["name"] == dist
    dependencies = " ".join(pyproject["project"]["dependencies"])
    for tracker in ("tensorboard", "swanlab", "wandb"):
        assert (tracker in dependencies) == (answers["tracking"] == tracker)
    pipeline = yaml.safe_load((project / "configs" / "pipeline.yaml").read_text(encoding="utf-8"))
    assert pipeline["report_to"] == answers["tracking"]
    readme = (project / "README.md").read_text(encoding="utf-8")
    assert ("快速开始" in readme) == (answers["language"] == "zh")


@pytest.mark.parametrize("title", list(NAMES))
def test_any_title_gives_valid_names(template_dir, tmp_path, title):
    project = render(template_dir, tmp_path / "p", "instruction-sft", project_name=title)
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text(encoding="utf-8"))
    assert (answers["project_name"], answers["dist_name"], answers["package_name"]) == (title, *NAMES[title])
    assert (project / "src" / NAMES[title][1] / "cli.py").is_file()


def test_the_title_is_shown_as_written_and_both_names_can_be_overridden(template_dir, tmp_path):
    title = '我的 "毕业" 项目 \\ 2026'
    project = render(
        template_dir, tmp_path / "p", "instruction-sft", project_name=title, dist_name="thesis-rl", package_name="thesis"
    )
    assert (project / "README.md").read_text(encoding="utf-8").startswith(f"# {title}\n")
    assert (project / "report/report.md").read_text(encoding="utf-8").startswith(f"# {title}：")
    assert yaml.safe_load((project / "slides/content.yaml").read_text(encoding="utf-8"))["title"] == title
    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["name"] == "thesis-rl" and pyproject["project"]["description"].startswith(title)
    demo = ast.parse((project / "demo/app.py").read_text(encoding="utf-8"))
    titles = [k.value.value for node in ast.walk(demo) if isinstance(node, ast.Call) for k in node.keywords if k.arg == "title"]
    assert titles == [title]
    assert (project / "src/thesis/cli.py").is_file()


def test_projects_carry_the_template_changelog(template_dir, tmp_path):
    project = render(template_dir, tmp_path / "p", "instruction-sft")
    carried = (project / "TEMPLATE_CHANGELOG.md").read_text(encoding="utf-8")
    assert carried == copier_sync.render_project_changelog()
    assert "Action needed" in carried and "## Unreleased" in carried


def test_unrendered_answers_are_caught_but_a_chat_template_is_not():
    assert unrendered_answers("name = {{ package_name }}\n{% if 'grpo' in stages %}x{% endif %}") == {"package_name", "stages"}
    assert unrendered_answers("{%- for message in messages %}{{- message.content }}{%- endfor %}") == set()


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
        assert (project / "src/my_capstone/scoring/rewards").is_dir() == ("grpo" in chosen)


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"recipe": "custom", "stages": []}, "at least one stage"),
        ({"recipe": "custom", "stages": ["rlhf"]}, "rlhf"),
        ({"recipe": "no-such-recipe"}, "no-such-recipe"),
        ({"project_name": "   "}, "project_name"),
        ({"project_name": "two\nlines"}, "project_name"),
        ({"dist_name": "my capstone"}, "dist_name"),
        ({"dist_name": "-dash-"}, "dist_name"),
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


# Imports every module of the package (side effects of import: none beyond warnings), and
# prints the ones that fail with their error, so one run names every broken import.
IMPORT_ALL = """
import importlib, pkgutil, sys, traceback
package = importlib.import_module(sys.argv[1])
names = [package.__name__] + [m.name for m in pkgutil.walk_packages(package.__path__, package.__name__ + ".")]
failed = []
for name in names:
    if name.endswith(".__main__"):
        continue  # runs the CLI
    try:
        importlib.import_module(name)
    except Exception:
        failed.append(name + ": " + traceback.format_exc(limit=1).strip().splitlines()[-1])
print(len(names), "modules")
print("\\n".join(failed))
sys.exit(1 if failed else 0)
"""


@pytest.mark.parametrize("recipe_id", RECIPE_IDS)
def test_every_module_of_a_rendered_project_imports(template_dir, tmp_path, recipe_id):
    """What an IDE or import analysis sees: every module resolves, nothing left out by
    _exclude is still imported at module level."""
    project = render(template_dir, tmp_path / "p", recipe_id)
    result = run_in(project, "-c", IMPORT_ALL, "my_capstone")
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    modules = sorted(str(p.relative_to(project / "src")) for p in (project / "src").rglob("*.py"))
    assert int(result.stdout.split()[0]) == len(modules), modules
