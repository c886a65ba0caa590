"""Bringing the index up to date with the corpus: only new and changed documents are extracted and embedded."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import closing, nullcontext
from dataclasses import dataclass
from pathlib import Path

from index.backends import open_backend
from index.backends.base import Build, IndexNotFound
from index.config import Config
from index.embedding import Embedder
from index.models import Document, Passage
from ingest.builder import Builder
from ingest.cluster import Cluster
from ingest.errors import LoadError
from ingest.extract import Extractor
from ingest.plan import plan, why_rebuild
from ingest.report import DocumentReport, Report, Status


@dataclass(frozen=True)
class Progress:
    """One file done: its place in the run and what became of it."""

    number: int
    total: int
    entry: DocumentReport


def open_previous(index) -> Build | None:
    try:
        return index.current()
    except IndexNotFound:
        return None


def build_index(
    config: Config,
    embedder: Embedder | None = None,
    rebuild: bool = False,
    dry_run: bool = False,
    progress: Callable[[Progress], None] | None = None,
    report: Report | None = None,
    workers: str = "",
) -> Report:
    """Bring the index up to date with the corpus and publish it; the live index is untouched on failure.

    Unchanged documents keep their passages, vectors and passage ids; new and changed ones are extracted,
    chunked and embedded one at a time. A file that fails keeps its previously indexed version, if any, and
    is not retried until it changes. With nothing to do, nothing is published. Pass `report` to keep what was
    done so far when the run is interrupted. With `workers`, a Dask scheduler's address, passages are embedded
    on its workers."""
    started = time.monotonic()
    report = report or Report()
    report.dry_run = dry_run
    index = open_backend(config)
    with index.lock():
        previous = open_previous(index)
        report.previous = report.version = previous.version if previous else ""
        report.rebuild = why_rebuild(config, previous, rebuild)
        planned = plan(config, report, previous)
        report.files += [entry for _, entry in planned]
        if dry_run or not report.changed:
            report.seconds = round(time.monotonic() - started, 1)
            return report
        reuse = None if report.rebuild else previous
        index.check_writable()
        cluster = Cluster(workers, config) if workers else None
        builder = Builder(config, embedder, max(reuse.vectors.ids(), default=0) + 1 if reuse else 1, cluster)
        builder.previous = previous.manifest if previous else None
        ids: dict[str, str] = {}
        with Extractor(config) as extractor, closing(cluster) if cluster else nullcontext():
            run = Run(builder, extractor, reuse, ids, report)
            queue = [path for path, entry in planned if entry.status in (Status.ADDED, Status.UPDATED)]
            for number, (path, entry) in enumerate(planned, start=1):
                if queue and queue[0] == path:  # extract the next file while this one is embedded
                    for ahead in queue[:2]:
                        extractor.prefetch(ahead)
                    queue.pop(0)
                ingest_one(run, path, entry)
                if progress:
                    progress(Progress(number, len(planned), entry))
            if not builder.documents:
                raise RuntimeError(f"{config.corpus}: no document could be ingested; the published index is unchanged")
            report.version = builder.write(index, report.failed)
        report.published = True
        for entry in report.files:  # embedding ran in batches across files: give each file its share
            entry.seconds = round(entry.seconds + builder.embedding_seconds.get(entry.path, 0.0), 2)
    report.seconds = round(time.monotonic() - started, 1)
    return report


@dataclass
class Run:
    """What ingesting each file works with: the new build, the extraction child, the published build to reuse
    (None on a full rebuild), the document ids taken so far (id -> file) and the report."""

    builder: Builder
    extractor: Extractor
    reuse: Build | None
    ids: dict[str, str]
    report: Report


def ingest_one(run: Run, path: Path, entry: DocumentReport) -> None:
    """Reuse or (re-)ingest one file into the builder, filling in its report entry; failures are never raised.

    A file that fails now, or failed before and has not changed (status FAILED from the plan), keeps its
    version in `reuse`, the published build, if it has one there (`reuse` is None on a full rebuild). An email or
    archive gives several documents; a member of it that fails gets a report entry of its own."""
    builder, reuse = run.builder, run.reuse
    started, flushed = time.monotonic(), builder.flushed_seconds  # a batch embedded now is shared out later
    taken = None
    if entry.status != Status.FAILED:
        try:
            taken = add_or_keep(run, path, entry)
        except Exception as error:  # one bad file must not stop the corpus
            entry.status = Status.FAILED
            entry.reason = (
                f"{error.problem}; {error.fix}"
                if isinstance(error, LoadError)
                else f"could not be read ({type(error).__name__}: {error}); check the file"
            )
    if taken is None:
        if reuse is None or not reuse.manifest.paths_from(entry.path):
            return
        taken = [keep(builder, reuse, stored, entry.path) for stored in reuse.manifest.paths_from(entry.path)]
        entry.kept = True
    for document, _ in taken:
        run.ids[document.id] = entry.path
    entry.pages, entry.passages = sum(len(d.pages) for d, _ in taken), sum(len(p) for _, p in taken)
    entry.documents = len(taken)
    entry.seconds = round(time.monotonic() - started - (builder.flushed_seconds - flushed), 2)


def keep(builder: Builder, reuse: Build, stored: str, file: str) -> tuple[Document, list[Passage]]:
    """Copy one document of the published build, unchanged, into the new one."""
    document, passages, vectors = reuse.take(stored)
    builder.keep(document, passages, vectors)
    if stored != file:
        builder.files[stored] = file
    return document, passages


def add_or_keep(run: Run, path: Path, entry: DocumentReport) -> list[tuple[Document, list[Passage]]]:
    """Copy an unchanged file's documents from the published build, or extract, chunk and embed a new or changed
    one's (an email's message and attachments, an archive's members: each a document)."""

    builder, reuse, ids = run.builder, run.reuse, run.ids

    def check_unique(document: Document) -> None:
        if document.id in ids:
            raise LoadError(path, f"{document.path} has the same name as {ids[document.id]}", "rename one of them")

    if entry.status == Status.UNCHANGED:
        taken = [keep(builder, reuse, stored, entry.path) for stored in reuse.manifest.paths_from(entry.path)]
        for document, _ in taken:
            check_unique(document)
        return taken
    bundle = run.extractor.load(path)
    names = [document.id for document in bundle.documents]
    for document in bundle.documents:
        check_unique(document)
        if names.count(document.id) > 1:
            raise LoadError(path, f"holds two documents named {document.id!r}", "rename one of them")
    taken = []
    for document in bundle.documents:
        try:
            taken.append((document, builder.add(document)))
        except LoadError as error:  # an attachment or member with nothing to index: the rest are kept
            if len(bundle.documents) == 1:
                raise
            bundle.failed[document.path] = f"{error.problem}; {error.fix}"
            continue
        if document.path != entry.path:
            builder.files[document.path] = entry.path
    run.report.files += [DocumentReport(inner, Status.FAILED, fingerprint=entry.fingerprint, reason=why)
                     for inner, why in bundle.failed.items()]  # fmt: skip
    run.report.ignored += bundle.ignored
    return taken
