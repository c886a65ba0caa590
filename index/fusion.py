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


def keyword_tail(
    fused: list[tuple[int, float, tuple[str, ...]]],
    keyword: list[tuple[int, float]],
    lists: dict[str, list[tuple[int, float]]],
    weight: float,
    depth: int,
) -> list[tuple[int, float, tuple[str, ...]]]:
    """The keyword matches ranked below `depth` and not already fused, scored as fuse_convex would score them
    (their normalised BM25, the semantic list's floor): all below every fused item, in BM25 order."""
    seen = {item for item, _, _ in fused}
    top = keyword[0][1] if keyword and keyword[0][1] > 0 else 1.0
    semantic = [score for _, score in lists["semantic"]]
    best = max(semantic, default=0.0)
    floor = min(semantic) / best if best > 0 and len(semantic) >= depth else 0.0
    return [
        (item, weight * score / top + (1 - weight) * floor, ("keyword",))
        for item, score in keyword[depth:]
        if item not in seen
    ]
