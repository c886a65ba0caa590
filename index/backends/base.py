"""The storage seam: what a build must answer for search and ingest, and what a backend must do to keep builds.

Two backends implement it side by side, neither knowing the other: `embedded` (a folder per build: SQLite with
FTS5 and BM25 postings, a FAISS file, a manifest) and `postgres` (a schema per build: the same tables, postings
and pgvector). The search logic above (index/search.py) sees only these protocols."""

from __future__ import annotations

import os
import re
import time
from contextlib import AbstractContextManager
from typing import Protocol

import numpy as np

from index.facts import Facts
from index.filters import Filters
from index.manifest import FORMAT, Manifest
from index.models import Document, Passage
from index.query import Match


class IndexNotFound(RuntimeError):
    """No index has been published yet (or the one asked for cannot be reached)."""


class IngestLocked(RuntimeError):
    """Another ingest holds the lock."""


VERSION = re.compile(r"[0-9]{8}T[0-9]{6}(\.[0-9]{6})?-[0-9]+")  # what new_version() makes (and made)


def new_version() -> str:
    """A new index version: the time, then the process id, so that versions sort in time order."""
    now = time.time()
    return time.strftime("%Y%m%dT%H%M%S", time.localtime(now)) + f"{now % 1:.6f}"[1:] + f"-{os.getpid()}"


def refuse_older(build: Build) -> Build:
    """The build itself; IndexNotFound when an older version of this software made it (its layout differs)."""
    if build.manifest.signature.format != FORMAT:
        raise IndexNotFound(f"{build.where}: the index was built by an older version; run: python -m ingest")
    return build


class Store(Protocol):
    """One build's documents and passages, read-only."""

    documents: dict[str, Document]  # every document's metadata (without its text), by id

    @property
    def facts(self) -> Facts:
        """What facets, folding, grouping and filter masks need of every passage, held in memory."""

    @property
    def passage_count(self) -> int: ...

    def passages(self, ids: list[int]) -> dict[int, Passage]:
        """Passages by id."""

    def document_text(self, document_id: str) -> Document:
        """A document with its text, pages and headings; KeyError if unknown."""

    def document_passages(self, document_id: str) -> list[Passage]:
        """A document's passages in text order."""

    def page_passages(self, page: int) -> list[Passage]:
        """Every document's passages that start on physical page `page`, by document and text order."""

    def match(self, match: Match, k: int | None, filters: Filters = Filters()) -> list[tuple[int, float]]:
        """(passage id, BM25 score as FTS5 computes it) of the best `k` passages (None: every one) holding what
        `match` asks, best first, ties by id; only passages the filters allow."""

    def counted(self, match: Match, k: int | None, filters: Filters = Filters()) -> tuple[list, np.ndarray]:
        """As match(), and the ids of every passage matching (sorted), however many."""

    def allowed(self, filters: Filters) -> list[int]:
        """Ids of the passages the filters allow."""

    def word_counts(self, words: list[str]) -> dict[str, int]:
        """Passages holding each word (lower-cased), 0 for words the corpus does not use."""

    def vocabulary(self, min_count: int = 2) -> dict[str, int]:
        """The corpus's words used in at least `min_count` passages."""

    def count(self, table: str) -> int:
        """Rows of `documents` or `passages`."""


class Vectors(Protocol):
    """One build's passage vectors (ids are passage ids)."""

    def __len__(self) -> int: ...

    def search(self, query: np.ndarray, k: int, allowed: list[int] | None = None) -> list[tuple[int, float]]:
        """(passage id, cosine similarity) of the k nearest, best first, among `allowed` if given; ties by id."""

    def ids(self) -> list[int]:
        """Every stored passage id."""


class Build(Protocol):
    """One kept build: published, or the one it replaced."""

    version: str
    manifest: Manifest
    where: str  # for messages: the folder, or the server and schema

    @property
    def store(self) -> Store: ...

    @property
    def vectors(self) -> Vectors: ...

    def check_format(self) -> Build:
        """The build itself; IndexNotFound when an older version of this software made it."""

    def take(self, path: str) -> tuple[Document, list[Passage], np.ndarray]:
        """A stored document (by corpus-relative path) with its passages and their vectors, for reuse at ingest."""

    def integrity(self) -> list[str]:
        """The storage's own problems (a damaged file, a full-text index out of step), one line each."""

    def passage_counts(self) -> dict[str, int]:
        """Passages held per document path."""


class Backend(Protocol):
    """Where builds are kept, written, published and rolled back."""

    def published(self) -> str:
        """The published version; raises IndexNotFound."""

    def current(self) -> Build: ...

    def open(self, version: str) -> Build: ...

    def kept(self) -> set[str]:
        """The versions of the whole builds kept."""

    def check_writable(self) -> None:
        """Fail before any extraction or embedding when a build could not be written or published."""

    def lock(self) -> AbstractContextManager:
        """Hold the ingest lock, or raise IngestLocked at once."""

    def write(self, documents: list[Document], passages: list[Passage], vectors: np.ndarray, manifest: Manifest,
              exact_limit: int = 50_000, nprobe: int = 64) -> str:  # fmt: skip
        """Write a whole build, then publish it atomically; returns its version. A failure leaves the published
        build as it was."""

    def rollback(self) -> tuple[str, str]:
        """Publish the build kept from before the current one; (from version, to version)."""
