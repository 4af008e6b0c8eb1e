"""Recipe files: every one validates, bad ones fail naming file and field, and
copier.yml's generated block matches recipes/."""

from pathlib import Path

import pytest

from generator import TEMPLATE_ROOT, copier_sync
from generator.recipes import STAGES, RecipeError, get_recipe, load_recipe_file

from .conftest import RECIPE_IDS, RECIPES

SOURCE = TEMPLATE_ROOT / "recipes" / "instruction-sft.yaml"


def test_instruction_sft_and_custom_exist():
    assert {"instruction-sft", "custom"} <= set(RECIPE_IDS)


@pytest.mark.parametrize("recipe_id", RECIPE_IDS)
def test_recipe_is_complete(recipe_id):
    recipe = RECIPES[recipe_id]
    assert recipe.stage_names and set(recipe.stage_names) <= set(STAGES)
    assert recipe.minimum_gpu.startswith("gpu-")


def test_instruction_sft_is_the_course_lab():
    recipe = RECIPES["instruction-sft"]
    sft = recipe.stages[0]
    assert recipe.base_model == "Qwen/Qwen3-1.7B-Base"
    assert sft.data.dataset == "llamafactory/alpaca_gpt4_zh"
    assert (sft.model["lora_r"], sft.model["lora_alpha"], sft.model["lora_target_modules"]) == (32, 64, "all-linear")
    assert sft.model["load_in_4bit"] is True
    assert sft.training["learning_rate"] == 2e-4 and sft.training["lr_scheduler_type"] == "cosine"
    assert (sft.training["max_length"], sft.training["num_train_epochs"]) == (512, 1)


def test_copier_yml_is_in_sync_with_recipes():
    text = copier_sync.COPIER_YML.read_text(encoding="utf-8")
    assert copier_sync.current_block(text) == copier_sync.render_block(), "run `capstone sync`"


def test_drift_is_detected(tmp_path):
    """A new recipe file changes the block, so the sync test above would fail."""
    recipes = tmp_path / "recipes"
    recipes.mkdir()
    source = SOURCE.read_text(encoding="utf-8")
    (recipes / "instruction-sft.yaml").write_text(source, encoding="utf-8")
    (recipes / "extra-sft.yaml").write_text(source.replace("id: instruction-sft", "id: extra-sft"), encoding="utf-8")
    assert "extra-sft" in copier_sync.render_block(recipes)
    assert copier_sync.render_block(recipes) != copier_sync.render_block()


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda s: s.replace("- name: sft", "- name: rlhf"), "stages.0.name"),
        (lambda s: s.replace("format: alpaca", "format: csv"), "stages.0.data.format"),
        (lambda s: s.replace("base_model:", "base_modle:"), "base_modle"),
        (lambda s: s.replace("    - perplexity\n", "    - bleu\n"), "evaluation.metrics"),
        (lambda s: s.replace("id: instruction-sft", "id: other"), "id: expected the file name"),
        (lambda s: s + "\n  - [unclosed", "not valid YAML"),
    ],
)
def test_invalid_recipe_names_file_and_field(tmp_path, edit, message):
    path = tmp_path / "instruction-sft.yaml"
    path.write_text(edit(SOURCE.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(RecipeError) as raised:
        load_recipe_file(path)
    assert str(path) in str(raised.value) and message in str(raised.value)


def test_unknown_recipe_lists_the_known_ones():
    with pytest.raises(RecipeError, match="unknown recipe 'nope'.*instruction-sft"):
        get_recipe("nope")
