"""Benchmark: reward and sandbox throughput of a generated GRPO project.

Not a test: it prints figures. Run with `make bench` (or python benchmarks/rewards_bench.py).
Renders math-reasoning into a temporary folder and imports its scoring/rewards/ and scoring/sandbox/:
  - math completions scored per second (accuracy with math-verify, format rewards);
  - sandbox executions per second with 1 and 2 workers, per isolation setting, and the
    overhead of one execution of a trivial program.
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import copier

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench import plain_template_copy  # noqa: E402

MATH_COMPLETIONS = 2000
SANDBOX_RUNS = 40


def math_completions(n: int, seed: int = 0) -> tuple[list[str], list[str]]:
    """Completions in the shapes a model writes (boxed, phrase, bare number, malformed), and golds."""
    rng = random.Random(seed)
    completions, solutions = [], []
    for _ in range(n):
        gold = rng.randint(1, 5000)
        guess = gold if rng.random() < 0.5 else gold + rng.randint(1, 9)
        reasoning = " ".join(f"{rng.randint(1, 99)} + {rng.randint(1, 99)}" for _ in range(rng.randint(3, 30)))
        ending = rng.choice(
            [
                f"\\boxed{{{guess}}}",
                f"The answer is {guess}.",
                f"答案：{guess}",
                f"{guess}",
                f"\\boxed{{\\frac{{{guess * 2}}}{{2}}}}",
            ]
        )
        opener = rng.choice(["<think>", "<think>", ""])
        closer = rng.choice(["</think>", "</think>", ""])
        completions.append(f"{opener}{reasoning}{closer}\n{ending}")
        solutions.append(f"work\n#### {gold}")
    return completions, solutions


def per_second(function, *args, repeats: int = 3, **kwargs) -> tuple[float, float]:
    """(items per second, seconds per call) as the median of `repeats` calls over len(args[0]) items."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        function(*args, **kwargs)
        times.append(time.perf_counter() - started)
    seconds = statistics.median(times)
    return len(args[0]) / seconds, seconds


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="capstone-rewards-bench-"))
    (work / "template").mkdir()
    template = plain_template_copy(work / "template")
    project = work / "project"
    copier.run_copy(str(template), str(project), data={"recipe": "math-reasoning"}, defaults=True, quiet=True)
    sys.path.insert(0, str(project / "src"))

    from my_capstone.scoring.rewards.format import think_format_lenient, think_format_strict
    from my_capstone.scoring.rewards.math import accuracy_reward
    from my_capstone.scoring.rewards.shaping import get_repetition_penalty_reward
    from my_capstone.scoring.sandbox import Sandbox, SandboxConfig

    completions, solutions = math_completions(MATH_COMPLETIONS)
    accuracy_reward(completions[:20], solutions[:20])  # warm math-verify's parser
    print(f"== rewards ({MATH_COMPLETIONS} math completions, 2 cores)")
    for name, function, kwargs in (
        ("accuracy (math-verify)", accuracy_reward, {"solution": solutions}),
        ("think_format_strict", think_format_strict, {}),
        ("think_format_lenient", think_format_lenient, {}),
        ("repetition", get_repetition_penalty_reward(), {}),
    ):
        rate, seconds = per_second(function, completions, **kwargs)
        print(f"   {name:<24} {rate:10.0f} completions/s  ({seconds * 1000:.0f} ms for the batch)")

    program, tests = "def add(a, b):\n    return a + b\n", "assert add(2, 3) == 5\n"
    print(f"\n== sandbox ({SANDBOX_RUNS} executions of a trivial passing program)")
    for isolation in ("auto", "none"):
        for workers in (1, 2):
            sandbox = Sandbox(SandboxConfig(isolation=isolation, workers=workers))
            jobs = [(program, tests)] * SANDBOX_RUNS
            started = time.perf_counter()
            outcomes = sandbox.run_many(jobs)
            seconds = time.perf_counter() - started
            passed = sum(outcome.passed for outcome in outcomes)
            single = statistics.median(outcome.seconds for outcome in outcomes)
            print(
                f"   layers {sandbox.layer_names:<40} workers {workers}: {SANDBOX_RUNS / seconds:6.1f} executions/s,"
                f" {single * 1000:5.0f} ms per execution, {passed}/{SANDBOX_RUNS} passed"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
