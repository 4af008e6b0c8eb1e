"""Row formats: one function per dataset shape, turning a row into chat messages.

Each converter takes the row and the column mapping (`data.columns` in the stage's
YAML: the converter's name for a column -> the dataset's), so a dataset with other
column names maps onto it without code changes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

Messages = list[dict[str, str]]
Columns = Mapping[str, str]  # the converter's column name -> the dataset's; unmapped names are used as they are
SHAREGPT_ROLES = {"human": "user", "user": "user", "gpt": "assistant", "assistant": "assistant", "system": "system"}


def cell(row: dict[str, Any], columns: Columns, name: str) -> Any:
    """The row's value of the converter's column `name`, found through the mapping."""
    return row.get(columns.get(name, name))


def alpaca_to_messages(row: dict[str, Any], columns: Columns) -> Messages:
    """Alpaca (instruction, input, output[, system]) -> a two- or three-turn chat."""
    instruction = (cell(row, columns, "instruction") or "").strip()
    extra_input = (cell(row, columns, "input") or "").strip()
    prompt = f"{instruction}\n\n{extra_input}" if extra_input else instruction
    messages = [{"role": "user", "content": prompt}, {"role": "assistant", "content": cell(row, columns, "output") or ""}]
    system = (cell(row, columns, "system") or "").strip()
    return [{"role": "system", "content": system}, *messages] if system else messages


def openai_to_messages(row: dict[str, Any], columns: Columns) -> Messages:
    """Rows already in OpenAI chat form: a `messages` list of {role, content} turns."""
    turns = cell(row, columns, "messages") or []
    return [{"role": turn["role"], "content": turn.get("content") or ""} for turn in turns]


def sharegpt_to_messages(row: dict[str, Any], columns: Columns) -> Messages:
    """ShareGPT rows: a `conversations` list of {from, value} turns (human/gpt roles)."""
    turns = cell(row, columns, "conversations") or []
    return [{"role": SHAREGPT_ROLES.get(turn["from"], turn["from"]), "content": turn.get("value") or ""} for turn in turns]


def with_system_prompt(messages: Messages, system_prompt: str | None) -> Messages:
    """The system prompt first, unless there is none or the conversation has its own."""
    if not system_prompt or (messages and messages[0]["role"] == "system"):
        return messages
    return [{"role": "system", "content": system_prompt}, *messages]


def prompt_messages(question: str, system_prompt: str | None = None) -> Messages:
    """One question as a conversation up to the model's turn, built as data.prepare builds
    a dataset row's (with_system_prompt). The demo asks this way, so its prompt renders
    exactly like the evaluation's and the training stages'."""
    return with_system_prompt([{"role": "user", "content": question}], system_prompt)


CALCULATOR = re.compile(r"<<[^<>]*>>")


def gsm8k_to_messages(row: dict[str, Any], columns: Columns) -> Messages:
    """GSM8K (question, answer ending in '#### 42') -> the worked answer as a think block,
    then the final answer boxed: the format the GRPO rewards expect."""
    question = (cell(row, columns, "question") or "").strip()
    answer = cell(row, columns, "answer") or ""
    rationale, _, final = answer.rpartition("####")
    if not rationale:
        return [{"role": "user", "content": question}, {"role": "assistant", "content": ""}]
    rationale = CALCULATOR.sub("", rationale).strip()  # drop the <<48/2=24>> calculator annotations
    reply = "<think>\n" + rationale + "\n</think>\n\n\\boxed{" + final.strip() + "}"
    return [{"role": "user", "content": question}, {"role": "assistant", "content": reply}]


def math_to_messages(row: dict[str, Any], columns: Columns) -> Messages:
    """MATH-style (problem, solution with \\boxed{}, optional short answer) -> the solution as a
    think block, then the boxed answer."""
    problem = (cell(row, columns, "problem") or "").strip()
    solution = (cell(row, columns, "solution") or "").strip()
    answer = (cell(row, columns, "answer") or "").strip()
    reply = "<think>\n" + solution + "\n</think>\n\n\\boxed{" + answer + "}" if solution and answer else solution
    return [{"role": "user", "content": problem}, {"role": "assistant", "content": reply}]


def mbpp_to_messages(row: dict[str, Any], columns: Columns) -> Messages:
    """MBPP (text, code, test_list) -> the task with its tests shown, the code as the answer."""
    tests = "\n".join(cell(row, columns, "test_list") or [])
    task = (cell(row, columns, "text") or "").strip()
    code = (cell(row, columns, "code") or "").strip()
    prompt = f"{task}\nYour code should pass these tests:\n```python\n{tests}\n```" if task else ""
    return [{"role": "user", "content": prompt}, {"role": "assistant", "content": f"```python\n{code}\n```" if code else ""}]


def humaneval_to_messages(row: dict[str, Any], columns: Columns) -> Messages:
    """HumanEval (prompt = signature + docstring, canonical_solution) -> complete the function."""
    signature = cell(row, columns, "prompt") or ""
    body = cell(row, columns, "canonical_solution") or ""
    prompt = f"Complete this Python function and return the whole function in one code block.\n```python\n{signature}```"
    return [{"role": "user", "content": prompt}, {"role": "assistant", "content": f"```python\n{signature}{body}```"}]


CONVERTERS: dict[str, Callable[[dict[str, Any], Columns], Messages]] = {
    "alpaca": alpaca_to_messages,
    "messages": openai_to_messages,
    "sharegpt": sharegpt_to_messages,
    "gsm8k": gsm8k_to_messages,
    "math": math_to_messages,
    "mbpp": mbpp_to_messages,
    "humaneval": humaneval_to_messages,
}
