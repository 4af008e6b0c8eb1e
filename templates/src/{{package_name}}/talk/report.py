"""Fill the tables and figures of report/report.md from results.json.

The report is the student's: only the text between a pair of markers

    <!-- BEGIN metrics -->  ...  <!-- END metrics -->

is rewritten, everything else is left as written. Delete a pair of markers to stop
a block from being filled.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import Any

from .summary import changes, metrics_table, missing, pairwise_table, stages_table, words
from .words import Bilingual, table_in

BLOCK = re.compile(r"<!-- BEGIN (?P<name>[\w-]+) -->\n.*?<!-- END (?P=name) -->", re.DOTALL)
EXAMPLE_PROMPTS = 3
EXAMPLE_CHARS = 300
# The report's own words: key -> (zh, en)
WORDS: dict[str, Bilingual] = {
    "recipe": ("方案", "recipe"),
    "base_model": ("基座模型", "base model"),
    "stages": ("阶段", "stages"),
    "profile": ("硬件配置", "profile"),
    "no_plots": ("（还没有图）", "(no plots yet)"),
    "no_generations": ("（还没有生成结果）", "(no generations yet)"),
    "all_generations": ("全部生成结果", "All generations"),
    "pairwise": (
        "各模型与参照模型逐题比较（评审按两种顺序各判一次，前后矛盾记为平局）：",
        "Each model against the reference, prompt by prompt (judged in both orders; contradicting verdicts count as ties):",
    ),
}


def report_blocks(
    results: dict[str, Any], expected_stages: list[str], metrics: list[str], plots: list[Path], language: str, report_dir: Path
) -> dict[str, str]:
    """Markdown for every block the report template marks, from results.json alone."""
    w, here = words(language), table_in(WORDS, language)
    setup = [
        f"- {here['recipe']}: `{results.get('recipe')}`",
        f"- {here['base_model']}: `{results.get('base_model')}`",
        f"- {here['stages']}: {' → '.join(expected_stages)}",
        f"- {here['profile']}: `{results.get('profile') or 'default'}`",
    ]
    if results.get("profile") == "tiny":
        setup.append(f"\n> **{w['smoke']}**")
    gaps = missing(results, expected_stages, metrics, language)
    versus = pairwise_table(results, language)
    figures = [f"![{plot.stem}]({Path(os.path.relpath(plot, report_dir)).as_posix()})" for plot in plots if plot.exists()]
    return {
        "setup": "\n".join(setup),
        "training": stages_table(results, expected_stages, language).to_markdown(),
        "metrics": "\n".join(
            [metrics_table(results, expected_stages, metrics, language).to_markdown()]
            + (["", here["pairwise"], "", versus.to_markdown()] if versus else [])
            + (["", *(f"- {line}" for line in gaps)] if gaps else [])
        ),
        "changes": "\n".join(f"- {line}" for line in changes(results, metrics, language)) or "-",
        "figures": "\n\n".join(figures) or here["no_plots"],
        "examples": _examples(results, language),
    }


def _examples(results: dict[str, Any], language: str) -> str:
    """The first prompts with every model's answer, side by side, for failure analysis."""
    here = table_in(WORDS, language)
    answers: dict[str, list[dict]] = {}
    for entry in results.get("evaluations", []):
        path = Path(entry.get("generations", ""))
        if path.is_file():
            with open(path, encoding="utf-8") as handle:
                answers[entry["model"]] = [json.loads(line) for line in handle if line.strip()][:EXAMPLE_PROMPTS]
    if not answers:
        return here["no_generations"]
    folder = Path(results["evaluations"][0]["generations"]).parent.as_posix()
    parts = [f"{here['all_generations']}: `{folder}/`\n"]
    for index in range(min(len(rows) for rows in answers.values())):
        first = next(iter(answers.values()))[index]
        prompt = first["messages"][-1]["content"] if first.get("messages") else first.get("prompt", "")
        parts.append(f"**{index + 1}. {_one_line(prompt)}**\n")
        for model, rows in answers.items():
            parts.append(f"- `{model}`: {_one_line(rows[index].get('response', '')) or '(empty)'}")
        parts.append("")
    return "\n".join(parts).rstrip()


def _one_line(text: str) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= EXAMPLE_CHARS else text[:EXAMPLE_CHARS] + " …"


def fill_report(path: Path, blocks: dict[str, str]) -> list[str]:
    """Rewrite the marked blocks of `path` in place; returns the names filled."""
    text = path.read_text(encoding="utf-8")
    filled: list[str] = []

    def replace(match: re.Match) -> str:
        name = match["name"]
        if name not in blocks:
            return match[0]
        filled.append(name)
        return f"<!-- BEGIN {name} -->\n{blocks[name].rstrip()}\n<!-- END {name} -->"

    updated = BLOCK.sub(replace, text)
    if absent := [name for name in blocks if name not in filled]:
        print(f"note: {path} has no markers for {absent}; those blocks were not filled", file=sys.stderr)
    if updated != text:
        tmp = path.with_suffix(".tmp")
        tmp.write_text(updated, encoding="utf-8")
        os.replace(tmp, path)  # atomic: the report is never half written
    return filled
