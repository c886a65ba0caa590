"""Corpus query sets with gold phrases, and the chunk-agnostic rule for scoring a passage against them."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

FOLD = str.maketrans(
    {
        "‘": "'",
        "’": "'",
        "‚": "'",
        "‛": "'",
        "“": '"',
        "”": '"',
        "„": '"',
        "‟": '"',
        "–": "-",
        "—": "-",
        "‒": "-",
        "−": "-",
        "‐": "-",
        "‑": "-",
        "\u00ad": "",
    }
)


def fold(text: str) -> str:
    """NFKC, soft hyphens removed, quotes and dashes folded, whitespace collapsed, lower case."""
    text = unicodedata.normalize("NFKC", text).translate(FOLD)
    return re.sub(r"\s+", " ", text).strip().lower()


@dataclass(frozen=True)
class GoldItem:
    """Evidence for a query: a document, optionally a page, and phrases any of which is a hit."""

    doc: str
    phrases: tuple[str, ...]
    page: int | None = None


@dataclass(frozen=True)
class EvalQuery:
    """One query of a development set."""

    id: str
    query: str
    gold: tuple[GoldItem, ...]


def load_queries(path: Path) -> list[EvalQuery]:
    """A JSONL query set."""
    queries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            gold = tuple(GoldItem(g["doc"], tuple(g["phrases"]), g.get("page")) for g in row["gold"])
            queries.append(EvalQuery(row["id"], row["query"], gold))
    return queries


def gold_hits(text: str, gold: tuple[GoldItem, ...]) -> set[int]:
    """Indices of the gold items this passage contains one phrase of (the rule is chunk- and id-agnostic)."""
    folded = fold(text)
    return {i for i, item in enumerate(gold) if any(fold(p) in folded for p in item.phrases)}
