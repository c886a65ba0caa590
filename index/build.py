"""One built index, opened: its manifest, store and vectors (for search and for ingest); and where builds are kept."""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path

import numpy as np

from index.config import Config
from index.manifest import FORMAT, MANIFEST, Manifest
from index.models import Document, Passage
from index.publish import BUILDS, DATABASE, VECTORS, IndexNotFound, current_build, ingest_lock, rollback, write_build
from index.store import Store
from index.vectors import Vectors


class Build:
    """A build folder; the store and vectors are opened on first use."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.where = str(folder)
        self.version = folder.name
        self.manifest = Manifest.read(folder)

    @classmethod
    def current(cls, root: Path) -> Build:
        """The published build of an index root; raises IndexNotFound."""
        return cls(current_build(root))

    def check_format(self) -> Build:
        """Refuse a build made by an older version of this software."""
        if self.manifest.signature.format != FORMAT:
            raise IndexNotFound(f"{self.where}: the index was built by an older version; run: python -m ingest")
        return self

    @cached_property
    def store(self) -> Store:
        return Store(self.folder / DATABASE)

    @cached_property
    def vectors(self) -> Vectors:
        return Vectors(self.folder / VECTORS)

    def take(self, path: str) -> tuple[Document, list[Passage], np.ndarray]:
        """A stored document (by corpus-relative path) with its passages and their vectors, as they are."""
        document = self.store.document_text(self.manifest.documents[path].id)
        passages = self.store.document_passages(document.id)
        return document, passages, np.array([self.vectors.reconstruct(p.id) for p in passages], dtype=np.float32)


class Folders:
    """The embedded backend: builds are folders under one root, published by the CURRENT file."""

    def __init__(self, root: Path):
        self.root = root

    def published(self) -> str:
        """The published version; raises IndexNotFound."""
        return current_build(self.root).name

    def current(self) -> Build:
        return Build.current(self.root)

    def open(self, version: str) -> Build:
        return Build(self.root / BUILDS / version)

    def kept(self) -> set[str]:
        """The versions of the whole builds kept."""
        folder = self.root / BUILDS
        return {p.name for p in folder.iterdir() if (p / MANIFEST).is_file()} if folder.is_dir() else set()

    def write(self, documents, passages, vectors, manifest, exact_limit=50_000, nprobe=64) -> str:
        """Write and publish a build; returns its version."""
        return write_build(self.root, documents, passages, vectors, manifest, exact_limit, nprobe).name

    def rollback(self) -> tuple[str, str]:
        return rollback(self.root)

    def lock(self):
        return ingest_lock(self.root)

    def check_writable(self) -> None:
        """Fail before any extraction or embedding when the new build could not be written or published."""
        for folder in (self.root, self.root / BUILDS):
            folder.mkdir(parents=True, exist_ok=True)
            probe = folder / f".probe-{os.getpid()}"
            probe.write_bytes(b"")
            probe.unlink()


def open_index(config: Config):
    """Where the configured backend keeps its builds: Folders, or Postgres."""
    if config.backend == "postgres":
        from index.postgres import Postgres  # noqa: PLC0415 (the embedded backend does not need psycopg)

        return Postgres(config.dsn)
    return Folders(config.index)
