"""Pairwise results in words: each model against the reference model the judge compared it with.

A win rate alone misleads: ties hide in it, and judges favour longer answers. So every
win rate the talk shows carries its tie count and both models' mean answer lengths,
"win 45.0% (ties 3/20), 412 vs 380 chars", read from the entry's details["pairwise"]
(written by scoring/evaluation/pairwise.py).
"""

from __future__ import annotations

from typing import Any

from .words import Bilingual, table_in

# key -> (zh, en)
WORDS: dict[str, Bilingual] = {
    "win": (
        "胜 {rate}（平局 {ties}/{compared}{unparsed}），{chars} 字 vs {reference_chars} 字",
        "win {rate} (ties {ties}/{compared}{unparsed}), {chars} vs {reference_chars} chars",
    ),
    "unparsed": ("，{n} 个无法解析", ", {n} unparsed"),
    "reference": ("参照", "reference"),
    "versus": ("对比对象", "vs"),
    "wins": ("胜", "wins"),
    "ties": ("平", "ties"),
    "losses": ("负", "losses"),
    "unparsed_header": ("无法解析", "unparsed"),
    "chars": ("平均字数", "mean chars"),
    "reference_chars": ("参照平均字数", "reference mean chars"),
}


def pairwise_of(entry: dict[str, Any]) -> dict[str, Any] | None:
    """The entry's pairwise comparison with the reference model, if it has one."""
    return (entry.get("details") or {}).get("pairwise")


def reference_model(results: dict[str, Any]) -> str | None:
    """The model every other one was compared with; None when no comparison ran."""
    for entry in results.get("evaluations", []):
        if pairwise := pairwise_of(entry):
            return pairwise.get("reference")
    return None


def compared(pairwise: dict[str, Any]) -> int:
    """Prompts with a verdict (win, tie or loss); unparsed verdicts are counted apart."""
    return sum(int(pairwise.get(key) or 0) for key in ("wins", "ties", "losses"))


def chars(value: Any) -> str:
    return "—" if value is None else f"{value:,.0f}"


def win_summary(pairwise: dict[str, Any], rate: str, language: str) -> str:
    """'win 45.0% (ties 3/20), 412 vs 380 chars': `rate` is the win rate as the table writes it."""
    here = table_in(WORDS, language)
    unparsed = int(pairwise.get("unparsed") or 0)
    return here["win"].format(
        rate=rate,
        ties=int(pairwise.get("ties") or 0),
        compared=compared(pairwise),
        unparsed=here["unparsed"].format(n=unparsed) if unparsed else "",
        chars=chars(pairwise.get("mean_chars")),
        reference_chars=chars(pairwise.get("reference_mean_chars")),
    )


def pairwise_header(language: str) -> list[str]:
    """Columns of the pairwise table, after the model's own."""
    here = table_in(WORDS, language)
    return [here[key] for key in ("versus", "wins", "ties", "losses", "unparsed_header", "chars", "reference_chars")]


def pairwise_cells(pairwise: dict[str, Any]) -> list[str]:
    """One model's row of the pairwise table (without the model's name)."""
    return [
        str(pairwise.get("reference", "—")),
        *(str(int(pairwise.get(key) or 0)) for key in ("wins", "ties", "losses", "unparsed")),
        chars(pairwise.get("mean_chars")),
        chars(pairwise.get("reference_mean_chars")),
    ]
