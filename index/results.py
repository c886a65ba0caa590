"""What a search returns, and how its ranked list is folded and grouped."""

from __future__ import annotations

from dataclasses import dataclass, field

from index.facts import Facts
from index.filters import Filters
from index.models import Document, Hit
from index.query import Query

Ranked = tuple[int, float, tuple[str, ...]]  # (passage id, score, the retrievers that found it)


@dataclass(frozen=True)
class Group:
    """One document in a search grouped by document: its matching passages' count and best few."""

    document: Document
    count: int
    hits: list[Hit]


@dataclass(frozen=True)
class Results:
    """What one search returns: a page of hits (or of groups), and facts about the whole ranked list."""

    query: Query
    mode: str
    hits: list[Hit]
    version: str
    total: int = 0  # passages that match (near-duplicates folded when the search folds them)
    exact: bool = True  # `total` is every match; False: a meaning search's nearest, and more are as near
    matched: int = 0  # passages that match, near-duplicates each counted
    documents: int = 0  # documents with a matching passage (the groups there are, grouped by document)
    facets: dict[str, dict[str, int]] = field(default_factory=dict)  # over every match, in passages
    aggregations: dict[str, list[tuple[str, int, int]]] = field(default_factory=dict)  # (value, passages, documents)
    groups: list[Group] = field(default_factory=list)
    grouped: bool = False
    meaning_only: bool = False  # no passage holds the query's words: every result was found by meaning
    weak: bool = False  # the closest passage by meaning is far from the query, and none holds all its words
    suggestion: str = ""  # the query with unknown words replaced by corpus words
    offset: int = 0
    k: int = 10
    filters: Filters = Filters()
    named: tuple[str, ...] = ()  # councils the query names, whose Ofsted reports were ranked first
    said: str = ""  # why nothing was searched (a query of only common words), or ""
    rows: list[Ranked] = field(default_factory=list)  # an `everything` search: the whole ranked list, for exports
    also: dict[int, list[int]] = field(default_factory=dict)  # and the near-duplicates folded into each row


def fold_duplicates(ranked: list[Ranked], groups: dict[int, int]) -> tuple[list[Ranked], dict[int, list[int]]]:
    """Keep the best-ranked passage of each near-duplicate group; the others become its "also in" places."""
    first: dict[int, int] = {}
    kept, also = [], {}
    for row in ranked:
        group = groups.get(row[0], row[0])
        if group in first:
            also.setdefault(first[group], []).append(row[0])
        else:
            first[group] = row[0]
            kept.append(row)
    return kept, also


def group_by_document(ranked: list[Ranked], facts: Facts) -> list[tuple[str, list[Ranked]]]:
    """(document id, its ranked rows), documents in the order of their best passage."""
    by_document: dict[str, list[Ranked]] = {}
    passages = facts.document_ids([i for i, _, _ in ranked])
    for row in ranked:
        by_document.setdefault(passages[row[0]], []).append(row)
    return list(by_document.items())


def hits_by_id(hits: list[Hit]) -> dict[int, Hit]:
    return {hit.passage.id: hit for hit in hits}
