"""Near-duplicate passages: the same paragraph in two reports, the same quotation in two write-ups.

Two passages are near-duplicates when the Jaccard similarity of their sets of word 3-shingles is at least 0.8.
Groups are the connected components of that relation; each is named by its smallest passage id. Candidate pairs
come from prefix filtering (two sets with Jaccard >= t share one of each set's rarest |A| - ceil(t|A|) + 1
shingles), so the result is exact without comparing every pair."""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict

THRESHOLD = 0.8
WORD = re.compile(r"\w+")


def shingles(text: str, size: int = 3) -> frozenset[tuple[str, ...]]:
    """The set of runs of `size` consecutive words (lower-cased); a shorter text is one run."""
    words = WORD.findall(text.lower())
    if len(words) <= size:
        return frozenset([tuple(words)]) if words else frozenset()
    return frozenset(tuple(words[i : i + size]) for i in range(len(words) - size + 1))


def jaccard(a: frozenset, b: frozenset) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


def near_duplicate_groups(passages: list[tuple[int, str]], threshold: float = THRESHOLD) -> dict[int, int]:
    """Passage id -> group id (the smallest id of its group) for passages given as (id, text)."""
    sets = {pid: shingles(text) for pid, text in passages}
    frequency = Counter(token for tokens in sets.values() for token in tokens)
    parent = {pid: pid for pid in sets}

    def root(pid: int) -> int:
        while parent[pid] != pid:
            parent[pid] = parent[parent[pid]]
            pid = parent[pid]
        return pid

    index: dict[tuple, list[int]] = defaultdict(list)
    for pid in sorted(sets, key=lambda p: len(sets[p])):
        tokens = sets[pid]
        if not tokens:
            continue
        prefix = sorted(tokens, key=lambda t: (frequency[t], t))[: len(tokens) - math.ceil(threshold * len(tokens)) + 1]
        candidates = {other for token in prefix for other in index[token]}
        for other in candidates:
            if len(sets[other]) >= threshold * len(tokens) and jaccard(tokens, sets[other]) >= threshold:
                a, b = root(pid), root(other)
                parent[max(a, b)] = min(a, b)
        for token in prefix:
            index[token].append(pid)
    return {pid: root(pid) for pid in sets}
