"""Combining the scored lists of several retrievers into one ranking."""

from __future__ import annotations


def fuse_convex(
    lists: dict[str, list[tuple[int, float]]], weights: dict[str, float], depth: int
) -> list[tuple[int, float, tuple[str, ...]]]:
    """A weighted sum of scores, each list's scores divided by its best one (so BM25 and cosine share a scale).

    An item missing from a list that was cut at `depth` gets that list's lowest normalised score (it ranked
    below every candidate, which says little more); missing from a shorter, complete list, it gets 0 (it did
    not match). Returns (id, score, names of the lists that held it), best first, ties broken by id."""
    normalised = {}
    for name, pairs in lists.items():
        top = max((score for _, score in pairs), default=0.0)
        normalised[name] = {item: score / top for item, score in pairs} if top > 0 else {item: 0.0 for item, _ in pairs}
    floors = {name: min(scores.values()) if len(scores) >= depth else 0.0 for name, scores in normalised.items()}
    items = sorted({item for scores in normalised.values() for item in scores})
    fused = []
    for item in items:
        score = sum(weights[name] * scores.get(item, floors[name]) for name, scores in normalised.items())
        fused.append((item, score, tuple(name for name, scores in normalised.items() if item in scores)))
    return sorted(fused, key=lambda row: (-row[1], row[0]))
