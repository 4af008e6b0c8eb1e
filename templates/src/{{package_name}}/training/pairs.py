"""Preference formats: one function per dataset shape, turning a row into a preference pair.

A pair converter takes the row and the column mapping (`data.columns`, as in formats.py)
and returns TRL's conversational preference row,

    {"prompt": [..., {"role": "user", ...}], "chosen": [{"role": "assistant", ...}], "rejected": [...]}

(the prompt is the conversation up to the answer; chosen and rejected are the assistant
turn only), or None when the row has no usable pair. The `kto` format reads unpaired rows
instead: {"prompt", "completion", "label"} with label True for a desirable completion.
ROW_FILTERS name rows a format's own labels rule out, counted under their own reason.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .formats import SHAREGPT_ROLES, Columns, Messages, cell, sharegpt_to_messages

Pair = dict[str, Any]


def user_turn(text: Any) -> Messages:
    return [{"role": "user", "content": text if isinstance(text, str) else ""}]


def answer_turn(value: Any) -> Messages:
    """One answer as an assistant turn: a plain string, a {from, value} / {role, content} turn,
    or a whole chat (its last turn is the answer)."""
    if isinstance(value, list):
        value = value[-1] if value else None
    if isinstance(value, dict):
        value = value.get("content", value.get("value"))
    return [{"role": "assistant", "content": value if isinstance(value, str) else ""}]


def with_system(messages: Messages, system: Any) -> Messages:
    """A dataset's own system column first, unless the conversation has a system turn already
    (data.system_prompt is added later, by data.prepare). Empty system turns are dropped: a
    blank system prompt says nothing, and would make the pair look empty."""
    messages = [turn for turn in messages if turn["role"] != "system" or turn["content"].strip()]
    if isinstance(system, str) and system.strip() and not any(turn["role"] == "system" for turn in messages):
        return [{"role": "system", "content": system.strip()}, *messages]
    return messages


def pku_saferlhf_to_pair(row: dict[str, Any], columns: Columns) -> Pair | None:
    """PKU-Alignment/PKU-SafeRLHF (prompt, response_0, response_1, safer_response_id): the
    preferred response is chosen, the other rejected. `preferred_id` reads safer_response_id
    unless columns map it elsewhere ({"preferred_id": "better_response_id"}: helpfulness)."""
    preferred = row.get(columns.get("preferred_id", "safer_response_id"))
    if preferred not in (0, 1):
        return None
    responses = [cell(row, columns, "response_0"), cell(row, columns, "response_1")]
    return {
        "prompt": user_turn(cell(row, columns, "prompt")),
        "chosen": answer_turn(responses[preferred]),
        "rejected": answer_turn(responses[1 - preferred]),
    }


def preferred_is_unsafe(row: dict[str, Any], columns: Columns) -> str | None:
    """PKU-SafeRLHF also labels each response safe or not: a pair whose preferred response
    is itself unsafe (the less harmful of two harmful answers) would teach the model an
    unsafe answer, so it is dropped, when the dataset has the labels."""
    preferred = row.get(columns.get("preferred_id", "safer_response_id"))
    if preferred in (0, 1) and cell(row, columns, f"is_response_{preferred}_safe") is False:
        return "unsafe_chosen"
    return None


def preference_to_pair(row: dict[str, Any], columns: Columns) -> Pair | None:
    """prompt + chosen + rejected, as full chats (HuggingFaceH4/ultrafeedback_binarized:
    chosen = [user, assistant]), as plain strings beside an optional system column
    (wenbopan/Chinese-dpo-pairs), or already in TRL's form (prompt a list of turns)."""
    chosen, rejected = cell(row, columns, "chosen"), cell(row, columns, "rejected")
    if isinstance(chosen, list) and len(chosen) > 1:  # full chats: the prompt is the chat before the answer
        prompt = [{"role": turn["role"], "content": turn.get("content") or ""} for turn in chosen[:-1]]
        if isinstance(rejected, list) and [t["content"] for t in rejected[:-1]] != [t["content"] for t in prompt]:
            return None  # chosen and rejected answer different conversations
    else:
        prompt = cell(row, columns, "prompt")
        prompt = list(prompt) if isinstance(prompt, list) else user_turn(prompt)
    prompt = with_system(prompt, cell(row, columns, "system"))
    return {"prompt": prompt, "chosen": answer_turn(chosen), "rejected": answer_turn(rejected)}


def sharegpt_preference_to_pair(row: dict[str, Any], columns: Columns) -> Pair | None:
    """ShareGPT pairs (llamafactory/DPO-En-Zh-20k): `conversations` [{from, value}] up to the
    answer, `chosen` and `rejected` one {from, value} turn each (or plain strings, as one older
    card revision typed them), and an optional `system` column."""
    prompt = sharegpt_to_messages(row, columns)
    if any(turn["role"] not in SHAREGPT_ROLES.values() for turn in prompt):
        return None
    prompt = with_system(prompt, cell(row, columns, "system"))
    return {
        "prompt": prompt,
        "chosen": answer_turn(cell(row, columns, "chosen")),
        "rejected": answer_turn(cell(row, columns, "rejected")),
    }


def kto_to_row(row: dict[str, Any], columns: Columns) -> Pair | None:
    """Unpaired rows (prompt, completion, label: true = desirable), as trl's KTO datasets."""
    label = cell(row, columns, "label")
    if not isinstance(label, bool):
        raise ValueError(f"kto rows need a true/false `label` column, got {label!r} (map it with data.columns)")
    prompt = cell(row, columns, "prompt")
    prompt = list(prompt) if isinstance(prompt, list) else user_turn(prompt)
    return {"prompt": prompt, "completion": answer_turn(cell(row, columns, "completion")), "label": label}


# format -> the columns its converter cannot do without: its name -> the dataset's column when unmapped
REQUIRED_COLUMNS: dict[str, dict[str, str]] = {
    "pku_saferlhf": {
        "prompt": "prompt",
        "response_0": "response_0",
        "response_1": "response_1",
        "preferred_id": "safer_response_id",
    },
    "preference": {"chosen": "chosen", "rejected": "rejected"},  # the prompt may be the chats' first turns
    "sharegpt_preference": {"conversations": "conversations", "chosen": "chosen", "rejected": "rejected"},
    "kto": {"prompt": "prompt", "completion": "completion", "label": "label"},
}
# format -> the columns its converter reads when they are there (mapped to a missing column: an error)
OPTIONAL_COLUMNS: dict[str, tuple[str, ...]] = {"preference": ("prompt", "system"), "sharegpt_preference": ("system",)}
PAIR_CONVERTERS: dict[str, Callable[[dict[str, Any], Columns], Pair | None]] = {
    "pku_saferlhf": pku_saferlhf_to_pair,
    "preference": preference_to_pair,
    "sharegpt_preference": sharegpt_preference_to_pair,
    "kto": kto_to_row,
}
# format -> a check naming why a row is ruled out by the dataset's own labels (None: keep it)
ROW_FILTERS: dict[str, Callable[[dict[str, Any], Columns], str | None]] = {"pku_saferlhf": preferred_is_unsafe}
FILTER_REASONS = {"pku_saferlhf": ("unsafe_chosen",)}
# format -> (the report's key, the label columns a filter reads): without them it cannot apply
FILTER_COLUMNS = {"pku_saferlhf": ("unsafe_filter", ("is_response_0_safe", "is_response_1_safe"))}


def answers(pair: Pair) -> list[Messages]:
    """The answer turns of a pair (chosen, rejected) or of an unpaired row (completion)."""
    return [pair[key] for key in ("chosen", "rejected", "completion") if key in pair]


def pair_problem(pair: Pair | None, min_response_chars: int, max_chars: int) -> str | None:
    """Why a pair (or unpaired row) should be dropped, or None to keep it."""
    if not pair or not pair["prompt"] or pair["prompt"][-1]["role"] != "user":
        return "empty"
    turns = [*pair["prompt"], *(turn for answer in answers(pair) for turn in answer)]
    if any(not turn["content"].strip() for turn in turns):
        return "empty"
    if any(len(answer[-1]["content"].strip()) < min_response_chars for answer in answers(pair)):
        return "too_short"
    prompt_chars = sum(len(turn["content"]) for turn in pair["prompt"])
    if prompt_chars + max(len(answer[-1]["content"]) for answer in answers(pair)) > max_chars:
        return "too_long"
    if "chosen" in pair and pair["chosen"][-1]["content"].strip() == pair["rejected"][-1]["content"].strip():
        return "identical"  # no preference to learn: every loss term is zero
    return None


def preferred_conversation(pair: Pair) -> Messages | None:
    """The conversation a validation loss scores: the prompt and the preferred answer
    (None for an undesirable KTO row)."""
    if "chosen" in pair:
        return [*pair["prompt"], *pair["chosen"]]
    return [*pair["prompt"], *pair["completion"]] if pair["label"] else None
