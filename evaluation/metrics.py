"""Retrieval metrics as pure functions over a ranked list and relevance judgements."""

from __future__ import annotations

import math


def success_at(hits: list[set[int]], k: int) -> float:
    """1.0 if any of the first k results hits any gold item."""
    return 1.0 if any(hits[:k]) else 0.0


def reciprocal_rank(hits: list[set[int]], k: int = 10) -> float:
    """1/rank of the first result (within k) that hits a gold item."""
    for rank, found in enumerate(hits[:k], start=1):
        if found:
            return 1.0 / rank
    return 0.0


def recall_at(hits: list[set[int]], n_gold: int, k: int) -> float:
    """Share of gold items hit by the first k results; each gold item counts once."""
    found = set().union(*hits[:k]) if hits[:k] else set()
    return len(found) / n_gold if n_gold else 0.0


def ndcg_at(ranked: list[str], relevance: dict[str, int], k: int = 10) -> float:
    """nDCG@k with graded gains (rel / log2(rank + 1)), as trec_eval computes it."""
    gains = [relevance.get(doc, 0) for doc in ranked[:k]]
    dcg = sum(g / math.log2(i + 2) for i, g in enumerate(gains))
    ideal = sorted((r for r in relevance.values() if r > 0), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def mean(values: list[float]) -> float:
    """Arithmetic mean (0.0 for no values)."""
    return sum(values) / len(values) if values else 0.0
