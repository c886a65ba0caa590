"""The embedded backend: SQLite (FTS5 and BM25 postings) and FAISS files in a folder per build, published by an
atomic switch of the CURRENT file. Nothing to run beside the app."""

from index.backends.embedded.backend import EmbeddedBuild, Folders

__all__ = ["EmbeddedBuild", "Folders"]
