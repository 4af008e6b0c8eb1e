"""The talk's words in both languages, looked up one way.

Every module of the talk keeps its words in one table, key -> (zh, en), so a word cannot
exist in one language and not the other. `in_language` picks one: Chinese for "zh",
English for any other language (configs/pipeline.yaml's `language` may name one the
talk has no words for).
"""

from __future__ import annotations

from collections.abc import Mapping

Bilingual = tuple[str, str]  # (zh, en)


def in_language(pair: Bilingual, language: str) -> str:
    """The Chinese text for "zh", the English one for any other language."""
    zh, en = pair
    return zh if language == "zh" else en


def table_in(table: Mapping[str, Bilingual], language: str) -> dict[str, str]:
    """Every word of `table` in `language`: key -> text."""
    return {key: in_language(pair, language) for key, pair in table.items()}
