"""Combining ranked lists from several retrievers."""

from __future__ import annotations


def fuse_rrf(rankings: dict[str, list[int]], k: int = 60,
             weights: dict[str, float] | None = None) -> list[tuple[int, float, tuple[str, ...]]]:
    """Reciprocal rank fusion: score(d) = sum of weight / (k + rank) over the lists holding d.

    Returns (id, score, names of the lists that held it), best first, ties broken by id.
    """
    scores: dict[int, float] = {}
    sources: dict[int, list[str]] = {}
    for name, ids in rankings.items():
        weight = (weights or {}).get(name, 1.0)
        for rank, item in enumerate(ids, start=1):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
            sources.setdefault(item, []).append(name)
    return sorted(((item, score, tuple(sources[item])) for item, score in scores.items()),
                  key=lambda row: (-row[1], row[0]))
