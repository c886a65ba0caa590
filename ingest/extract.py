"""Extraction in a child process under limits, so that one hostile file can neither stall the run nor exhaust
its memory: a file over [limits] max_file_mb is not opened, one that takes longer than max_seconds is stopped,
one that needs more than max_memory_mb fails in the child, and each becomes one LoadError naming the limit."""

from __future__ import annotations

import multiprocessing
import resource
import sys
from multiprocessing.pool import AsyncResult, Pool
from pathlib import Path

from index.config import Config
from ingest.corpus import load_document
from ingest.errors import LoadError
from ingest.members import Bundle, Limits

CONTEXT = multiprocessing.get_context("forkserver")  # children start from a clean process, not a copy of torch
CONTEXT.set_forkserver_preload(["ingest.corpus"])
MB = 1 << 20


def context():
    """forkserver, unless the main program is not a file its children could import (code piped to `python -`):
    then fork, which needs no import."""
    path = getattr(sys.modules["__main__"], "__file__", None)
    return CONTEXT if path is None or Path(path).is_file() else multiprocessing.get_context("fork")


def limit_memory(megabytes: int) -> None:
    """Cap the child's address space: an allocation past it raises MemoryError there."""
    resource.setrlimit(resource.RLIMIT_AS, (megabytes * MB, megabytes * MB))


class Extractor:
    """Runs load_document in one child process, reused from file to file and replaced after a timeout; the next
    file can be started early (prefetch), and a timeout then stops it too."""

    def __init__(self, config: Config):
        self.config = config
        self.pool: Pool | None = None
        self.pending: dict[Path, AsyncResult] = {}

    def __enter__(self) -> Extractor:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def start(self, path: Path) -> AsyncResult:
        if self.pool is None:
            self.pool = context().Pool(1, initializer=limit_memory, initargs=(self.config.max_memory_mb,))
        return self.pool.apply_async(load_document, (path, self.config.corpus, Limits.of(self.config)))

    def too_big(self, path: Path) -> bool:
        return path.stat().st_size > self.config.max_file_mb * MB

    def prefetch(self, path: Path) -> None:
        """Start extracting `path` in the child now, so that it runs while this process embeds the file before."""
        if path not in self.pending and path.is_file() and not self.too_big(path):
            self.pending[path] = self.start(path)

    def load(self, path: Path) -> Bundle:
        """The extracted documents, or a LoadError for a bad file or one over a limit."""
        limits = self.config
        if self.too_big(path):
            size = path.stat().st_size
            raise LoadError(
                path,
                f"{size / MB:,.0f} MB, over the limit of {limits.max_file_mb} MB ([limits] max_file_mb)",
                "raise the limit in config.toml or split the file",
            )
        pending = self.pending.pop(path, None) or self.start(path)
        try:
            return pending.get(timeout=limits.max_seconds)
        except multiprocessing.TimeoutError:
            self.close()
            raise LoadError(
                path,
                f"extraction took longer than {limits.max_seconds} s ([limits] max_seconds)",
                "raise the limit in config.toml if the file is genuine, or replace it",
            ) from None
        except MemoryError:
            self.close()
            raise LoadError(
                path,
                f"extraction needed more than {limits.max_memory_mb} MB ([limits] max_memory_mb)",
                "raise the limit in config.toml if the file is genuine, or replace it",
            ) from None

    def close(self) -> None:
        """Stop the child process, whatever it is doing."""
        self.pending.clear()
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()
            self.pool = None
