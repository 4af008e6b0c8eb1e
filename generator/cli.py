"""The `capstone` command: list and show recipes, create and update projects."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from generator import copier_sync
from generator.project import ProjectError, latest_version, new_project, read_answers, template_source, update_project
from generator.recipes import RecipeError, get_recipe, load_recipes
from generator.updates import CHANGELOG

console = Console(soft_wrap=True)  # paths and commands must stay copyable
errors = Console(stderr=True, soft_wrap=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="capstone", description="LLM post-training capstone projects from recipes.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="the recipes, one line each")
    show = commands.add_parser("show", help="a recipe's pipeline and defaults")
    show.add_argument("recipe")
    new = commands.add_parser("new", help="create a project from a recipe")
    new.add_argument("recipe")
    new.add_argument("destination", type=Path)
    new.add_argument("--data", action="append", default=[], metavar="KEY=VALUE", help="answer a template question")
    new.add_argument("--template", default=None, help="template source (path or git URL); default: this checkout")
    new.add_argument("--vcs-ref", default=None, help="template version (git tag or commit)")
    update = commands.add_parser("update", help="take template improvements into a project (copier update)")
    update.add_argument("destination", type=Path)
    update.add_argument("--vcs-ref", default=None, help="version to move to (default: the latest)")
    update.add_argument("--conflict", choices=["inline", "rej"], default="inline")
    sync = commands.add_parser("sync", help="rewrite copier.yml's recipe block and the project changelog")
    sync.add_argument("--check", action="store_true", help="only check; exit 1 if a generated file is out of date")

    args = parser.parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except (RecipeError, ProjectError) as error:
        errors.print("[bold red]error:[/]", escape(str(error)), highlight=False)
        return 2


def cmd_list(args) -> int:
    table = Table(title="posttrain-capstone recipes")
    for column in ("id", "direction", "stages", "base model", "minimum GPU"):
        table.add_column(column, no_wrap=column in ("id", "base model"))
    for recipe in load_recipes().values():
        table.add_row(
            recipe.id,
            f"{recipe.direction.zh} / {recipe.direction.en}",
            " -> ".join(recipe.stage_names) + (" (pick any)" if recipe.custom else ""),
            recipe.base_model,
            recipe.minimum_gpu,
        )
    console.print(table)
    return 0


def cmd_show(args) -> int:
    recipe = get_recipe(args.recipe)
    console.print(f"[bold]{recipe.id}[/]: {recipe.title.zh} / {recipe.title.en}")
    console.print(f"{recipe.summary.zh}\n{recipe.summary.en}")
    console.print(f"base model: {recipe.base_model}")
    table = Table(title="pipeline")
    for column in ("#", "stage", "method", "data"):
        table.add_column(column)
    for index, stage in enumerate(recipe.stages, start=1):
        data = stage.data
        table.add_row(
            str(index),
            stage.name,
            _method(stage.model),
            f"{data.dataset} ({data.config or 'default'}/{data.split}, {data.format})",
        )
    console.print(table)
    for stage in recipe.stages:
        settings = ", ".join(f"{key}={value}" for key, value in stage.training.items())
        console.print(f"{stage.name} training: {settings}")
        if stage.rewards:
            rewards = ", ".join(f"{reward['name']} x{reward.get('weight', 1.0)}" for reward in stage.rewards)
            console.print(f"{stage.name} rewards ({stage.trainer or 'grpo'}): {rewards}")
    evaluation = recipe.evaluation
    on = f"{evaluation.data.dataset} ({evaluation.data.split})" if evaluation.data else f"data/{evaluation.prompts}"
    console.print(f"evaluation ({evaluation.task}): {', '.join(evaluation.metrics)} on {on}")
    for profile, spec in recipe.hardware.items():
        fits = "fits" if spec.fits else "does not fit"
        minutes = f", about {spec.minutes} min" if spec.minutes else ""
        console.print(f"{profile}: {fits}{minutes}. {spec.note}")
    return 0


def _method(model: dict) -> str:
    if not model.get("use_peft"):
        return "full"
    bits = "QLoRA 4-bit" if model.get("load_in_4bit") else "QLoRA 8-bit" if model.get("load_in_8bit") else "LoRA"
    return f"{bits} r={model.get('lora_r')} alpha={model.get('lora_alpha')}"


def cmd_new(args) -> int:
    data = dict(_parse_pair(pair) for pair in args.data)
    template = args.template or copier_sync.TEMPLATE_ROOT
    destination = new_project(args.recipe, args.destination, data, template=template, vcs_ref=args.vcs_ref)
    package = read_answers(destination)["package_name"]
    console.print(f"created {destination} from recipe {args.recipe} (package {package})")
    console.print(f"next: cd {destination} && make smoke")
    return 0


def _parse_pair(pair: str) -> tuple[str, object]:
    key, sep, value = pair.partition("=")
    if not sep or not key:
        raise ProjectError(f"--data expects KEY=VALUE, got '{pair}'")
    try:  # lists and numbers as JSON (stages='["sft"]'); anything else as text
        parsed = json.loads(value)
        return key, parsed if isinstance(parsed, list) else value
    except ValueError:
        return key, value


def cmd_update(args) -> int:
    before = read_answers(args.destination).get("_commit")
    template_source(args.destination)  # an unreachable template: one line with the fix, before anything else
    target = args.vcs_ref or latest_version(args.destination) or "the latest commit"
    console.print(f"{args.destination}: template version {before}; updating to {target}")
    report = update_project(args.destination, vcs_ref=args.vcs_ref, conflict=args.conflict)
    console.print(f"updated {report.before} -> {report.after}")
    if report.carried:
        console.print("the template moved files you had changed or added; your work went with them:")
        for move in report.carried:
            if move.how == "kept":
                console.print(f"  {move.old} stays where it was ({move.new} is yours, or the template has no file there)")
            else:
                console.print(f"  {move.old} -> {move.new} ({move.how})")
    if report.kept_student_files:
        console.print("your files, kept as they are; the template's version differs (compare, take what you need):")
        for name in report.kept_student_files:
            console.print(f"  {name}")
    for note in report.action_notes:
        console.print(f"[bold]from {CHANGELOG}:[/] {escape(note)}")
    if report.conflicts:
        console.print("[bold yellow]conflicts to resolve[/] (your text and the template's are both kept):")
        for name in report.conflicts:
            console.print(f"  {name}")
        untracked = [move.new for move in report.carried if move.how == "conflict"]  # carried to a new path: no git diff
        where = (
            f"git diff shows tracked files; {', '.join(untracked)} are new, untracked: open them"
            if untracked
            else "git diff shows them"
        )
        console.print(f"resolve each ({where}), then: make test && git add -A && git commit")
        return 1
    console.print("next: review git diff, make test, then git add -A && git commit")
    return 0


def cmd_sync(args) -> int:
    if args.check:
        stale = copier_sync.stale_files()
        for path in stale:
            shown = path.relative_to(copier_sync.TEMPLATE_ROOT) if path.is_relative_to(copier_sync.TEMPLATE_ROOT) else path
            errors.print(f"{shown} is out of date: run `capstone sync`")
        if not stale:
            console.print(
                "copier.yml, recipes/resolved/ and templates/TEMPLATE_CHANGELOG.md are in sync with recipes/ and CHANGELOG.md"
            )
        return 1 if stale else 0
    console.print("generated files updated" if copier_sync.sync() else "generated files already in sync")
    return 0


COMMANDS = {"list": cmd_list, "show": cmd_show, "new": cmd_new, "update": cmd_update, "sync": cmd_sync}

if __name__ == "__main__":
    sys.exit(main())
