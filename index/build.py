"""One built index folder, opened: its manifest, SQLite store and FAISS vectors (for search and for ingest)."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

import numpy as np

from index.manifest import FORMAT, Manifest
from index.models import Document, Passage
from index.publish import DATABASE, VECTORS, IndexNotFound, current_build
from index.store import Store
from index.vectors import Vectors


class Build:
    """A build folder; the store and vectors are opened on first use."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.version = folder.name
        self.manifest = Manifest.read(folder)

    @classmethod
    def current(cls, root: Path) -> Build:
        """The published build of an index root; raises IndexNotFound."""
        return cls(current_build(root))

    def check_format(self) -> Build:
        """Refuse a build made by an older version of this software."""
        if self.manifest.signature.format != FORMAT:
            raise IndexNotFound(f"{self.folder}: the index was built by an older version; run: python -m ingest")
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
