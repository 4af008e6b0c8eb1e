"""Keep what copier reads in step with recipes/, and the changelog that generated
projects carry in step with CHANGELOG.md. `capstone sync` writes three kinds of file;
a test fails when any of them drifts:

- copier.yml's generated block (between two marker lines): the recipe and stage
  choices, and the full lists of stages, sample files and prompt files that `_exclude`
  filters;
- recipes/resolved/<id>.yaml: each recipe as the schema validated it, every default
  filled in. The template reads this file (the `recipe_spec` question), so no template
  restates a schema default and plain `copier copy` needs no --trust;

Generated projects carry the version sections of CHANGELOG.md as TEMPLATE_CHANGELOG.md
(a plain file of the template, copied as it is), so "Action needed" reaches students
who update with plain `copier update`.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from generator import TEMPLATE_ROOT
from generator.recipes import PREFERENCE_STAGES, RECIPES_DIR, STAGES, Recipe, load_recipes

COPIER_YML = TEMPLATE_ROOT / "copier.yml"
CHANGELOG = TEMPLATE_ROOT / "CHANGELOG.md"
PROJECT_CHANGELOG = TEMPLATE_ROOT / "templates" / "TEMPLATE_CHANGELOG.md"
PROJECT_CHANGELOG_HEADER = """\
# Template changelog / 模板更新记录

What changed in the posttrain-capstone template this project was generated from (copied
from the template on every update; do not edit). After `copier update`, read the versions
newer than the one you had and do what their "Action needed" paragraphs say.

模板每个版本改了什么（每次更新时从模板复制过来，不要修改）。`copier update` 之后，
阅读比你原来版本新的各节，按 "Action needed"（需要你做的事）操作。
"""
RESOLVED_DIR = RECIPES_DIR / "resolved"
BEGIN = "# >>> generated from recipes/*.yaml by `capstone sync`: do not edit by hand"
END = "# <<< end of generated block"


def render_block(recipes_dir: Path | None = None) -> str:
    recipes = load_recipes(recipes_dir)
    custom_stages = [stage for recipe in recipes.values() if recipe.custom for stage in recipe.stage_names]
    all_stages = list(STAGES)  # every stage the template has, used by a recipe or not
    all_samples = sorted({name for recipe in recipes.values() for name in recipe.sample_files})
    all_prompts = sorted({recipe.evaluation.prompts for recipe in recipes.values()})
    lines = [
        BEGIN,
        "recipe:",
        "  type: str",
        "  help: |-",
        "    选择配方（训练流水线） / Choose a recipe (the training pipeline)",
        "  choices:",
    ]
    for recipe in recipes.values():
        label = f"{recipe.id}: {recipe.title.zh} / {recipe.title.en}"
        lines.append(f"    {json.dumps(label, ensure_ascii=False)}: {recipe.id}")
    default = "instruction-sft" if "instruction-sft" in recipes else next(iter(recipes))
    lines += [
        f"  default: {default}",
        "",
        # Everything else about the recipe is read at render time, defaults filled in.
        "recipe_spec:",
        "  type: yaml",
        "  when: false",
        "  default: \"{% include 'recipes/resolved/' ~ recipe ~ '.yaml' %}\"",
        "",
        # What `_exclude` chooses from: every stage and sample file some recipe uses.
        "all_stages:",
        "  type: yaml",
        "  when: false",
        f"  default: {json.dumps(all_stages)}",
        "",
        "all_samples:",
        "  type: yaml",
        "  when: false",
        f"  default: {json.dumps(all_samples)}",
        "",
        "all_prompts:",
        "  type: yaml",
        "  when: false",
        f"  default: {json.dumps(all_prompts)}",
        "",
        "preference_stages:",
        "  type: yaml",
        "  when: false",
        f"  default: {json.dumps(list(PREFERENCE_STAGES))}",
        "",
        "stages:",
        "  type: str",
        "  multiselect: true",
        "  help: |-",
        "    选择要组合的训练阶段（按流水线顺序运行） / Pick the stages to combine (run in pipeline order)",
        f"  choices: {json.dumps(custom_stages)}",
        # Fixed recipes answer this themselves; only `custom` asks.
        '  when: "{{ recipe_spec.custom }}"',
        "  default: \"{{ recipe_spec.stages | map(attribute='name') | list | to_json }}\"",
        '  validator: "{% if not stages %}choose at least one stage / 至少选择一个阶段{% endif %}"',
        END,
    ]
    return "\n".join(lines) + "\n"


def render_resolved(recipe: Recipe) -> str:
    """The recipe as the template reads it: validated, every default present."""
    header = f"# Generated from recipes/{recipe.id}.yaml by `capstone sync` (defaults filled in): do not edit.\n"
    return header + yaml.safe_dump(recipe.model_dump(mode="json"), allow_unicode=True, sort_keys=False, width=1000)


def resolved_files(recipes_dir: Path | None = None) -> dict[Path, str]:
    return {RESOLVED_DIR / f"{rid}.yaml": render_resolved(recipe) for rid, recipe in load_recipes(recipes_dir).items()}


def current_block(text: str) -> str:
    start, end = text.index(BEGIN), text.index(END) + len(END)
    return text[start:end] + "\n"


def render_project_changelog(changelog: Path = CHANGELOG) -> str:
    """The version sections of CHANGELOG.md (from the first '## ') under a header for students."""
    text = changelog.read_text(encoding="utf-8")
    sections = text[text.index("\n## ") + 1 :]
    return PROJECT_CHANGELOG_HEADER + "\n" + sections.rstrip() + "\n"


def stale_files() -> list[Path]:
    """The generated files that differ from what their sources give now."""
    stale = []
    if current_block(COPIER_YML.read_text(encoding="utf-8")) != render_block():
        stale.append(COPIER_YML)
    if not PROJECT_CHANGELOG.is_file() or PROJECT_CHANGELOG.read_text(encoding="utf-8") != render_project_changelog():
        stale.append(PROJECT_CHANGELOG)
    wanted = resolved_files()
    for path, text in wanted.items():
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            stale.append(path)
    stale += sorted(set(RESOLVED_DIR.glob("*.yaml")) - set(wanted))  # a recipe that is gone
    return stale


def sync() -> bool:
    """Rewrite the generated block and the project changelog where stale; return True when a file changed."""
    stale = stale_files()
    if COPIER_YML in stale:
        text = COPIER_YML.read_text(encoding="utf-8")
        COPIER_YML.write_text(text.replace(current_block(text), render_block()), encoding="utf-8")
    if PROJECT_CHANGELOG in stale:
        PROJECT_CHANGELOG.write_text(render_project_changelog(), encoding="utf-8")
    wanted = resolved_files()
    RESOLVED_DIR.mkdir(exist_ok=True)
    for path in stale:
        if path in wanted:
            path.write_text(wanted[path], encoding="utf-8")
        elif path.parent == RESOLVED_DIR:
            path.unlink()
    return bool(stale)
