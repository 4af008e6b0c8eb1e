"""Recipe files: every one validates, bad ones fail naming file and field, and
copier.yml's generated block matches recipes/."""

import re

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
    assert (sft.training["max_length"], sft.training["num_train_epochs"]) == (2048, 1)  # long answers keep their end


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


MATH = TEMPLATE_ROOT / "recipes" / "math-reasoning.yaml"
CODE = TEMPLATE_ROOT / "recipes" / "code-reasoning.yaml"


def test_reasoning_recipes_follow_the_issue():
    math, code = RECIPES["math-reasoning"], RECIPES["code-reasoning"]
    assert math.stage_names == code.stage_names == ["sft", "grpo"]
    assert math.base_model == "Qwen/Qwen3-1.7B-Base"
    grpo = math.stages[1]
    assert (grpo.data.dataset, grpo.data.config, grpo.data.split) == ("openai/gsm8k", "main", "train")
    assert [reward["name"] for reward in grpo.rewards][:2] == ["accuracy", "think_format_lenient"]
    assert math.evaluation.task == "math" and math.evaluation.data.split == "test"
    assert code.stages[1].rewards[0]["name"] == "code_execution"
    assert code.evaluation.task == "code" and {"pass@1", "pass@5"} <= set(code.evaluation.metrics)
    assert all(recipe.with_rewards for recipe in (math, code)) and not RECIPES["instruction-sft"].with_rewards


@pytest.mark.parametrize(
    ("source", "edit", "message"),
    [
        (
            MATH,
            lambda s: re.sub(r"    rewards:.*?(?=    training:)", "", s, count=1, flags=re.DOTALL),
            "needs at least one reward",
        ),
        (
            SOURCE,
            lambda s: s.replace("      logging_steps: 10\n", "      logging_steps: 10\n    rewards: [{name: accuracy}]\n"),
            "belong to grpo stages",
        ),
        (MATH, lambda s: s.replace("  task: math\n", "  task: chat\n"), "task 'chat' reads its prompts file only"),
        (CODE, lambda s: s.replace("  samples_per_task: 5\n", "  samples_per_task: 2\n"), "pass@5 needs samples_per_task >= 5"),
        (MATH, lambda s: s.replace("      max_completion_length: 512\n", ""), "states `training.max_completion_length`"),
        (SOURCE, lambda s: s.replace("      max_length: 2048", "      max_length: long"), "states `training.max_length`"),
    ],
)
def test_invalid_reasoning_recipes_are_explained(tmp_path, source, edit, message):
    path = tmp_path / source.name
    path.write_text(edit(source.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(RecipeError, match=message):
        load_recipe_file(path)


SAFETY = TEMPLATE_ROOT / "recipes" / "safety-alignment.yaml"
WRITING = TEMPLATE_ROOT / "recipes" / "chinese-writing.yaml"


def test_preference_recipes_follow_the_issue():
    safety, writing = RECIPES["safety-alignment"], RECIPES["chinese-writing"]
    assert safety.stage_names == ["sft", "dpo"] and writing.stage_names == ["sft", "simpo"]
    dpo = safety.stages[1]
    assert (dpo.data.dataset, dpo.data.format, dpo.data.columns["preferred_id"]) == (
        "PKU-Alignment/PKU-SafeRLHF",
        "pku_saferlhf",
        "safer_response_id",
    )
    assert safety.evaluation.task == "safety" and {"refusal_rate", "over_refusal_rate", "judge_helpfulness"} <= set(
        safety.evaluation.metrics
    )
    simpo = writing.stages[1]
    assert (simpo.data.dataset, simpo.data.config, simpo.data.format) == (
        "llamafactory/DPO-En-Zh-20k",
        "zh",
        "sharegpt_preference",
    )
    assert writing.evaluation.task == "writing" and writing.evaluation.compare_to == "sft"
    assert {"win_rate", "tie_rate", "response_chars", "repetition_rate"} <= set(writing.evaluation.metrics)
    # Judged evaluation and pairs from datasets need none of scoring/'s rewards or sandbox.
    assert not safety.with_rewards and not writing.with_rewards
    assert set(RECIPES["custom"].stage_names) == set(STAGES)


@pytest.mark.parametrize(
    ("source", "edit", "message"),
    [
        (SAFETY, lambda s: s.replace("format: pku_saferlhf", "format: messages"), "reads preference pairs"),
        (SAFETY, lambda s: s.replace("      format: messages\n", "      format: preference\n"), "sft stage reads conversations"),
        (SAFETY, lambda s: s.replace("format: pku_saferlhf", "format: kto"), "read by the kto stage only"),
        (
            SAFETY,
            lambda s: s.replace(
                "    training:                     # trl.DPOConfig", "    pairs: {samples_per_prompt: 4}\n    training:  #"
            ),
            "prompts \\(on-policy pairs\\)",
        ),
        (SAFETY, lambda s: s.replace("  - name: sft\n", "  - name: sft\n    pairs: {}\n", 1), "belongs to"),
        (SAFETY, lambda s: s.replace("format: xstest", "format: gsm8k"), "data.format must be one of \\['xstest'\\]"),
        (WRITING, lambda s: s.replace("compare_to: sft", "compare_to: dpo"), "'dpo' is not one of the stages"),
    ],
)
def test_invalid_preference_recipes_are_explained(tmp_path, source, edit, message):
    path = tmp_path / source.name
    text = edit(source.read_text(encoding="utf-8"))
    assert text != source.read_text(encoding="utf-8")  # the edit applied
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RecipeError, match=message):
        load_recipe_file(path)


def test_on_policy_pairs_scored_by_a_reward_need_scoring():
    """A preference stage whose pairs a reward scores gets scoring/'s rewards; the judge needs none."""
    from generator.recipes import StageSpec

    base = RECIPES["safety-alignment"].stages[1].model_dump(exclude={"uses_scoring"})
    data = {**base["data"], "format": "messages"}
    judged = StageSpec.model_validate({**base, "data": data, "pairs": {"scorer": "judge"}})
    rewarded = StageSpec.model_validate({**base, "data": data, "pairs": {"scorer": "accuracy"}})
    assert not judged.uses_scoring and rewarded.uses_scoring


def test_a_grpo_stage_states_its_trainer_in_the_resolved_recipe(tmp_path):
    """The template reads the trainer from the resolved recipe, never a default of its own."""
    path = tmp_path / MATH.name
    path.write_text(MATH.read_text(encoding="utf-8").replace("    trainer: grpo ", "    "), encoding="utf-8")
    assert "trainer: grpo" not in path.read_text(encoding="utf-8")
    recipe = load_recipe_file(path)
    assert [stage.trainer for stage in recipe.stages] == [None, "grpo"]
    assert "trainer: grpo" in copier_sync.render_resolved(recipe)


def test_sync_writes_resolved_recipes_and_removes_the_one_of_a_deleted_recipe(tmp_path, monkeypatch):
    for name in ("COPIER_YML", "PROJECT_CHANGELOG"):
        copy = tmp_path / getattr(copier_sync, name).name
        copy.write_bytes(getattr(copier_sync, name).read_bytes())
        monkeypatch.setattr(copier_sync, name, copy)
    resolved = tmp_path / "resolved"
    resolved.mkdir()
    (resolved / "gone.yaml").write_text("id: gone\n", encoding="utf-8")
    (resolved / "math-reasoning.yaml").write_text("stale\n", encoding="utf-8")
    monkeypatch.setattr(copier_sync, "RESOLVED_DIR", resolved)

    assert resolved / "gone.yaml" in copier_sync.stale_files()
    assert copier_sync.sync() is True

    assert sorted(p.stem for p in resolved.glob("*.yaml")) == sorted(RECIPES)
    math = (resolved / "math-reasoning.yaml").read_text(encoding="utf-8")
    assert math == copier_sync.render_resolved(RECIPES["math-reasoning"]) and "uses_scoring: true" in math
    assert copier_sync.stale_files() == [] and copier_sync.sync() is False
