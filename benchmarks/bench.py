"""Benchmark: per recipe, render time, tiny-pipeline time per stage, and peak memory.

Not a test: it prints figures. Run with `make bench` (or python benchmarks/bench.py).
Targets on a 2-core CPU machine: render < 2 s per recipe; the whole tiny pipeline of
instruction-sft < 60 s including imports.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import copier

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generator.recipes import load_recipes  # noqa: E402

RENDER_REPEATS = 3


def plain_template_copy(into: Path) -> Path:
    shutil.copy2(ROOT / "copier.yml", into / "copier.yml")
    for folder in ("templates", "recipes"):
        shutil.copytree(ROOT / folder, into / folder)
    return into


def render(template: Path, destination: Path, recipe) -> float:
    data = {"recipe": recipe.id, **({"stages": recipe.stage_names} if recipe.custom else {})}
    started = time.perf_counter()
    copier.run_copy(str(template), str(destination), data=data, defaults=True, quiet=True)
    return time.perf_counter() - started


def run_measured(args: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float, int]:
    """Wall seconds, peak resident memory (MiB) of that one child, and its exit status."""
    started = time.perf_counter()
    process = subprocess.Popen(args, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        sys.stderr.write(process.stderr.read().decode()[-3000:])
    return time.perf_counter() - started, usage.ru_maxrss / 1024, process.returncode


def main() -> int:
    recipes = load_recipes()
    work = Path(tempfile.mkdtemp(prefix="capstone-bench-"))
    template = plain_template_copy(work)
    env = dict(os.environ, HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1", OMP_NUM_THREADS="1", PYTHONPATH="src")
    env["TINY_MODEL_CACHE"] = str(work / "tiny-cache")  # a cold cache: the build is measured once below
    print(f"machine: {os.cpu_count()} cores, python {sys.version.split()[0]}; work dir {work}\n")

    failed = False
    for recipe in recipes.values():
        times = [render(template, work / f"{recipe.id}-render-{i}", recipe) for i in range(RENDER_REPEATS)]
        project = work / f"{recipe.id}-render-0"
        print(f"== {recipe.id}: render {statistics.median(times):.2f} s (median of {RENDER_REPEATS}, min {min(times):.2f} s)")

        if not (work / "tiny-cache").exists():
            seconds, peak, code = run_measured([sys.executable, "-m", "my_capstone", "tiny"], project, env)
            print(f"   tiny model build (cold, incl. imports): {seconds:.1f} s, peak {peak:.0f} MiB")

        seconds, peak, code = run_measured([sys.executable, "-m", "my_capstone", "run", "--profile", "tiny"], project, env)
        if code:
            print(f"   tiny pipeline FAILED (exit {code})")
            failed = True
            continue
        results = json.loads((project / "outputs/tiny/results.json").read_text(encoding="utf-8"))
        for stage in results["stages"]:
            print(f"   stage {stage['name']:<10} {stage['summary']['wall_seconds']:6.2f} s  ({stage['summary']['steps']} steps)")
        for entry in results["evaluations"]:
            print(f"   eval  {entry['model']:<10} {entry['wall_seconds']:6.2f} s  ({entry['n_prompts']} prompts)")
        print(f"   whole tiny pipeline incl. imports: {seconds:.1f} s, peak memory {peak:.0f} MiB\n")
    shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
