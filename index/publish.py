"""Index folders: each build is written whole, then published by an atomic switch of CURRENT."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from index.models import Document, Passage
from index.store import write_index
from index.vectors import write_vectors

BUILDS = "builds"
CURRENT = "CURRENT"
LOCK = "ingest.lock"
MANIFEST = "manifest.json"
DATABASE = "index.sqlite"
VECTORS = "vectors.faiss"


class IndexNotFound(RuntimeError):
    """No index has been published yet."""


class IngestLocked(RuntimeError):
    """Another ingest holds the lock."""


def new_build(root: Path) -> Path:
    """A fresh, empty folder for a build; its name is the index version."""
    version = time.strftime("%Y%m%dT%H%M%S") + f"-{os.getpid()}"
    folder = root / BUILDS / version
    folder.mkdir(parents=True)
    return folder


def write_manifest(folder: Path, manifest: dict) -> None:
    """Write manifest.json, the build's description, last of all its files."""
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True), encoding="utf-8")


def read_manifest(folder: Path) -> dict:
    """The manifest of a build folder."""
    return json.loads((folder / MANIFEST).read_text(encoding="utf-8"))


def publish(root: Path, folder: Path, keep: int = 2) -> None:
    """Point CURRENT at `folder` atomically, then remove builds older than the last `keep`."""
    pointer = root / f"{CURRENT}.tmp"
    pointer.write_text(folder.name, encoding="utf-8")
    os.replace(pointer, root / CURRENT)
    builds = sorted(p for p in (root / BUILDS).iterdir() if p.is_dir())
    for old in builds[:-keep]:
        if old != folder:
            shutil.rmtree(old, ignore_errors=True)


def write_build(root: Path, documents: list[Document], passages: list[Passage], vectors: np.ndarray,
                manifest: dict) -> Path:
    """Write a whole build (SQLite, FAISS, manifest last) into a new folder and publish it.

    A failure removes the half-written folder and leaves the published index as it was."""
    folder = new_build(root)
    try:
        write_index(folder / DATABASE, documents, passages)
        write_vectors(folder / VECTORS, [p.id for p in passages], vectors)
        write_manifest(folder, manifest)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    publish(root, folder)
    return folder


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
        yield
