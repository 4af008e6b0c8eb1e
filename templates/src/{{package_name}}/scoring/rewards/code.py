"""Code execution reward: run the model's code against the task's tests in the sandbox.

The program is the last ```python block of the completion (any fenced block, else the
whole answer). Scored as the fraction of tests passed (each test in its own execution)
or all-or-nothing (one execution with every test). An execution the sandbox itself
could not carry out returns None for that sample and is counted in `errors`, never
scored as 0.0. The sandbox's runner gives the tests only plain values from the program (an
object that claims to equal everything fails; see `sandbox.RUNNER` for what remains out of
reach), the same runner the evaluation uses.
"""

from __future__ import annotations

import re
import sys

from ..sandbox import Sandbox, SandboxConfig
from ..text import answer_region, completion_text

FENCE = re.compile(r"```[ \t]*(\w*)[^\n]*\n(.*?)```", re.DOTALL)


def extract_code(completion: str) -> str:
    """The last python (else any) fenced block after the think block; else the answer text."""
    region = answer_region(completion)[:200_000]
    blocks = FENCE.findall(region)
    python = [body for language, body in blocks if language.lower() in ("python", "py", "python3")]
    if python or blocks:
        return (python or [body for _, body in blocks])[-1]
    return region.lstrip("\n").rstrip()  # keep the indentation of a bare function body


def mbpp_tests(tests: list[str], setup_code: str | None = None, imports: list[str] | None = None) -> str:
    """MBPP's test text: `test_imports` (sanitized), `test_setup_code` (full), then the asserts."""
    return "\n".join([*(imports or []), setup_code or "", *tests])


def code_execution_reward(mode: str = "fraction", **sandbox_options):
    """A reward over columns `test_list` (asserts) and optional `test_setup_code` (MBPP full) or
    `test_imports` (MBPP sanitized), which run before the asserts."""
    if mode not in ("fraction", "all"):
        raise ValueError(f"code_execution: mode must be 'fraction' or 'all', got '{mode}'")
    sandbox = Sandbox(SandboxConfig(**sandbox_options))

    def code_execution(completions, test_list, test_setup_code=None, test_imports=None, **kwargs) -> list[float | None]:
        nothing = [None] * len(completions)
        setups = [mbpp_tests([], setup, imports)
                  for imports, setup in zip(test_imports or nothing, test_setup_code or nothing)]
        jobs, owners = [], []
        for index, (completion, tests, setup) in enumerate(zip(completions, test_list, setups)):
            program = extract_code(completion_text(completion))
            groups = [list(tests)] if mode == "all" else [[test] for test in tests]
            for group in groups:
                jobs.append((program, "\n".join([setup, *group])))
                owners.append(index)
        outcomes = sandbox.run_many(jobs)
        passed = [[] for _ in completions]
        for owner, outcome in zip(owners, outcomes):
            passed[owner].append(None if outcome.status == "error" else outcome.passed)
        rewards: list[float | None] = []
        for results in passed:
            if not results or any(result is None for result in results):
                code_execution.errors += 1
                rewards.append(None)
            else:
                rewards.append(sum(results) / len(results))
        if failed := [o for o in outcomes if o.status == "error"]:
            print(f"warning: code_execution: {len(failed)} sandbox error(s): {failed[0].stderr[:200]}", file=sys.stderr)
        return rewards

    code_execution.errors = 0
    code_execution.sandbox = sandbox
    return code_execution
