"""Keep copier.yml's recipe questions in step with recipes/, and the changelog that
generated projects carry in step with CHANGELOG.md.

copier.yml cannot enumerate files, so the recipe and stage choices live in a
generated block between two marker lines. `capstone sync` rewrites that block from
recipes/; a test fails when it drifts. Everything else about a recipe reaches the
template by reading recipes/<id>.yaml at render time (the `recipe_spec` question).

Generated projects carry the version sections of CHANGELOG.md as TEMPLATE_CHANGELOG.md
(a plain file of the template, copied as it is), so "Action needed" reaches students
who update with plain `copier update`.
"""

from __future__ import annotations

import json
from pathlib import Path

from generator import TEMPLATE_ROOT
from generator.recipes import load_recipes

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
BEGIN = "# >>> generated from recipes/*.yaml by `capstone sync`: do not edit by hand"
END = "# <<< end of generated block"


def render_block(recipes_dir: Path | None = None) -> str:
    recipes = load_recipes(recipes_dir)
    custom_stages = [stage for recipe in recipes.values() if recipe.custom for stage in recipe.stage_names]
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
        # Everything else about the recipe is read from its file at render time.
        "recipe_spec:",
        "  type: yaml",
        "  when: false",
        "  default: \"{% include 'recipes/' ~ recipe ~ '.yaml' %}\"",
        "",
        "stages:",
        "  type: str",
        "  multiselect: true",
        "  help: |-",
        "    选择要组合的训练阶段（按流水线顺序运行） / Pick the stages to combine (run in pipeline order)",
        f"  choices: {json.dumps(custom_stages)}",
        # Fixed recipes answer this themselves; only `custom` asks.
        "  when: \"{{ recipe_spec.custom | default(false) }}\"",
        "  default: \"{{ recipe_spec.stages | map(attribute='name') | list | to_json }}\"",
        "  validator: \"{% if not stages %}choose at least one stage / 至少选择一个阶段{% endif %}\"",
        END,
    ]
    return "\n".join(lines) + "\n"


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
    return stale


def sync() -> bool:
    """Rewrite the generated block and the project changelog where stale; return True when a file changed."""
    stale = stale_files()
    if COPIER_YML in stale:
        text = COPIER_YML.read_text(encoding="utf-8")
        COPIER_YML.write_text(text.replace(current_block(text), render_block()), encoding="utf-8")
    if PROJECT_CHANGELOG in stale:
        PROJECT_CHANGELOG.write_text(render_project_changelog(), encoding="utf-8")
    return bool(stale)
