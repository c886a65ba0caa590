"""Collecting the documents, passages and vectors of a new build, then writing and publishing it."""

from __future__ import annotations

import datetime
import platform
import sqlite3
import time
from collections import Counter
from dataclasses import replace
from importlib.metadata import version
from pathlib import Path

import numpy as np

from index.config import Config
from index.embedding import Embedder, load_embedder
from index.manifest import DocumentEntry, FailedEntry, Manifest
from index.models import Document, Passage
from ingest.chunking import Settings, TooMany, chunk_document
from ingest.cluster import Cluster
from ingest.errors import LoadError
from ingest.metadata import add_passage_facts
from ingest.ocr import confidence
from ingest.plan import LIBRARIES, signature
from ingest.report import DocumentReport

CHARS_PER_TOKEN = 8  # more than any real text averages (English about 4): a longer text cannot fit the passages
FLUSH = 512  # passages embedded together, across documents: fuller batches of more similar lengths (1.06x)
CONTEXT_RESERVE = 48  # model tokens kept free in each passage for the title and heading prepended when embedding


def embedding_text(document: Document, passage: Passage, embedder: Embedder) -> str:
    """What the model reads for a passage: its document title and heading as context, then its text."""
    for context in (f"{document.title}. {passage.section}", document.title, ""):
        text = f"{context}\n{passage.text}" if context else passage.text
        if embedder.fits(text):
            return text
    raise ValueError(f"{document.path}: passage at {passage.start} is longer than the model reads")


class Builder:
    """Collects the documents, passages and vectors of a new build."""

    def __init__(self, config: Config, embedder: Embedder | None, next_id: int, cluster: Cluster | None = None):
        self.config, self.embedder, self.next_id, self.cluster = config, embedder, next_id, cluster
        self.documents: list[Document] = []
        self.passages: list[Passage] = []
        self.vectors: list[np.ndarray | None] = []
        self.pending: list[tuple[int, list[str]]] = []  # (slot in self.vectors, texts) not embedded yet
        self.embedding_seconds: dict[str, float] = {}  # by document path: its share of the batches' time
        self.flushed_seconds = 0.0  # time spent embedding batches so far
        self.sent: list[tuple[list[tuple[int, list[str]]], object]] = []  # (pending, future) embedding on the cluster
        self.previous: Manifest | None = None  # the published build's, for when each document was first indexed
        self.files: dict[str, str] = {}  # document path -> the email or archive it came out of

    def keep(self, document: Document, passages: list[Passage], vectors: np.ndarray | None) -> None:
        self.documents.append(document)
        self.passages += passages
        self.vectors.append(vectors)

    def model(self) -> Embedder:
        """The embedding model, loaded on first use (a run that only reuses and removes may not need it)."""
        if self.embedder is None:
            self.embedder = load_embedder(self.config.sha256, self.config.precision)
        return self.embedder

    def add(self, document: Document) -> list[Passage]:
        """Chunk and embed a newly extracted document; its passages get new ids."""
        embedder = self.model()
        budget = embedder.max_tokens - CONTEXT_RESERVE
        settings = Settings(
            self.config.max_tokens, self.config.overlap_tokens, lambda text: embedder.count_tokens(text) <= budget
        )
        passages = [replace(p, id=self.next_id + i) for i, p in enumerate(self.chunk(document, settings))]
        if not passages:
            raise LoadError(
                Path(document.path),
                "no text left to index once page furniture was removed",
                "check the file is the full document",
            )
        self.next_id += len(passages)
        self.keep(document, passages, None)
        self.pending.append((len(self.vectors) - 1, [embedding_text(document, p, embedder) for p in passages]))
        if sum(len(texts) for _, texts in self.pending) >= FLUSH:
            self.flush()
        return passages

    def chunk(self, document: Document, settings: Settings) -> list[Passage]:
        """The document's passages with their facts, within [limits] max_passages and max_seconds: a text too long
        to fit is refused before it is cut, and cutting stops as soon as a limit is passed."""
        most, chars = self.config.max_passages, len(document.text)
        fix = "raise the limit in config.toml or split the file"
        if chars > most * self.config.max_tokens * CHARS_PER_TOKEN:
            problem = f"{chars:,} characters, more than fit in {most:,} passages ([limits] max_passages)"
            raise LoadError(Path(document.path), f"{problem}: over the limit of {most:,} ([limits] max_passages)", fix)
        try:
            passages = add_passage_facts(document, chunk_document(document, settings, most, self.config.max_seconds))
        except TooMany as error:
            raise LoadError(Path(document.path), str(error), fix) from None
        if document.ocr_words:  # read by OCR: each passage's words' mean confidence
            passages = [replace(p, confidence=confidence(document.ocr_words, p.start, p.end)) for p in passages]
        return passages

    def flush(self) -> None:
        """Embed the passages waiting for vectors, all together (on the cluster: start them, and go on)."""
        if not self.pending:
            return
        texts = [text for _, texts in self.pending for text in texts]
        if self.cluster:
            self.sent.append((self.pending, self.cluster.submit(texts)))
        else:
            started = time.monotonic()
            vectors = self.model().encode(texts, self.config.batch_size)
            self.flushed_seconds += time.monotonic() - started
            self.place(self.pending, vectors, (time.monotonic() - started) / len(vectors))
        self.pending = []

    def place(self, pending: list[tuple[int, list[str]]], vectors: np.ndarray, share: float = 0.0) -> None:
        """Hand a batch's vectors to the documents they belong to, with their share of its time."""
        start = 0
        for slot, texts in pending:
            self.vectors[slot] = vectors[start : start + len(texts)]
            self.embedding_seconds[self.documents[slot].path] = share * len(texts)
            start += len(texts)

    def collect(self) -> None:
        """Wait for the batches embedding on the cluster."""
        for pending, future in self.sent:
            self.place(pending, self.cluster.result(future))
        self.sent = []

    def manifest(self, failed: list[DocumentReport], dimensions: int) -> Manifest:
        """How this build was made: for search, for --check and for deciding when a rebuild is needed. A document
        whose file and sidecar are unchanged keeps the time it was first indexed (`added`); the rest get now."""
        per_document = Counter(p.document_id for p in self.passages)
        now = datetime.datetime.now().astimezone().isoformat(timespec="microseconds")
        before = self.previous.documents if self.previous else {}

        def added(d: Document) -> str:
            kept = before.get(d.path)
            if kept and kept.fingerprint == d.fingerprint:
                return kept.added or self.previous.built or now  # an older manifest: since that build
            return now

        return Manifest(
            signature(self.config),
            dimensions,
            {
                d.path: DocumentEntry(
                    d.id, d.fingerprint, len(d.pages), per_document[d.id], added(d), self.files.get(d.path, "")
                )
                for d in self.documents
            },  # fmt: skip
            {f.path: FailedEntry(f.fingerprint, f.reason) for f in failed},
            {name: version(name) for name in LIBRARIES}
            | {"python": platform.python_version(), "sqlite": sqlite3.sqlite_version},
            now,
        )

    def write(self, index, failed: list[DocumentReport]) -> str:
        """Write and publish the build into `index` (Folders or Postgres); returns its version."""
        self.flush()
        self.collect()
        vectors = np.concatenate(self.vectors).astype(np.float32)
        return index.write(
            self.documents, self.passages, vectors, self.manifest(failed, vectors.shape[1]),
            self.config.exact_limit, self.config.nprobe,
        )  # fmt: skip
