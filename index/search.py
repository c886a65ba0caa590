"""The one search function behind the web form, the JSON API and the evaluation harness."""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass

from index.build import Build
from index.config import Config
from index.embedding import Embedder, load_embedder
from index.fusion import fuse_convex
from index.manifest import Manifest
from index.models import Document, Hit
from index.publish import current_build
from index.query import Query, QueryError, escape_fts, parse_query, phrase_filter

MODES = ("hybrid", "keyword", "semantic")


class UnknownDocument(KeyError):
    """No document has that id."""


@dataclass(frozen=True)
class Results:
    """What one search returns."""

    query: Query
    mode: str
    hits: list[Hit]
    version: str


class Searcher:
    """Searches the published index; picks up a newly published index on the next call."""

    def __init__(self, config: Config, embedder: Embedder | None = None):
        self.config = config
        self.embedder = embedder
        self.lock = threading.Lock()
        self.loaded: Build | None = None
        self.current()

    def current(self) -> Build:
        """The published index, reopened when CURRENT has moved to a new build."""
        folder = current_build(self.config.index)
        with self.lock:
            if self.loaded is None or self.loaded.folder != folder:
                self.loaded = Build(folder).check_format()
                self.check_model(self.loaded.manifest)
            return self.loaded

    def check_model(self, manifest: Manifest) -> None:
        """Load the embedding model the index was built with; refuse a different one."""
        wanted = manifest.signature.model.sha256
        if self.embedder is None:
            self.embedder = load_embedder(wanted)
        if self.embedder.sha256 != wanted:
            raise RuntimeError(
                f"index was built with model {wanted[:12]}, loaded {self.embedder.sha256[:12]}; "
                "run: python -m ingest --rebuild"
            )

    def search(self, text: str, k: int | None = None, mode: str = "hybrid") -> Results:
        """Ranked passages for `text`; raises QueryError for input that cannot be searched."""
        if mode not in MODES:
            raise QueryError(f"Unknown mode {mode!r}: use one of {', '.join(MODES)}.")
        k = self.config.default_k if k is None else k
        if not 1 <= k <= self.config.max_k:
            raise QueryError(f"k must be between 1 and {self.config.max_k}.")
        query = parse_query(text, self.config.max_query_chars)
        index = self.current()
        depth = max(k, self.config.candidates)
        rankings = {}
        if mode in ("keyword", "hybrid"):
            rankings["keyword"] = self.keyword(index, query, depth)
        if mode in ("semantic", "hybrid"):
            rankings["semantic"] = self.semantic(index, query, depth)
        if mode == "hybrid":
            weight = self.config.keyword_weight
            ranked = fuse_convex(rankings, {"keyword": weight, "semantic": 1 - weight}, depth)
        else:
            ranked = [(i, score, (mode,)) for i, score in rankings[mode]]
        return Results(query, mode, self.hits(index, ranked[:k]), index.version)

    def keyword(self, index: Build, query: Query, depth: int) -> list[tuple[int, float]]:
        """BM25 over passage text (and, weighted lower, title and heading)."""
        try:
            return index.store.match(escape_fts(query), depth)
        except sqlite3.OperationalError as error:
            raise QueryError(f"The query could not be searched ({error}); remove special characters.") from error

    def semantic(self, index: Build, query: Query, depth: int) -> list[tuple[int, float]]:
        """Nearest passages by cosine similarity; with quoted phrases, only passages containing them."""
        vector = self.embedder.encode([query.text])[0]
        phrases = phrase_filter(query)
        if phrases is None:
            return index.vectors.search(vector, depth)
        allowed = {i for i, _ in index.store.match(phrases, len(index.vectors))}
        return [pair for pair in index.vectors.search(vector, len(index.vectors)) if pair[0] in allowed][:depth]

    def hits(self, index: Build, ranked: list[tuple[int, float, tuple[str, ...]]]) -> list[Hit]:
        """Ranked ids as Hits with their passages and documents."""
        passages = index.store.passages([i for i, _, _ in ranked])
        return [
            Hit(passages[i], index.store.documents[passages[i].document_id], round(score, 6), rank, sources)
            for rank, (i, score, sources) in enumerate(ranked, start=1)
        ]

    def documents(self) -> list[Document]:
        """The catalogue: every document's metadata."""
        return list(self.current().store.documents.values())

    def document(self, document_id: str) -> tuple[Document, list]:
        """A document with its text, and its passages; raises UnknownDocument."""
        store = self.current().store
        try:
            return store.document_text(document_id), store.document_passages(document_id)
        except KeyError as error:
            raise UnknownDocument(document_id) from error


def citation(hit_or_document: Hit | Document, page_label: str = "") -> str:
    """'Title, Publisher, Date, p. N' for a hit (or a document and page label)."""
    if isinstance(hit_or_document, Hit):
        document, page_label = hit_or_document.document, hit_or_document.passage.page_label
    else:
        document = hit_or_document
    parts = [document.title, document.publisher, document.date]
    if page_label and document.is_pdf:
        parts.append(f"p. {page_label}")
    return ", ".join(part for part in parts if part)
