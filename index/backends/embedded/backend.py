"""The embedded backend: each build is a folder (SQLite, FAISS, manifest) under one root, published by CURRENT."""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from functools import cached_property
from pathlib import Path

import numpy as np

from index.backends import tables
from index.backends.base import refuse_older
from index.backends.embedded.folders import BUILDS, DATABASE, VECTORS, current_build, ingest_lock, rollback, write_build
from index.backends.embedded.store import SqliteStore
from index.backends.embedded.vectors import FaissVectors
from index.manifest import MANIFEST, Manifest
from index.models import Document, Passage


class EmbeddedBuild:
    """A build folder (the Build protocol); the store and vectors are opened on first use."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.where = str(folder)
        self.version = folder.name
        self.manifest = Manifest.read(folder)

    def check_format(self) -> EmbeddedBuild:
        return refuse_older(self)

    @cached_property
    def store(self) -> SqliteStore:
        return SqliteStore(self.folder / DATABASE)

    @cached_property
    def vectors(self) -> FaissVectors:
        return FaissVectors(self.folder / VECTORS)

    def take(self, path: str) -> tuple[Document, list[Passage], np.ndarray]:
        document = self.store.document_text(self.manifest.documents[path].id)
        passages = self.store.document_passages(document.id)
        return document, passages, np.array([self.vectors.reconstruct(p.id) for p in passages], dtype=np.float32)

    def passage_counts(self) -> dict[str, int]:
        return dict(self.store.db.execute(tables.PASSAGE_COUNTS))

    def integrity(self) -> list[str]:
        """SQLite's integrity check, and FTS5's index against the passages it should hold."""
        problems = []
        with closing(sqlite3.connect(self.folder / DATABASE)) as db:
            if db.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                problems.append("index: the SQLite file is damaged; run: python -m ingest --rebuild")
            try:
                db.execute("INSERT INTO passages_fts(passages_fts, rank) VALUES ('integrity-check', 1)")
                stray = db.execute("SELECT count(*) FROM passages_fts WHERE rowid NOT IN (SELECT id FROM passages)")
                fts, passages = (db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("passages_fts", "passages"))
                if stray.fetchone()[0] or fts != passages:
                    raise sqlite3.DatabaseError(f"{fts} rows for {passages} passages")
            except sqlite3.DatabaseError as error:
                problems.append(
                    f"index: the full-text index does not match the passages ({error}); run: python -m ingest --rebuild"
                )
        return problems


class Folders:
    """Builds kept as folders under one root (the Backend protocol)."""

    def __init__(self, root: Path):
        self.root = root

    def published(self) -> str:
        return current_build(self.root).name

    def current(self) -> EmbeddedBuild:
        return EmbeddedBuild(current_build(self.root))

    def open(self, version: str) -> EmbeddedBuild:
        return EmbeddedBuild(self.root / BUILDS / version)

    def kept(self) -> set[str]:
        folder = self.root / BUILDS
        return {p.name for p in folder.iterdir() if (p / MANIFEST).is_file()} if folder.is_dir() else set()

    def write(self, documents, passages, vectors, manifest, exact_limit=50_000, nprobe=64) -> str:
        return write_build(self.root, documents, passages, vectors, manifest, exact_limit, nprobe).name

    def rollback(self) -> tuple[str, str]:
        return rollback(self.root)

    def lock(self):
        return ingest_lock(self.root)

    def check_writable(self) -> None:
        for folder in (self.root, self.root / BUILDS):
            folder.mkdir(parents=True, exist_ok=True)
            probe = folder / f".probe-{os.getpid()}"
            probe.write_bytes(b"")
            probe.unlink()
