"""The one search function behind the web form, the JSON API and the evaluation harness."""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

from index.config import Config
from index.embedding import Embedder, load_embedder
from index.fusion import fuse_convex
from index.models import Document, Hit
from index.publish import DATABASE, VECTORS, check_format, current_build, read_manifest
from index.query import Query, QueryError, escape_fts, parse_query, phrase_filter
from index.store import Store
from index.vectors import Vectors

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


class LoadedIndex:
    """One published build, opened: its manifest, SQLite store and FAISS vectors."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.version = folder.name
        self.manifest = read_manifest(folder)
        check_format(folder, self.manifest)
        self.store = Store(folder / DATABASE)
        self.vectors = Vectors(folder / VECTORS)


class Searcher:
    """Searches the published index; picks up a newly published index on the next call."""

    def __init__(self, config: Config, embedder: Embedder | None = None):
        self.config = config
        self.embedder = embedder
        self.lock = threading.Lock()
        self.loaded: LoadedIndex | None = None
        self.current()

    def current(self) -> LoadedIndex:
        """The published index, reopened when CURRENT has moved to a new build."""
        folder = current_build(self.config.index)
        with self.lock:
            if self.loaded is None or self.loaded.folder != folder:
                self.loaded = LoadedIndex(folder)
                self.check_model(self.loaded.manifest)
            return self.loaded

    def check_model(self, manifest: dict) -> None:
        """Load the embedding model the index was built with; refuse a different one."""
        wanted = manifest["model"]["sha256"]
        if self.embedder is None:
            self.embedder = load_embedder(wanted, self.config.batch_size)
        if self.embedder.sha256 != wanted:
            raise RuntimeError(f"index was built with model {wanted[:12]}, loaded {self.embedder.sha256[:12]}; "
                               "run: python -m ingest --rebuild")

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

    def keyword(self, index: LoadedIndex, query: Query, depth: int) -> list[tuple[int, float]]:
        """BM25 over passage text (and, weighted lower, title and heading)."""
        try:
            return index.store.match(escape_fts(query), depth)
        except sqlite3.OperationalError as error:
            raise QueryError(f"The query could not be searched ({error}); remove special characters.") from error

    def semantic(self, index: LoadedIndex, query: Query, depth: int) -> list[tuple[int, float]]:
        """Nearest passages by cosine similarity; with quoted phrases, only passages containing them."""
        vector = self.embedder.encode([query.text])[0]
        phrases = phrase_filter(query)
        if phrases is None:
            return index.vectors.search(vector, depth)
        allowed = {i for i, _ in index.store.match(phrases, len(index.vectors))}
        return [pair for pair in index.vectors.search(vector, len(index.vectors)) if pair[0] in allowed][:depth]

    def hits(self, index: LoadedIndex, ranked: list[tuple[int, float, tuple[str, ...]]]) -> list[Hit]:
        """Ranked ids as Hits with their passages and documents."""
        passages = index.store.passages([i for i, _, _ in ranked])
        return [Hit(passages[i], index.store.documents[passages[i].document_id], round(score, 6), rank, sources)
                for rank, (i, score, sources) in enumerate(ranked, start=1)]

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
