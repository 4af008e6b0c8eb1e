"""Code execution reward: run the model's code against the task's tests in the sandbox.

The program and its tests are put together by scoring/code.py, the same way the code
evaluation does. Scored as the fraction of tests passed (each test in its own execution)
or all-or-nothing (one execution with every test). An execution the sandbox itself
could not carry out returns None for that sample and is counted in `errors`, never
scored as 0.0. The sandbox's runner gives the tests only plain values from the program (an
object that claims to equal everything fails; see scoring/sandbox/runner.py for what remains out of
reach), the same runner the evaluation uses.
"""

from __future__ import annotations

import dataclasses
import sys

from ..code import extract_code, mbpp_tests
from ..sandbox import Sandbox, SandboxConfig
from ..text import completion_text

SANDBOX_OPTIONS = tuple(field.name for field in dataclasses.fields(SandboxConfig))


def get_code_execution_reward(mode: str = "fraction", **sandbox_options):
    """A reward over the columns `test_list` (MBPP's asserts) and, optionally, `test_setup_code`
    (MBPP full) or `test_imports` (MBPP sanitized), which run before the asserts.

    Args:
        mode: "fraction" (share of tests passed, each run on its own) or "all" (1.0 only when
            every test passes, in one run).
        **sandbox_options: SandboxConfig keys (timeout_s, cpu_s, memory_mb, workers, isolation ...).

    The reward counts the samples the sandbox could not run in `.errors` and keeps its
    sandbox in `.sandbox` (`.sandbox.layers` says what contains the programs here).

    Example:
        >>> code_execution = get_code_execution_reward(mode="fraction", timeout_s=10)
        >>> completions = ["```python\\ndef double(x):\\n    return x + x\\n```", "def double(x):\\n    return x"]
        >>> code_execution(completions, test_list=[["assert double(2) == 4", "assert double(0) == 0"]] * 2)
        [1.0, 0.5]
    """
    if mode not in ("fraction", "all"):
        raise ValueError(f"code_execution: mode must be 'fraction' or 'all', got '{mode}'")
    if unknown := sorted(set(sandbox_options) - set(SANDBOX_OPTIONS)):
        raise ValueError(f"code_execution: unknown option(s) {unknown} (accepted: mode, {', '.join(SANDBOX_OPTIONS)})")
    sandbox = Sandbox(SandboxConfig(**sandbox_options))

    def code_execution(completions, test_list, test_setup_code=None, test_imports=None, **kwargs) -> list[float | None]:
        nothing = [None] * len(completions)
        setups = [
            mbpp_tests([], setup, imports)
            for imports, setup in zip(test_imports or nothing, test_setup_code or nothing, strict=True)
        ]
        jobs, owners = [], []
        for index, (completion, tests, setup) in enumerate(zip(completions, test_list, setups, strict=True)):
            program = extract_code(completion_text(completion))
            groups = [list(tests)] if mode == "all" else [[test] for test in tests]
            for group in groups:
                jobs.append((program, "\n".join([setup, *group])))
                owners.append(index)
        outcomes = sandbox.run_many(jobs)
        passed = [[] for _ in completions]
        for owner, outcome in zip(owners, outcomes, strict=True):
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
