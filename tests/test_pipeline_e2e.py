"""Every recipe, rendered and run end to end on the tiny model: its smoke pipeline writes a
results.json that honours the contract and ends with slides and a filled report, and the
project's own test suite passes."""

import json
import math
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest
from pptx import Presentation

from .conftest import RECIPE_IDS, RECIPES, project_env, render, run_in

pytestmark = pytest.mark.slow


def check_results_contract(results: dict, recipe_id: str, project: Path) -> None:
    """outputs/results.json as DESIGN.md defines it."""
    recipe = RECIPES[recipe_id]
    assert results["recipe"] == recipe_id and results["profile"] == "tiny"
    assert [stage["name"] for stage in results["stages"]] == recipe.stage_names
    for stage in results["stages"]:
        assert (project / stage["model_path"] / "config.json").is_file()
        assert stage["model_path"].endswith(f"{stage['name']}/model")
        assert math.isfinite(stage["summary"]["train_loss"]) and stage["summary"]["steps"] > 0
        assert (project / stage["log_history"]).is_file()
    assert [entry["model"] for entry in results["evaluations"]] == ["base", *recipe.stage_names]
    for entry in results["evaluations"]:
        assert list(entry["metrics"]) == list(recipe.evaluation.metrics)
        assert entry["generation"] == results["evaluations"][0]["generation"]
        assert entry["prompt_template"] == results["evaluations"][0]["prompt_template"]
        lines = (project / entry["generations"]).read_text(encoding="utf-8").splitlines()
        assert len(lines) == entry["n_prompts"] > 0


def check_slides_and_report(results: dict, project: Path) -> None:
    """The talk's material exists and carries results.json's numbers."""
    deck = Presentation(str(project / "slides/slides.pptx"))
    assert 8 <= len(deck.slides) <= 10
    assert all(slide.notes_slide.notes_text_frame.text for slide in deck.slides)
    cells = {
        cell.text
        for slide in deck.slides
        for shape in slide.shapes
        if shape.has_table
        for row in shape.table.rows
        for cell in row.cells
    }
    report = (project / "report/report.md").read_text(encoding="utf-8")
    assert "<!-- BEGIN metrics -->\n<!-- END metrics -->" not in report  # the block was filled
    for entry in results["evaluations"]:
        loss = entry["metrics"].get("validation_loss")
        if loss is not None:
            assert f"{loss:.4g}" in cells and f"{loss:.4g}" in report


# Tasks the judge scores: their tiny runs talk to the project's own test server on 127.0.0.1.
JUDGED_TASKS = ("safety", "writing")
JUDGE_SECRETS = {"JUDGE_MODEL": "stub-judge-model-7f3a", "JUDGE_API_KEY": "sk-test-never-written-9c2e"}


@contextmanager
def judge_endpoint(project: Path):
    """The project's tests/judge_server.py as a real server process; yields the JUDGE_* environment."""
    server = subprocess.Popen(
        [sys.executable, "tests/judge_server.py"], cwd=project, env=project_env(), stdout=subprocess.PIPE, text=True
    )
    try:
        url = server.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), url
        yield {"JUDGE_BASE_URL": url, **JUDGE_SECRETS}
    finally:
        server.kill()
        server.wait()


def check_judge_secrets_kept(project: Path, environment: dict[str, str]) -> None:
    """The judge's endpoint, model and key appear in no file the run wrote."""
    for path in (project / "outputs").rglob("*"):
        if path.is_file() and path.suffix in {".json", ".jsonl", ".yaml", ".md", ".txt", ".log"}:
            text = path.read_text(encoding="utf-8", errors="replace")
            leaked = [value for value in environment.values() if value in text]
            assert not leaked, f"{path} contains {leaked}"


@pytest.mark.parametrize("recipe_id", RECIPE_IDS)
def test_recipe_runs_end_to_end(template_dir, tmp_path, recipe_id):
    project = render(template_dir, tmp_path / recipe_id, recipe_id)
    recipe = RECIPES[recipe_id]

    judge: dict[str, str] = {}
    if recipe.evaluation.task in JUDGED_TASKS:
        with judge_endpoint(project) as judge:
            smoke = run_in(project, "-m", "my_capstone", "run", "--profile", "tiny", env=judge)
        check_judge_secrets_kept(project, judge)
    else:
        smoke = run_in(project, "-m", "my_capstone", "run", "--profile", "tiny")
    assert smoke.returncode == 0, smoke.stdout[-3000:] + smoke.stderr[-3000:]
    assert not any(value in smoke.stdout + smoke.stderr for value in judge.values())  # endpoint, model, key
    results = json.loads((project / "outputs/tiny/results.json").read_text(encoding="utf-8"))
    check_results_contract(results, recipe_id, project)
    if recipe.evaluation.task in JUDGED_TASKS:  # every judge metric ran, against the local server
        pairwise = ("win_rate", "tie_rate", "loss_rate")
        judged = [m for m in recipe.evaluation.metrics if m.startswith("judge_") or m in pairwise]
        for entry in results["evaluations"]:
            # The reference of the pairwise comparison is not compared with itself.
            expected = [m for m in judged if not (m in pairwise and entry["model"] == recipe.evaluation.compare_to)]
            assert all(isinstance(entry["metrics"][m], (int, float)) for m in expected), (entry["model"], entry["metrics"])
    for stage in RECIPES[recipe_id].stage_names:
        assert (project / f"outputs/tiny/plots/{stage}_training.png").stat().st_size > 0
    check_slides_and_report(results, project)

    own_tests = run_in(project, "-m", "pytest", "-q", "-p", "no:cacheprovider")
    assert own_tests.returncode == 0, own_tests.stdout[-5000:]
    assert " passed" in own_tests.stdout and " failed" not in own_tests.stdout


@pytest.mark.parametrize("stages", [["grpo"], ["orpo", "kto"]])
def test_custom_subsets_run_end_to_end(template_dir, tmp_path, stages):
    """Custom pipelines that start from the base model: RL, or ORPO (no SFT before it) then KTO."""
    project = render(template_dir, tmp_path / "custom", "custom", stages=stages)
    smoke = run_in(project, "-m", "my_capstone", "run", "--profile", "tiny")
    assert smoke.returncode == 0, smoke.stdout[-3000:] + smoke.stderr[-3000:]
    results = json.loads((project / "outputs/tiny/results.json").read_text(encoding="utf-8"))
    assert [stage["name"] for stage in results["stages"]] == stages
    assert [entry["model"] for entry in results["evaluations"]] == ["base", *stages]
    check_slides_and_report(results, project)
