"""Row formats: one function per dataset shape, turning a row into chat messages.

Each converter reads its columns through `cfg.column(name)`, so a dataset with other
column names maps onto it with `data.columns` in the stage's YAML.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    from .data import DataConfig

Messages = list[dict[str, str]]
SHAREGPT_ROLES = {"human": "user", "user": "user", "gpt": "assistant", "assistant": "assistant", "system": "system"}


def alpaca_to_messages(row: dict[str, Any], cfg: DataConfig) -> Messages:
    """Alpaca (instruction, input, output[, system]) -> a two- or three-turn chat."""
    instruction = (row.get(cfg.column("instruction")) or "").strip()
    extra_input = (row.get(cfg.column("input")) or "").strip()
    prompt = f"{instruction}\n\n{extra_input}" if extra_input else instruction
    messages = [{"role": "user", "content": prompt}, {"role": "assistant", "content": row.get(cfg.column("output")) or ""}]
    system = (row.get(cfg.column("system")) or "").strip()
    return [{"role": "system", "content": system}, *messages] if system else messages


def chat_to_messages(row: dict[str, Any], cfg: DataConfig) -> Messages:
    """Rows already in chat form: OpenAI-style `messages` or ShareGPT `conversations`."""
    if cfg.format == "messages":
        turns = row.get(cfg.column("messages")) or []
        return [{"role": turn["role"], "content": turn.get("content") or ""} for turn in turns]
    turns = row.get(cfg.column("conversations")) or []
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


def gsm8k_to_messages(row: dict[str, Any], cfg: DataConfig) -> Messages:
    """GSM8K (question, answer ending in '#### 42') -> the worked answer as a think block,
    then the final answer boxed: the format the GRPO rewards expect."""
    question = (row.get(cfg.column("question")) or "").strip()
    answer = row.get(cfg.column("answer")) or ""
    rationale, _, final = answer.rpartition("####")
    if not rationale:
        return [{"role": "user", "content": question}, {"role": "assistant", "content": ""}]
    rationale = CALCULATOR.sub("", rationale).strip()  # drop the <<48/2=24>> calculator annotations
    reply = "<think>\n" + rationale + "\n</think>\n\n\\boxed{" + final.strip() + "}"
    return [{"role": "user", "content": question}, {"role": "assistant", "content": reply}]


def math_to_messages(row: dict[str, Any], cfg: DataConfig) -> Messages:
    """MATH-style (problem, solution with \\boxed{}, optional short answer) -> the solution as a
    think block, then the boxed answer."""
    problem = (row.get(cfg.column("problem")) or "").strip()
    solution = (row.get(cfg.column("solution")) or "").strip()
    answer = (row.get(cfg.column("answer")) or "").strip()
    reply = "<think>\n" + solution + "\n</think>\n\n\\boxed{" + answer + "}" if solution and answer else solution
    return [{"role": "user", "content": problem}, {"role": "assistant", "content": reply}]


def mbpp_to_messages(row: dict[str, Any], cfg: DataConfig) -> Messages:
    """MBPP (text, code, test_list) -> the task with its tests shown, the code as the answer."""
    tests = "\n".join(row.get(cfg.column("test_list")) or [])
    task = (row.get(cfg.column("text")) or "").strip()
    code = (row.get(cfg.column("code")) or "").strip()
    prompt = f"{task}\nYour code should pass these tests:\n```python\n{tests}\n```" if task else ""
    return [{"role": "user", "content": prompt}, {"role": "assistant", "content": f"```python\n{code}\n```" if code else ""}]


def humaneval_to_messages(row: dict[str, Any], cfg: DataConfig) -> Messages:
    """HumanEval (prompt = signature + docstring, canonical_solution) -> complete the function."""
    signature = row.get(cfg.column("prompt")) or ""
    body = row.get(cfg.column("canonical_solution")) or ""
    prompt = f"Complete this Python function and return the whole function in one code block.\n```python\n{signature}```"
    return [{"role": "user", "content": prompt}, {"role": "assistant", "content": f"```python\n{signature}{body}```"}]


CONVERTERS: dict[str, Callable[[dict[str, Any], DataConfig], Messages]] = {
    "alpaca": alpaca_to_messages,
    "messages": chat_to_messages,
    "sharegpt": chat_to_messages,
    "gsm8k": gsm8k_to_messages,
    "math": math_to_messages,
    "mbpp": mbpp_to_messages,
    "humaneval": humaneval_to_messages,
}
