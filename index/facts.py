"""What facets, folding, grouping and filter masks need of every passage, held in memory by either backend."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from index.filters import FACETS, Filters
from index.models import FINDINGS, Document

FACET_VALUES = 100  # values a facet lists: at a million passages the document facet alone would hold thousands


class Facts:
    """Each passage's document and near-duplicate group (arrays indexed by passage id, 12 bytes a passage), the
    roles it quotes, and each document's facet values. Counting facets over a thousand results this way takes
    well under a millisecond; in SQL it took 15."""

    def __init__(
        self,
        passages: Iterable[tuple[int, str, int, str]],
        roles: Iterable[tuple[int, str]],
        documents: dict[str, Document],
    ):
        """From (passage id, document id, near-duplicate group, finding) and (passage id, role) rows."""
        self.documents = documents
        self.names = sorted(documents)
        position = {name: n for n, name in enumerate(self.names)}
        ids, owners, groups, findings = [], [], [], []
        for pid, document_id, group, finding in passages:
            ids.append(pid), owners.append(position[document_id]), groups.append(group), findings.append(finding)
        self.document = np.zeros(max(ids, default=0) + 1, dtype=np.int32)
        self.group = np.zeros(len(self.document), dtype=np.int64)
        self.document[ids], self.group[ids] = owners, groups
        # each passage's finding as a code (0: none) of finding_names
        self.finding_names = ["", *FINDINGS]
        self.finding = np.zeros(len(self.document), dtype=np.int8)
        self.finding[ids] = [self.finding_names.index(finding or "") for finding in findings]
        self.roles: dict[int, list[str]] = {}
        for pid, role in roles:
            self.roles.setdefault(pid, []).append(role)
        # the same as arrays, a row per (passage, role), for counting
        self.role_names = sorted({role for held in self.roles.values() for role in held})
        number = {role: n for n, role in enumerate(self.role_names)}
        pairs = [(pid, number[role]) for pid, held in self.roles.items() for role in held]
        self.role_passage = np.array([pid for pid, _ in pairs], dtype=np.int64)
        self.role_code = np.array([code for _, code in pairs], dtype=np.int64)
        ordered = [documents[name] for name in self.names]
        self.values = {
            "kind": [d.kind for d in ordered],
            "publisher": [d.publisher for d in ordered],
            "document": [d.id for d in ordered],
            "local_authority": [d.local_authority for d in ordered],
            "judgement": [d.judgements.get("overall", "") for d in ordered],
            "year": [d.date[:4] for d in ordered],
            "month": [d.date[:7] for d in ordered],
        }
        # each field as codes per document (0: no value) and the values they stand for, so counting is numpy's
        self.labels = {name: ["", *sorted(set(values) - {""})] for name, values in self.values.items()}
        self.codes = {}
        for name, values in self.values.items():
            code = {value: n for n, value in enumerate(self.labels[name])}
            self.codes[name] = np.array([code[value] for value in values], dtype=np.int64)
        self.group_bound = int(self.group.max(initial=0)) + 1  # group ids are passage ids

    def union(self, *ids: np.ndarray) -> np.ndarray:
        """The sorted passage ids in any of `ids`: marked in one array, which beats np.union1d's sort when hundreds
        of thousands of passages match."""
        marked = np.zeros(len(self.document), dtype=bool)
        for some in ids:
            marked[some] = True
        return np.flatnonzero(marked)

    def document_ids(self, ids: list[int]) -> dict[int, str]:
        """The document of each passage id."""
        return {i: self.names[n] for i, n in zip(ids, self.document[ids].tolist())}

    def distinct(self, ids: np.ndarray) -> int:
        """How many near-duplicate groups the given passages fall in: what remains of them when folded."""
        seen = np.zeros(self.group_bound, dtype=bool)  # marking them beats np.unique
        seen[self.group[np.asarray(ids, dtype=np.int64)]] = True
        return int(np.count_nonzero(seen))

    def groups(self, ids: list[int]) -> dict[int, int]:
        """Near-duplicate group of each passage id."""
        return dict(zip(ids, self.group[ids].tolist()))

    def aggregate(self, ids: np.ndarray, names: tuple[str, ...]) -> dict[str, list[tuple[str, int, int]]]:
        """For each of `names`, (value, passages, documents) over the given passages. A name is a facet field,
        "month", or document fields joined by commas ("local_authority,judgement": each combination, its value
        the field values joined by " | "). Years and months come in date order (a document dated by its year
        alone counts in that year's row of the months), the rest most passages first, then by value. Passages
        without a value are left out."""
        ids = np.asarray(ids, dtype=np.int64)
        per_document = np.bincount(self.document[ids], minlength=len(self.names))
        present = np.flatnonzero(per_document)
        found = {}
        for name in names:
            if name in ("role", "finding"):
                rows = self.passage_counts(name, ids)
            else:
                rows = self.field_counts(name, present, per_document[present])
            dated = name in ("year", "month")
            found[name] = sorted(rows, key=lambda row: row[0] if dated else (-row[1], row[0]))
        return found

    def field_counts(self, name: str, present: np.ndarray, counts: np.ndarray) -> list[tuple[str, int, int]]:
        """(value, passages, documents) of a document field, or of fields joined by commas, over the documents
        `present` holding `counts` matching passages each."""
        fields = name.split(",")
        if len(fields) == 1:  # the common case: a value's code is its row
            codes = self.codes[name][present]
            passages = np.bincount(codes, weights=counts, minlength=len(self.labels[name]))
            documents = np.bincount(codes, minlength=len(self.labels[name]))
            labels = self.labels[name]
            return [(labels[n], int(passages[n]), int(documents[n])) for n in np.flatnonzero(documents[1:]) + 1]
        codes = np.stack([self.codes[field][present] for field in fields], axis=1)
        keep = (codes > 0).all(axis=1)
        combos, owner = np.unique(codes[keep], axis=0, return_inverse=True)
        owner = owner.reshape(-1)
        passages = np.bincount(owner, weights=counts[keep], minlength=len(combos))
        documents = np.bincount(owner, minlength=len(combos))
        return [
            (" | ".join(self.labels[f][c] for f, c in zip(fields, combo)), int(p), int(d))
            for combo, p, d in zip(combos.tolist(), passages.tolist(), documents.tolist())
        ]

    def passage_counts(self, name: str, ids: np.ndarray) -> list[tuple[str, int, int]]:
        """(value, passages with it, documents with such a passage) of a passage field, role or finding, among the
        given passages (a passage quoting several roles counts under each)."""
        if name == "role":
            held = np.zeros(len(self.document), dtype=bool)
            held[ids] = True
            chosen = held[self.role_passage]
            codes, owners, names = self.role_code[chosen], self.document[self.role_passage[chosen]], self.role_names
        else:  # finding: code 0 is none, left out
            codes, owners, names = self.finding[ids].astype(np.int64), self.document[ids], self.finding_names
        passages = np.bincount(codes, minlength=len(names))
        seen = np.zeros((len(names), len(self.names)), dtype=bool)  # each (value, document) marked once:
        seen[codes, owners] = True  # linear, where np.unique sorted every matched passage
        documents = seen.sum(axis=1)
        return [(names[n], int(passages[n]), int(documents[n])) for n in np.flatnonzero(passages) if names[n]]

    def finding_codes(self, findings: tuple[str, ...]) -> np.ndarray:
        """Whether each passage id has one of `findings`."""
        return np.isin(self.finding, [self.finding_names.index(value) for value in findings])

    def with_finding(self, findings: tuple[str, ...]) -> dict[str, int]:
        """Each document with passages of any of `findings`, and how many it has."""
        chosen = self.finding_codes(findings)
        counts = np.bincount(self.document[chosen], minlength=len(self.names))
        return {self.names[n]: int(counts[n]) for n in np.flatnonzero(counts)}

    def facets(self, ids: list[int], most: int = FACET_VALUES) -> dict[str, dict[str, int]]:
        """For each facet field, value -> number of the given passages with it: its `most` commonest values (most
        first, then by value). Every value, with documents too, is an aggregation away (aggregate())."""
        ids = np.asarray(ids, dtype=np.int64)
        per_document = np.bincount(self.document[ids], minlength=len(self.names))
        found = {}
        for name in FACETS:
            if name in ("role", "finding"):
                rows = sorted(self.passage_counts(name, ids), key=lambda row: (-row[1], row[0]))[:most]
                found[name] = {value: passages for value, passages, _ in rows}
                continue
            counts = np.bincount(self.codes[name], weights=per_document, minlength=len(self.labels[name]))
            counts[0] = 0  # no value
            held = np.flatnonzero(counts)
            order = held[np.lexsort((held, -counts[held]))][:most]  # codes follow the values' order: ties by value
            found[name] = {self.labels[name][n]: int(counts[n]) for n in order}
        return found

    def document_count(self, ids: np.ndarray) -> int:
        """Documents holding any of the given passages."""
        held = np.zeros(len(self.names), dtype=bool)
        held[self.document[np.asarray(ids, dtype=np.int64)]] = True
        return int(np.count_nonzero(held))

    def mask(self, filters: Filters) -> np.ndarray:
        """Whether the filters allow each passage id (as the backends' SQL `allowed` decides)."""
        mask = np.array([filters.admits(self.documents[name]) for name in self.names], dtype=bool)[self.document]
        if filters.role:
            wanted = set(filters.role)
            quoting = [i for i, roles in self.roles.items() if wanted.intersection(roles)]
            mask &= np.isin(np.arange(len(mask)), quoting)
        if filters.finding:
            mask &= self.finding_codes(filters.finding)
        return mask
