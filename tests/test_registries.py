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
READ_REGISTRIES = """
import json, sys
package = sys.argv[1]
formats = __import__(f"{package}.training.formats", fromlist=["CONVERTERS"])
tasks = __import__(f"{package}.scoring.evaluation.tasks", fromlist=["SCORERS"])
rewards = __import__(f"{package}.scoring.rewards", fromlist=["REWARDS"])
print(json.dumps({
    "formats": sorted(formats.CONVERTERS),
    "tasks": sorted(tasks.SCORERS),
    "task_metrics": {task: list(names) for task, names in tasks.TASK_METRICS.items()},
    "validation_metrics": list(tasks.VALIDATION_METRICS),
    "rewards": sorted(set(rewards.REWARDS) - set(rewards.CUSTOM_REWARDS)),  # custom.py's example is the student's
}))
"""


@pytest.fixture(scope="module")
def registries(template_dir, tmp_path_factory) -> dict:
    """The registries of a project with every registry present: SFT data, GRPO rewards, the scorers."""
    project = render(template_dir, tmp_path_factory.mktemp("registries") / "p", "custom", stages=["sft", "grpo"])
    result = run_in(project, "-c", READ_REGISTRIES, "my_capstone", timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_data_formats_are_the_converters(registries):
    assert set(registries["formats"]) == set(DATA_FORMATS)


def test_eval_tasks_are_the_scorers(registries):
    assert set(registries["tasks"]) == set(EVAL_TASKS)
    assert set(registries["task_metrics"]) == set(EVAL_TASKS)


def test_metrics_are_what_the_harness_produces(registries):
    """Every task's declared metrics (pass@k for the k's the generator offers) plus the
    validation metrics. The project's own test_scoring.py checks each scorer really
    returns what its task declares."""
    produced = {name for names in registries["task_metrics"].values() for name in names}
    produced |= set(registries["validation_metrics"])
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
