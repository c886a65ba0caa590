"""Building the index from the corpus: only new and changed documents are extracted and embedded."""

from __future__ import annotations

import json
import os
import platform
import sqlite3
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from functools import cached_property
from importlib.metadata import version
from pathlib import Path

import numpy as np

from index.config import Config
from index.embedding import MODEL_NAME, Embedder, load_embedder
from index.models import Document, Passage
from index.publish import DATABASE, FORMAT, VECTORS, IndexNotFound, current_build, ingest_lock, read_manifest, write_build
from index.store import Store
from index.vectors import Vectors
from ingest.chunking import ENCODING, Settings, chunk_document
from ingest.corpus import file_hashes, load_document, scan_corpus
from ingest.errors import LoadError

CONTEXT = "title. section"  # what is prepended to a passage when it is embedded
CONTEXT_RESERVE = 48  # model tokens kept free in each passage for the title and heading prepended when embedding
LIBRARIES = ("sentence-transformers", "transformers", "torch", "faiss-cpu", "pypdf", "beautifulsoup4", "tiktoken")
REPORTS = "reports"


@dataclass
class DocumentReport:
    """What an ingest did with one file."""

    path: str
    status: str  # added, updated, unchanged, removed, failed, duplicate
    pages: int = 0
    passages: int = 0
    seconds: float = 0.0
    reason: str = ""  # why it failed, or which file it duplicates
    kept: bool = False  # failed, and its previously indexed version is kept in the index
    fingerprint: str = ""


@dataclass
class Report:
    """What an ingest did, per file and in total."""

    files: list[DocumentReport] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    rebuild: str = ""  # why every document was re-extracted, or "" for an incremental run
    version: str = ""  # the index published (or still published when nothing changed)
    previous: str = ""
    published: bool = False
    dry_run: bool = False
    seconds: float = 0.0
    path: str = ""  # where the JSON report was written

    def with_status(self, *statuses: str) -> list[DocumentReport]:
        return [f for f in self.files if f.status in statuses]

    @property
    def indexed(self) -> list[DocumentReport]:
        return [f for f in self.files if f.status in ("added", "updated", "unchanged") or f.kept]

    @property
    def failed(self) -> list[DocumentReport]:
        return self.with_status("failed")

    @property
    def changed(self) -> bool:
        return bool(self.rebuild or self.with_status("added", "updated", "removed"))

    def totals(self) -> dict:
        counts = {s: len(self.with_status(s)) for s in ("added", "updated", "unchanged", "removed", "failed", "duplicate")}
        return {"documents": len(self.indexed), "pages": sum(f.pages for f in self.indexed),
                "passages": sum(f.passages for f in self.indexed), "ignored": len(self.ignored), **counts}

    def to_json(self) -> str:
        return json.dumps({**{k: v for k, v in asdict(self).items() if k != "path"}, "totals": self.totals()},
                          indent=2)


def signature(config: Config) -> dict:
    """Everything that, when changed, makes stored passages or vectors invalid."""
    return {
        "format": FORMAT,
        "model": {"name": MODEL_NAME, "sha256": config.sha256, "context": CONTEXT},
        "chunking": {"encoding": ENCODING, "max_tokens": config.max_tokens, "overlap_tokens": config.overlap_tokens},
        "library_majors": {name: version(name).split(".")[0] for name in LIBRARIES},
    }


def rebuild_reason(old: dict, new: dict) -> str:
    """Why an index built with manifest `old` cannot be reused, or "" if it can."""
    if old.get("format") != new["format"]:
        return "the index format changed"
    for part, label in (("model", "embedding model"), ("chunking", "chunking settings"),
                        ("library_majors", "library major versions")):
        before, after = old.get(part, {}), new[part]
        changes = [f"{key} {before.get(key)} -> {value}" for key, value in after.items() if before.get(key) != value]
        if changes:
            return f"{label} changed ({', '.join(changes)})"
    return ""


def embedding_text(document: Document, passage: Passage, embedder: Embedder) -> str:
    """What the model reads for a passage: its document title and heading as context, then its text."""
    for context in (f"{document.title}. {passage.section}", document.title, ""):
        text = f"{context}\n{passage.text}" if context else passage.text
        if embedder.fits(text):
            return text
    raise ValueError(f"{document.path}: passage at {passage.start} is longer than the model reads")


class Previous:
    """The published build: its manifest says what it holds; its store and vectors are opened for reuse."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.version = folder.name
        self.manifest = read_manifest(folder)
        self.fingerprints = {path: entry["fingerprint"] for path, entry in self.manifest.get("documents", {}).items()}

    @cached_property
    def store(self) -> Store:
        return Store(self.folder / DATABASE)

    @cached_property
    def vectors(self) -> Vectors:
        return Vectors(self.folder / VECTORS)

    def take(self, path: str) -> tuple[Document, list[Passage], np.ndarray]:
        """A stored document with its passages and their vectors, as they are."""
        document = self.store.document_text(self.manifest["documents"][path]["id"])
        passages = self.store.document_passages(document.id)
        return document, passages, np.array([self.vectors.reconstruct(p.id) for p in passages], dtype=np.float32)


def open_previous(root: Path) -> Previous | None:
    try:
        return Previous(current_build(root))
    except IndexNotFound:
        return None


class Builder:
    """Collects the documents, passages and vectors of a new build."""

    def __init__(self, config: Config, embedder: Embedder | None, next_id: int):
        self.config, self.embedder, self.next_id = config, embedder, next_id
        self.documents: list[Document] = []
        self.passages: list[Passage] = []
        self.vectors: list[np.ndarray] = []

    def keep(self, document: Document, passages: list[Passage], vectors: np.ndarray) -> None:
        self.documents.append(document)
        self.passages += passages
        self.vectors.append(vectors)

    def model(self) -> Embedder:
        """The embedding model, loaded on first use (a run that only reuses and removes may not need it)."""
        if self.embedder is None:
            self.embedder = load_embedder(self.config.sha256, self.config.batch_size)
        return self.embedder

    def add(self, document: Document) -> list[Passage]:
        """Chunk and embed a newly extracted document; its passages get new ids."""
        embedder = self.model()
        budget = embedder.max_tokens - CONTEXT_RESERVE
        settings = Settings(self.config.max_tokens, self.config.overlap_tokens,
                            lambda text: embedder.count_tokens(text) <= budget)
        passages = [Passage(**{**p.__dict__, "id": self.next_id + i})
                    for i, p in enumerate(chunk_document(document, settings))]
        if not passages:
            raise LoadError(Path(document.path), "no text left to index once page furniture was removed",
                            "check the file is the full document")
        self.next_id += len(passages)
        texts = [embedding_text(document, p, embedder) for p in passages]
        vectors = embedder.encode(texts, progress=sys.stderr.isatty() and len(texts) > 500)
        self.keep(document, passages, vectors)
        return passages

    def manifest(self, failed: list[DocumentReport], dimensions: int) -> dict:
        """How this build was made: for search, for --check and for deciding when a rebuild is needed."""
        made_with = signature(self.config)
        per_document = Counter(p.document_id for p in self.passages)
        return {
            **made_with,
            "model": {**made_with["model"], "dimensions": dimensions},
            "libraries": {name: version(name) for name in LIBRARIES} | {
                "python": platform.python_version(), "sqlite": sqlite3.sqlite_version},
            "corpus": {"documents": len(self.documents), "passages": len(self.passages),
                       "pages": sum(len(d.pages) for d in self.documents)},
            "documents": {d.path: {"id": d.id, "fingerprint": d.fingerprint, "pages": len(d.pages),
                                   "passages": per_document[d.id]} for d in self.documents},
            "failed": {f.path: {"fingerprint": f.fingerprint, "reason": f.reason} for f in failed},
            "built": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }

    def write(self, failed: list[DocumentReport]) -> Path:
        """Write and publish the build."""
        vectors = np.concatenate(self.vectors).astype(np.float32)
        manifest = self.manifest(failed, vectors.shape[1])
        return write_build(self.config.index, self.documents, self.passages, vectors, manifest)


def plan(config: Config, report: Report, previous: Previous | None) -> list[tuple[Path, DocumentReport]]:
    """Each corpus file with its status before extraction: added, updated, unchanged, or failed when it
    failed before and has not changed since. Duplicates and removed files go straight into the report."""
    paths, ignored = scan_corpus(config.corpus)
    report.ignored = [p.relative_to(config.corpus).as_posix() for p in ignored]
    stored = previous.fingerprints if previous else {}
    failed_before = previous.manifest.get("failed", {}) if previous and not report.rebuild else {}
    planned, seen = [], {}
    for path in paths:
        relative = path.relative_to(config.corpus).as_posix()
        content, fingerprint = file_hashes(path)
        if content in seen:
            report.files.append(DocumentReport(relative, "duplicate", fingerprint=fingerprint,
                                               reason=f"same content as {seen[content]}; delete one copy"))
            continue
        seen[content] = relative
        entry = DocumentReport(relative, "added" if relative not in stored else "updated", fingerprint=fingerprint)
        if failed_before.get(relative, {}).get("fingerprint") == fingerprint:
            entry.status, entry.reason = "failed", failed_before[relative]["reason"]
        elif stored.get(relative) == fingerprint and not report.rebuild:
            entry.status = "unchanged"
        planned.append((path, entry))
    present = {entry.path for _, entry in planned} | {f.path for f in report.files}
    report.files += [DocumentReport(relative, "removed") for relative in sorted(set(stored) - present)]
    return planned


def build_index(config: Config, embedder: Embedder | None = None, rebuild: bool = False,
                dry_run: bool = False) -> Report:
    """Bring the index up to date with the corpus and publish it; the live index is untouched on failure.

    Unchanged documents keep their passages, vectors and passage ids; new and changed ones are extracted,
    chunked and embedded one at a time. A file that fails keeps its previously indexed version, if any, and
    is not retried until it changes. With nothing to do, nothing is published."""
    started, report = time.monotonic(), Report(dry_run=dry_run)
    with ingest_lock(config.index):
        previous = open_previous(config.index)
        report.previous = report.version = previous.version if previous else ""
        if rebuild:
            report.rebuild = "--rebuild was given"
        elif previous is None:
            report.rebuild = "no index has been published yet"
        else:
            report.rebuild = rebuild_reason(previous.manifest, signature(config))
        planned = plan(config, report, previous)
        report.files += [entry for _, entry in planned]
        if dry_run or not report.changed:
            report.seconds = round(time.monotonic() - started, 1)
            return report
        reuse = None if report.rebuild else previous
        builder = Builder(config, embedder, max(reuse.vectors.ids(), default=0) + 1 if reuse else 1)
        ids: dict[str, str] = {}
        for number, (path, entry) in enumerate(planned, start=1):
            was = entry.status
            ingest_one(builder, reuse, path, entry, ids)
            if was != "unchanged":
                done = entry.reason if entry.status == "failed" else \
                    f"{entry.pages} pages, {entry.passages} passages, {entry.seconds} s"
                print(f"[{number}/{len(planned)}] {entry.status} {entry.path}: {done}", file=sys.stderr, flush=True)
        if not builder.documents:
            raise RuntimeError(f"{config.corpus}: no document could be ingested; the published index is unchanged")
        report.version = builder.write(report.failed).name
        report.published = True
    report.seconds = round(time.monotonic() - started, 1)
    return report


def ingest_one(builder: Builder, reuse: Previous | None, path: Path, entry: DocumentReport,
               ids: dict[str, str]) -> None:
    """Reuse or (re-)ingest one file into the builder, filling in its report entry; failures are never raised.

    A file that fails now, or failed before and has not changed (status "failed" from the plan), keeps its
    version in `reuse`, the published build, if it has one there (`reuse` is None on a full rebuild)."""
    started = time.monotonic()
    document = None
    if entry.status != "failed":
        try:
            document, passages = add_or_keep(builder, reuse, path, entry, ids)
        except Exception as error:  # one bad file must not stop the corpus
            entry.status = "failed"
            entry.reason = (f"{error.problem}; {error.fix}" if isinstance(error, LoadError) else
                            f"could not be read ({type(error).__name__}: {error}); check the file")
    if document is None:
        if reuse is None or entry.path not in reuse.fingerprints:
            return
        document, passages, vectors = reuse.take(entry.path)
        builder.keep(document, passages, vectors)
        entry.kept = True
    ids[document.id] = entry.path
    entry.pages, entry.passages = len(document.pages), len(passages)
    entry.seconds = round(time.monotonic() - started, 2)


def add_or_keep(builder: Builder, reuse: Previous | None, path: Path, entry: DocumentReport,
                ids: dict[str, str]) -> tuple[Document, list[Passage]]:
    """Copy an unchanged document from the published build, or extract, chunk and embed a new or changed one."""
    def check_unique(document: Document) -> None:
        if document.id in ids:
            raise LoadError(path, f"has the same name as {ids[document.id]}", "rename one of them")

    if entry.status == "unchanged":
        document, passages, vectors = reuse.take(entry.path)
        check_unique(document)
        builder.keep(document, passages, vectors)
        return document, passages
    document = load_document(path, builder.config.corpus)
    check_unique(document)
    return document, builder.add(document)


def write_report(config: Config, report: Report) -> Path:
    """Save the JSON report beside the index builds: reports/<time>-<pid>.json."""
    folder = config.index / REPORTS
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}.json"
    path.write_text(report.to_json(), encoding="utf-8")
    report.path = str(path)
    return path
