"""The generator's lists of names and the rendered project's registries are the same lists.

generator/recipes.py validates recipes against DATA_FORMATS, EVAL_TASKS, METRICS and
REWARDS; the generated project converts, evaluates and rewards with its own registries.
A name in one and not the other is a recipe that validates and then fails in the
project (or a feature no recipe can reach): these tests keep them equal.
"""

from __future__ import annotations

import json
import re

import pytest

from generator.recipes import DATA_FORMATS, EVAL_TASKS, METRICS, REWARDS, RecipeError, StageSpec

from .conftest import render, run_in

# Prints the project's registries as JSON: run inside a rendered project (PYTHONPATH=src).
# A module a project was generated without contributes nothing (find_spec), so the test
# merges the registries of projects that together have every module.
READ_REGISTRIES = """
import json, sys
from importlib import import_module
from importlib.util import find_spec
package = sys.argv[1]
def have(name):
    return find_spec(f"{package}.{name}") is not None
formats = import_module(f"{package}.training.formats")
tasks = import_module(f"{package}.scoring.evaluation.tasks")
pairs = import_module(f"{package}.training.pairs") if have("training.pairs") else None
rewards = import_module(f"{package}.scoring.rewards") if have("scoring.rewards") else None
print(json.dumps({
    "formats": sorted(formats.CONVERTERS)
    + sorted(pairs.PAIR_CONVERTERS if pairs else [])
    + sorted({name for converters in tasks.DATA_CONVERTERS.values() for name in converters}),
    "tasks": sorted(tasks.SCORERS),
    "task_metrics": {task: list(names) for task, names in tasks.TASK_METRICS.items()},
    "validation_metrics": list(tasks.VALIDATION_METRICS),
    "pairwise_metrics": list(tasks.PAIRWISE_METRICS),
    # custom.py's example is the student's
    "rewards": sorted(set(rewards.REWARDS) - set(rewards.CUSTOM_REWARDS)) if rewards else [],
}))
"""
# Together: every converter (messages, pairs), every task and the rewards.
PROJECTS = {
    "custom": {"stages": ["sft", "dpo", "grpo"]},
    "safety-alignment": {},
    "chinese-writing": {},
}


@pytest.fixture(scope="module")
def registries(template_dir, tmp_path_factory) -> dict:
    """The union of the registries of PROJECTS."""
    merged: dict = {}
    for recipe, answers in PROJECTS.items():
        project = render(template_dir, tmp_path_factory.mktemp("registries") / recipe, recipe, **answers)
        result = run_in(project, "-c", READ_REGISTRIES, "my_capstone", timeout=300)
        assert result.returncode == 0, result.stderr[-3000:]
        for key, value in json.loads(result.stdout.strip().splitlines()[-1]).items():
            if isinstance(value, dict):
                merged.setdefault(key, {}).update(value)
            else:
                merged[key] = sorted(set(merged.get(key, [])) | set(value))
    return merged


def test_data_formats_are_the_converters(registries):
    assert set(registries["formats"]) == set(DATA_FORMATS)


def test_eval_tasks_are_the_scorers(registries):
    assert set(registries["tasks"]) == set(EVAL_TASKS)
    assert set(registries["task_metrics"]) == set(EVAL_TASKS)


def test_metrics_are_what_the_harness_produces(registries):
    """Every task's declared metrics (pass@k for the k's the generator offers), the
    validation metrics and the pairwise ones. The project's own tests check each scorer
    really returns what its task declares."""
    produced = {name for names in registries["task_metrics"].values() for name in names}
    produced |= set(registries["validation_metrics"]) | set(registries["pairwise_metrics"])
    offered = {re.sub(r"^pass@\d+$", "pass@k", metric) for metric in METRICS}
    assert produced == offered


def test_reward_names_are_the_registered_rewards(registries):
    assert set(registries["rewards"]) == set(REWARDS)


def grpo_stage(*rewards: dict) -> dict:
    return {
        "name": "grpo",
        "data": {"dataset": "openai/gsm8k", "format": "gsm8k", "samples": "gsm8k_train.jsonl"},
        "training": {"max_completion_length": 256},
        "rewards": list(rewards),
    }


@pytest.mark.parametrize("name", [*REWARDS, "my_rewards.brevity", "my_capstone.scoring.rewards.custom.concise_answer"])
def test_recipes_name_registered_rewards_or_dotted_paths(name):
    StageSpec.model_validate(grpo_stage({"name": name, "weight": 1.0}))


@pytest.mark.parametrize("name", ["acuracy", "concise_answer", "my_rewards.", ".brevity", "my rewards.brevity"])
def test_an_unknown_reward_name_fails_validation(name):
    with pytest.raises(ValueError, match=f"unknown reward '{re.escape(name)}'"):
        StageSpec.model_validate(grpo_stage({"name": name}))


def test_an_unknown_reward_in_a_recipe_file_names_file_and_field(tmp_path):
    from generator.recipes import RECIPES_DIR, load_recipe_file

    text = (RECIPES_DIR / "math-reasoning.yaml").read_text(encoding="utf-8")
    assert "{name: think_format_lenient," in text
    path = tmp_path / "math-reasoning.yaml"
    path.write_text(text.replace("{name: think_format_lenient,", "{name: think_format_lenien,"), encoding="utf-8")
    with pytest.raises(RecipeError, match=r"math-reasoning.yaml: stages\.1.*unknown reward 'think_format_lenien'"):
        load_recipe_file(path)
