"""The `capstone` command: listing, showing, creating and updating, and its refusals."""

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from generator import cli, copier_sync, recipes

from .conftest import render


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def git(project: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=project, check=True, capture_output=True, text=True).stdout


def commit_all(project: Path) -> None:
    git(project, "init", "-q")
    git(project, "add", "-A")
    git(project, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "generated")


def test_list_shows_every_recipe(capsys):
    code, out, _ = run_cli(capsys, "list")
    assert code == 0
    assert "instruction-sft" in out and "custom" in out and "Qwen/Qwen3-1.7B-Base" in out and "gpu-24gb" in out


def test_show_gives_pipeline_and_defaults(capsys):
    code, out, _ = run_cli(capsys, "show", "instruction-sft")
    assert code == 0
    assert "llamafactory/alpaca_gpt4_zh" in out and "QLoRA 4-bit r=32 alpha=64" in out and "learning_rate=0.0002" in out


def test_unknown_recipe_is_one_line_and_nonzero(capsys, tmp_path):
    for args in (["show", "nope"], ["new", "nope", str(tmp_path / "p")]):
        code, _, err = run_cli(capsys, *args)
        assert code == 2 and "unknown recipe 'nope'" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "p").exists()


def test_new_creates_a_project(capsys, template_dir, tmp_path):
    destination = tmp_path / "demo"
    code, out, _ = run_cli(
        capsys,
        "new",
        "instruction-sft",
        str(destination),
        "--template",
        str(template_dir),
        "--data",
        "project_name=demo-sft",
        "--data",
        "language=en",
    )
    assert code == 0 and "make smoke" in out
    answers = yaml.safe_load((destination / ".copier-answers.yml").read_text(encoding="utf-8"))
    assert (answers["recipe"], answers["package_name"], answers["language"]) == ("instruction-sft", "demo_sft", "en")
    assert (destination / "src" / "demo_sft" / "training" / "stages" / "sft.py").is_file()


def test_new_custom_takes_stages_as_json(capsys, template_dir, tmp_path):
    code, _, _ = run_cli(
        capsys, "new", "custom", str(tmp_path / "c"), "--template", str(template_dir), "--data", 'stages=["sft"]'
    )
    assert code == 0 and (tmp_path / "c" / "configs" / "sft.yaml").is_file()


def test_new_refuses_a_non_empty_destination_and_leaves_it_alone(capsys, template_dir, tmp_path):
    destination = tmp_path / "busy"
    destination.mkdir()
    (destination / "notes.txt").write_text("mine", encoding="utf-8")
    code, _, err = run_cli(capsys, "new", "instruction-sft", str(destination), "--template", str(template_dir))
    assert code == 2 and "not empty" in err
    assert [p.name for p in destination.iterdir()] == ["notes.txt"]


@pytest.mark.parametrize(
    ("pair", "message"),
    [("dist_name=bad name!", "dist_name"), ("package_name=import", "package_name"), ("oops", "KEY=VALUE")],
)
def test_new_refuses_bad_answers_and_writes_nothing(capsys, template_dir, tmp_path, pair, message):
    destination = tmp_path / "p"
    code, _, err = run_cli(capsys, "new", "instruction-sft", str(destination), "--template", str(template_dir), "--data", pair)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1
    assert not destination.exists()


def test_new_into_an_existing_empty_folder_leaves_it_empty_on_failure(capsys, template_dir, tmp_path):
    destination = tmp_path / "empty"
    destination.mkdir()
    code, _, _ = run_cli(
        capsys, "new", "instruction-sft", str(destination), "--template", str(template_dir), "--data", "package_name=1x"
    )
    assert code == 2 and destination.is_dir() and not any(destination.iterdir())


def test_a_recipe_failing_the_schema_is_reported(capsys, tmp_path, monkeypatch):
    source = (recipes.RECIPES_DIR / "instruction-sft.yaml").read_text(encoding="utf-8")
    (tmp_path / "instruction-sft.yaml").write_text(
        source.replace("lora_r: 32\n", "lora_r: 32\n  bogus: 1\n", 1), encoding="utf-8"
    )
    (tmp_path / "broken.yaml").write_text(
        source.replace("id: instruction-sft", "id: broken").replace("split: train", "split: [1, 2]"), encoding="utf-8"
    )
    monkeypatch.setattr(recipes, "RECIPES_DIR", tmp_path)
    code, _, err = run_cli(capsys, "list")
    assert code == 2 and "broken.yaml" in err and "stages.0.data.split" in err
    code, _, err = run_cli(capsys, "new", "broken", str(tmp_path / "p"))
    assert code == 2 and "broken.yaml" in err and not (tmp_path / "p").exists()


def test_update_refuses_a_folder_that_is_not_a_project(capsys, tmp_path):
    code, _, err = run_cli(capsys, "update", str(tmp_path))
    assert code == 2 and "not a generated project" in err


def test_update_refuses_a_dirty_tree_and_changes_nothing(capsys, template_dir, tmp_path):
    project = render(template_dir, tmp_path / "p", "instruction-sft")
    commit_all(project)
    config = project / "configs" / "sft.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "# my note\n", encoding="utf-8")
    before = {p: p.read_bytes() for p in project.rglob("*") if p.is_file() and ".git" not in p.parts}
    code, _, err = run_cli(capsys, "update", str(project))
    assert code == 2 and "uncommitted changes" in err and "git add -A && git commit" in err
    assert before == {p: p.read_bytes() for p in project.rglob("*") if p.is_file() and ".git" not in p.parts}


def test_update_refuses_a_project_outside_git(capsys, template_dir, tmp_path):
    project = render(template_dir, tmp_path / "p", "instruction-sft")
    code, _, err = run_cli(capsys, "update", str(project))
    assert code == 2 and "not a git repository" in err


def test_sync_check_passes_on_this_checkout(capsys):
    code, out, _ = run_cli(capsys, "sync", "--check")
    assert code == 0 and "in sync" in out


def test_sync_check_fails_when_the_project_changelog_is_stale(capsys, tmp_path, monkeypatch):
    stale = tmp_path / "TEMPLATE_CHANGELOG.md"
    stale.write_text(copier_sync.render_project_changelog().replace("Action needed", "Action", 1), encoding="utf-8")
    monkeypatch.setattr(copier_sync, "PROJECT_CHANGELOG", stale)
    code, _, err = run_cli(capsys, "sync", "--check")
    assert code == 1 and "TEMPLATE_CHANGELOG.md is out of date" in err


def test_new_prints_the_packages_derived_from_a_chinese_title(capsys, template_dir, tmp_path):
    code, out, _ = run_cli(
        capsys,
        "new",
        "instruction-sft",
        str(tmp_path / "p"),
        "--template",
        str(template_dir),
        "--data",
        "project_name=我的 毕业 项目 2026",
    )
    assert code == 0 and "(package capstone_2026)" in out


def test_plain_copier_copy_works_without_trust(tmp_path):
    """The command the README promises, on this repository itself."""
    destination = tmp_path / "x"
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "copier"),
            "copy",
            "--defaults",
            "--data",
            "recipe=instruction-sft",
            ".",
            str(destination),
        ],
        cwd=recipes.TEMPLATE_ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert (destination / "configs" / "sft.yaml").is_file() and (destination / "Makefile").is_file()


def test_sync_check_names_stale_files_by_their_path_in_the_repository(capsys, monkeypatch):
    monkeypatch.setattr(copier_sync, "stale_files", lambda: [copier_sync.RESOLVED_DIR / "math-reasoning.yaml"])
    code, _, err = run_cli(capsys, "sync", "--check")
    assert code == 1 and "recipes/resolved/math-reasoning.yaml is out of date" in err


def test_sync_check_says_what_is_in_sync(capsys, monkeypatch):
    monkeypatch.setattr(copier_sync, "stale_files", lambda: [])
    code, out, _ = run_cli(capsys, "sync", "--check")
    assert code == 0 and "recipes/resolved/" in out
