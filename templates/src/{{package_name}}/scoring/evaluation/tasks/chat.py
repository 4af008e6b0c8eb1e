"""The chat task: fixed prompts (data/eval_prompts.jsonl), scored without reference answers.

Rows may say what they expect (`expect: json` or `expect: refusal`); the JSON-valid and
refusal rates are taken over those rows only.
"""

from __future__ import annotations

from ..metrics import is_refusal, is_valid_json, mean, rate

METRICS = ("response_chars", "empty_rate", "json_valid_rate", "refusal_rate")


def chat_scores(rows: list[dict], completions: list[list[str]], **_) -> tuple[dict, list[dict]]:
    """Mean response length in characters, the empty-response rate, and the JSON-valid and
    refusal rates over the rows expecting JSON or a refusal (None when no row does)."""
    responses = [group[0] for group in completions]

    def expecting(kind: str) -> list[str]:
        return [response for row, response in zip(rows, responses, strict=True) if row.get("expect") == kind]

    metrics = {
        "response_chars": mean([float(len(r)) for r in responses]),
        "empty_rate": rate([not r.strip() for r in responses]),
        "json_valid_rate": rate([is_valid_json(r) for r in expecting("json")]),
        "refusal_rate": rate([is_refusal(r) for r in expecting("refusal")]),
    }
    return metrics, [{} for _ in rows]
