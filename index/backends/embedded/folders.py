"""Index folders: each build is written whole, then published by an atomic switch of CURRENT."""

from __future__ import annotations

import errno
import fcntl
import os
import shutil
import sqlite3
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from index.backends.base import IndexNotFound, IngestLocked, new_version
from index.backends.embedded.store import write_index
from index.backends.embedded.vectors import write_vectors
from index.manifest import MANIFEST, Manifest
from index.models import Document, Passage

LEGACY = Path("index") / "data"  # where indexes were kept, inside the code, before [paths] index = "data"
BUILDS = "builds"
CURRENT = "CURRENT"
LOCK = "ingest.lock"
DATABASE = "index.sqlite"
VECTORS = "vectors.faiss"


def new_build(root: Path) -> Path:
    """A fresh, empty folder for a build, named by its version."""
    while True:
        folder = root / BUILDS / new_version()
        try:
            folder.mkdir(parents=True)
            return folder
        except FileExistsError:
            continue


def sync_path(path: Path) -> None:
    """Flush a file's, or a folder's, contents and entries to disk."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def published_version(root: Path) -> str:
    """The name of the published build, or "" when nothing is published."""
    pointer = root / CURRENT
    return pointer.read_text(encoding="utf-8").strip() if pointer.is_file() else ""


def switch(root: Path, version: str) -> None:
    """Point CURRENT at a build atomically: a reader sees the old build or the new one, never neither."""
    pointer = root / f"{CURRENT}.tmp"
    with pointer.open("w", encoding="utf-8") as handle:
        handle.write(version)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(pointer, root / CURRENT)
    sync_path(root)


def publish(root: Path, folder: Path) -> None:
    """Publish `folder`, then remove every other build except the one it replaced (kept for --rollback).

    Removing also clears folders left half-written by a killed ingest."""
    previous = published_version(root)
    switch(root, folder.name)
    for old in (root / BUILDS).iterdir():
        if old.name not in (folder.name, previous):
            shutil.rmtree(old, ignore_errors=True)


def rollback(root: Path) -> tuple[str, str]:
    """Publish the build kept from before the current one; returns (from version, to version). Takes the ingest
    lock, so that it cannot interleave with an ingest."""
    with ingest_lock(root):
        return switch_back(root)


def switch_back(root: Path) -> tuple[str, str]:
    current = published_version(root)
    if not current:
        raise IndexNotFound(f"{root}: no index has been built; run: python -m ingest")
    complete = sorted(p.name for p in (root / BUILDS).iterdir() if (p / MANIFEST).is_file() and p.name < current)
    if not complete:
        raise IndexNotFound(f"{root}: no earlier build is kept, so there is nothing to roll back to")
    switch(root, complete[-1])
    return current, complete[-1]


def write_build(
    root: Path,
    documents: list[Document],
    passages: list[Passage],
    vectors: np.ndarray,
    manifest: Manifest,
    exact_limit: int = 50_000,
    nprobe: int = 64,
) -> Path:
    """Write a whole build (SQLite, FAISS, manifest last) into a new folder, flush it to disk and publish it.

    A failure removes the half-written folder and leaves the published index as it was."""
    folder = new_build(root)
    try:
        with storage_errors(folder / DATABASE):
            write_index(folder / DATABASE, documents, passages)
        with storage_errors(folder / VECTORS):
            write_vectors(folder / VECTORS, [p.id for p in passages], vectors, exact_limit, nprobe)
        for path in (folder / DATABASE, folder / VECTORS):
            sync_path(path)
        manifest.write(folder)
        sync_path(folder)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    publish(root, folder)
    return folder


@contextmanager
def storage_errors(path: Path):
    """SQLite's and FAISS's own write errors ("database or disk is full", a C++ assertion) as the OSError they
    are, naming the file: one line for the user, as a failed write of our own would be."""
    try:
        yield
    except sqlite3.Error as error:
        code = errno.ENOSPC if "full" in str(error) else errno.EIO
        raise OSError(code, f"SQLite: {error}", str(path)) from error
    except RuntimeError as error:
        if "faiss" not in str(error).lower():
            raise
        detail = str(error).strip().splitlines()[0].split("failed: ")[-1]
        code = errno.ENOSPC if "No space left" in detail else errno.EIO
        raise OSError(code, f"FAISS: {detail}", str(path)) from error


def current_build(root: Path) -> Path:
    """The published build folder."""
    pointer = root / CURRENT
    if not pointer.is_file():
        raise IndexNotFound(f"{root}: no index has been built; run: python -m ingest")
    folder = root / BUILDS / pointer.read_text(encoding="utf-8").strip()
    if not (folder / MANIFEST).is_file():
        raise IndexNotFound(f"{folder}: published index is incomplete; run: python -m ingest --rebuild")
    return folder


@contextmanager
def ingest_lock(root: Path):
    """Hold the ingest lock for `root`, or raise IngestLocked at once if another ingest has it."""
    root.mkdir(parents=True, exist_ok=True)
    with (root / LOCK).open("w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            raise IngestLocked(f"{root}: another ingest is running; wait for it to finish") from error
        remove_half_written(root)
        yield


def remove_half_written(root: Path) -> None:
    """Remove build folders without a manifest (the manifest is written last): with the lock held, no ingest is
    writing, so these were left by one that was killed or failed. Runs on every ingest, not only publishing ones."""
    keep = {published_version(root)}
    for folder in (root / BUILDS).iterdir() if (root / BUILDS).is_dir() else ():
        if folder.name not in keep and not (folder / MANIFEST).is_file():
            shutil.rmtree(folder, ignore_errors=True)


def move_legacy_index(root: Path, base: Path) -> str:
    """Move an index left at the old place (index/data beside the config file) to `root`; say what was done.

    Returns "" when there is nothing to move; raises IndexNotFound when both places hold an index."""
    legacy = (base / LEGACY).resolve()
    if legacy == root.resolve() or not (legacy / CURRENT).is_file():
        return ""
    if (root / CURRENT).is_file():
        raise IndexNotFound(f"{legacy}: an old index is left beside the new one in {root}; delete {legacy}")
    if root.exists() and any(root.iterdir()):
        raise IndexNotFound(f"{legacy}: an index is there, the old place; move it to {root} by hand, or delete it")
    root.parent.mkdir(parents=True, exist_ok=True)
    if root.exists():
        root.rmdir()
    shutil.move(legacy, root)
    return f"Moved the index from {legacy} to {root} (indexes are now kept outside the code)"
