"""Keep copier.yml's recipe questions in step with recipes/.

copier.yml cannot enumerate files, so the recipe and stage choices live in a
generated block between two marker lines. `capstone sync` rewrites that block from
recipes/; a test fails when it drifts. Everything else about a recipe reaches the
template by reading recipes/<id>.yaml at render time (the `recipe_spec` question).
"""

from __future__ import annotations

import json
from pathlib import Path

from generator import TEMPLATE_ROOT
from generator.recipes import load_recipes

COPIER_YML = TEMPLATE_ROOT / "copier.yml"
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


def sync(path: Path = COPIER_YML) -> bool:
    """Rewrite the generated block; return True when the file changed."""
    text = path.read_text(encoding="utf-8")
    old = current_block(text)
    new = render_block()
    if old == new:
        return False
    path.write_text(text.replace(old, new), encoding="utf-8")
    return True
