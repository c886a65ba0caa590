"""What facets, folding, grouping and filter masks need of every passage, held in memory by either backend."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import numpy as np

from index.filters import FACETS, Filters
from index.models import Document


class Facts:
    """Each passage's document and near-duplicate group (arrays indexed by passage id, 12 bytes a passage), the
    roles it quotes, and each document's facet values. Counting facets over a thousand results this way takes
    well under a millisecond; in SQL it took 15."""

    def __init__(
        self,
        passages: Iterable[tuple[int, str, int]],
        roles: Iterable[tuple[int, str]],
        documents: dict[str, Document],
    ):
        """From (passage id, document id, near-duplicate group) and (passage id, role) rows."""
        self.documents = documents
        self.names = sorted(documents)
        position = {name: n for n, name in enumerate(self.names)}
        ids, owners, groups = [], [], []
        for pid, document_id, group in passages:
            ids.append(pid), owners.append(position[document_id]), groups.append(group)
        self.document = np.zeros(max(ids, default=0) + 1, dtype=np.int32)
        self.group = np.zeros(len(self.document), dtype=np.int64)
        self.document[ids], self.group[ids] = owners, groups
        self.roles: dict[int, list[str]] = {}
        for pid, role in roles:
            self.roles.setdefault(pid, []).append(role)
        ordered = [documents[name] for name in self.names]
        self.values = {
            "kind": [d.kind for d in ordered],
            "publisher": [d.publisher for d in ordered],
            "document": [d.id for d in ordered],
            "local_authority": [d.local_authority for d in ordered],
            "judgement": [d.judgements.get("overall", "") for d in ordered],
            "year": [d.date[:4] for d in ordered],
        }

    def document_ids(self, ids: list[int]) -> dict[int, str]:
        """The document of each passage id."""
        return {i: self.names[n] for i, n in zip(ids, self.document[ids].tolist())}

    def groups(self, ids: list[int]) -> dict[int, int]:
        """Near-duplicate group of each passage id."""
        return dict(zip(ids, self.group[ids].tolist()))

    def facets(self, ids: list[int]) -> dict[str, dict[str, int]]:
        """For each facet field, value -> number of the given passages with it (most first, then by value)."""
        per_document = np.bincount(self.document[ids], minlength=len(self.names))
        present = [(n, int(per_document[n])) for n in np.flatnonzero(per_document)]
        counts = {name: Counter() for name in FACETS}
        for name, values in self.values.items():
            for n, count in present:
                if values[n]:
                    counts[name][values[n]] += count
        counts["role"] = Counter(role for i in ids for role in self.roles.get(i, ()))
        return {name: dict(sorted(c.items(), key=lambda row: (-row[1], row[0]))) for name, c in counts.items()}

    def mask(self, filters: Filters) -> np.ndarray:
        """Whether the filters allow each passage id (as the backends' SQL `allowed` decides)."""
        mask = np.array([filters.admits(self.documents[name]) for name in self.names], dtype=bool)[self.document]
        if filters.role:
            wanted = set(filters.role)
            quoting = [i for i, roles in self.roles.items() if wanted.intersection(roles)]
            mask &= np.isin(np.arange(len(mask)), quoting)
        return mask
