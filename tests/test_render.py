"""Rendering: every recipe, a matrix of answers, custom stage choices, bad answers."""

import ast
import itertools
import re
import shutil
from pathlib import Path

import pytest
import tomllib
import yaml

from generator import TEMPLATE_ROOT, copier_sync
from generator.recipes import PREFERENCE_STAGES, STAGES, load_recipe_file

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
    # Preference stages share training/stages/preference.py (and the pair converters, on-policy pairs).
    shared = {"__init__", "common"} | ({"preference"} if set(stages) & set(PREFERENCE_STAGES) else set())
    assert {p.stem for p in (source / "training" / "stages").glob("*.py")} == shared | set(stages)
    assert (source / "training" / "pairs.py").is_file() == ("preference" in shared)
    assert {p.stem for p in (project / "configs").glob("*.yaml")} == {"pipeline", "eval", "demo", *stages}
    absent = set(STAGES) - set(stages)  # no module, config or test of a stage not chosen
    assert not [p for p in project.rglob("*") if p.stem in absent or p.stem in {f"test_{stage}" for stage in absent}]
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


def module_file(source_root: Path, parts: list[str]) -> Path | None:
    """The file of module `parts` (a.b.c) under `source_root`: a/b/c.py or a/b/c/__init__.py."""
    base = source_root.joinpath(*parts)
    return next((path for path in (base.with_suffix(".py"), base / "__init__.py") if path.is_file()), None)


def bound_names(tree: ast.Module) -> set[str]:
    """The names a module binds at its top level, inside if/try/with blocks too: functions,
    classes, assignments and imports ("*" when it star-imports, so anything may be there)."""
    names: set[str] = set()
    statements = list(tree.body)
    while statements:
        node = statements.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(name.id for target in targets for name in ast.walk(target) if isinstance(name, ast.Name))
        else:  # a compound statement: its blocks bind at the top level too
            for block in ("body", "orelse", "finalbody", "handlers"):
                statements += getattr(node, block, [])
    return names


def unresolved_imports(source_root: Path, package: str) -> list[str]:
    """Every import of the package's own modules (relative, or absolute by its name) in any of
    its .py files, inside functions too, whose module is not there or does not have the name
    imported from it (a name is a submodule or bound at the module's top level)."""
    problems = []
    for path in sorted((source_root / package).rglob("*.py")):
        parent = list(path.relative_to(source_root).parts[:-1])  # the package `from .` means
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in sorted((n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))), key=lambda n: n.lineno):
            where = f"{path.relative_to(source_root).as_posix()}:{node.lineno}"
            if isinstance(node, ast.Import):
                wanted = [alias.name.split(".") for alias in node.names if alias.name.split(".")[0] == package]
                problems += [f"{where}: no module {'.'.join(parts)}" for parts in wanted if not module_file(source_root, parts)]
                continue
            if node.level:
                if node.level > len(parent):
                    problems.append(f"{where}: '{'.' * node.level}' goes above the package")
                    continue
                target = parent[: len(parent) - node.level + 1] + (node.module.split(".") if node.module else [])
            elif node.module and node.module.split(".")[0] == package:
                target = node.module.split(".")
            else:
                continue  # another library's import
            file = module_file(source_root, target)
            if file is None:
                problems.append(f"{where}: no module {'.'.join(target)}")
                continue
            names = bound_names(ast.parse(file.read_text(encoding="utf-8")))
            for alias in node.names:
                if not ({"*", alias.name} & names or module_file(source_root, [*target, alias.name])):
                    problems.append(f"{where}: {'.'.join(target)} has no name {alias.name}")
    return problems


def test_the_import_check_finds_what_is_missing_even_inside_functions(tmp_path):
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "here.py").write_text("try:\n    VALUE = 1\nexcept ValueError:\n    pass\n", encoding="utf-8")
    (package / "sub" / "__init__.py").write_text("from ..here import VALUE\nfrom . import lazy\n", encoding="utf-8")
    lazy = "def later():\n    from ..gone import g\n    from ..here import VALUE, missing\n    import pkg.sub.nothing\n"
    (package / "sub" / "lazy.py").write_text(lazy + "    import os, pkg.here\n    from ... import beyond\n", encoding="utf-8")
    assert unresolved_imports(tmp_path, "pkg") == [
        "pkg/sub/lazy.py:2: no module pkg.gone",
        "pkg/sub/lazy.py:3: pkg.here has no name missing",
        "pkg/sub/lazy.py:4: no module pkg.sub.nothing",
        "pkg/sub/lazy.py:6: '...' goes above the package",
    ]


STAGE_CHOICES = [pytest.param(recipe_id, {}, id=recipe_id) for recipe_id in RECIPE_IDS] + [
    pytest.param("custom", {"stages": [stage]}, id=f"custom-{stage}") for stage in STAGES
]


@pytest.mark.parametrize(("recipe_id", "answers"), STAGE_CHOICES)
def test_every_import_of_a_rendered_project_resolves(template_dir, tmp_path, recipe_id, answers):
    """Static import analysis, as an IDE does it: every import of the package's own modules,
    those inside functions included, names a module the project has, so nothing that
    _exclude leaves out is imported anywhere, lazily or not."""
    project = render(template_dir, tmp_path / "p", recipe_id, **answers)
    assert unresolved_imports(project / "src", "my_capstone") == []


def add_recipe(template: Path, recipe: dict) -> None:
    """Add a recipe to a copy of the template as `capstone sync` would: its file, its
    resolved file and copier.yml's generated block."""
    recipes = template / "recipes"
    path = recipes / f"{recipe['id']}.yaml"
    path.write_text(yaml.safe_dump(recipe, allow_unicode=True, sort_keys=False), encoding="utf-8")
    (recipes / "resolved" / path.name).write_text(copier_sync.render_resolved(load_recipe_file(path)), encoding="utf-8")
    copier_yml = template / "copier.yml"
    text = copier_yml.read_text(encoding="utf-8")
    copier_yml.write_text(text.replace(copier_sync.current_block(text), copier_sync.render_block(recipes)), encoding="utf-8")


def test_a_math_evaluation_without_rewards_brings_the_scoring_it_needs(template_dir, tmp_path):
    """with_rewards has two halves, a grpo stage or a scored evaluation: an SFT-only recipe
    evaluated on maths gets the math task and the answer checks, and every module imports."""
    template = tmp_path / "template"
    shutil.copytree(template_dir, template)
    recipe = yaml.safe_load((TEMPLATE_ROOT / "recipes" / "math-reasoning.yaml").read_text(encoding="utf-8"))
    recipe.update(id="math-sft", stages=[stage for stage in recipe["stages"] if stage["name"] == "sft"])
    assert recipe["evaluation"]["task"] == "math" and recipe["evaluation"]["data"]["samples"] == "gsm8k_test.jsonl"
    add_recipe(template, recipe)

    project = render(template, tmp_path / "p", "math-sft")
    check_project(project, ["sft"], "my_capstone")
    source = project / "src" / "my_capstone"
    assert (source / "scoring" / "answers.py").is_file() and (source / "scoring" / "evaluation" / "tasks" / "math.py").is_file()
    assert (project / "data" / "samples" / "gsm8k_test.jsonl").is_file()
    assert unresolved_imports(project / "src", "my_capstone") == []
    result = run_in(project, "-c", IMPORT_ALL, "my_capstone")
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    registry = "from my_capstone.scoring.evaluation.tasks import SCORERS; print(*sorted(SCORERS))"
    assert run_in(project, "-c", registry).stdout.split() == ["chat", "code", "math"]
