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
            queue = [path for path, entry in planned if entry.status in (Status.ADDED, Status.UPDATED)]
            for number, (path, entry) in enumerate(planned, start=1):
                if queue and queue[0] == path:  # extract the next file while this one is embedded
                    for ahead in queue[:2]:
                        extractor.prefetch(ahead)
                    queue.pop(0)
                ingest_one(builder, extractor, reuse, path, entry, ids)
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


def ingest_one(
    builder: Builder, extractor: Extractor, reuse: Build | None, path: Path, entry: DocumentReport, ids: dict[str, str]
) -> None:
    """Reuse or (re-)ingest one file into the builder, filling in its report entry; failures are never raised.

    A file that fails now, or failed before and has not changed (status FAILED from the plan), keeps its
    version in `reuse`, the published build, if it has one there (`reuse` is None on a full rebuild)."""
    started, flushed = time.monotonic(), builder.flushed_seconds  # a batch embedded now is shared out later
    document = None
    if entry.status != Status.FAILED:
        try:
            document, passages = add_or_keep(builder, extractor, reuse, path, entry, ids)
        except Exception as error:  # one bad file must not stop the corpus
            entry.status = Status.FAILED
            entry.reason = (
                f"{error.problem}; {error.fix}"
                if isinstance(error, LoadError)
                else f"could not be read ({type(error).__name__}: {error}); check the file"
            )
    if document is None:
        if reuse is None or entry.path not in reuse.manifest.documents:
            return
        document, passages, vectors = reuse.take(entry.path)
        builder.keep(document, passages, vectors)
        entry.kept = True
    ids[document.id] = entry.path
    entry.pages, entry.passages = len(document.pages), len(passages)
    entry.seconds = round(time.monotonic() - started - (builder.flushed_seconds - flushed), 2)


def add_or_keep(
    builder: Builder, extractor: Extractor, reuse: Build | None, path: Path, entry: DocumentReport, ids: dict[str, str]
) -> tuple[Document, list[Passage]]:
    """Copy an unchanged document from the published build, or extract, chunk and embed a new or changed one."""

    def check_unique(document: Document) -> None:
        if document.id in ids:
            raise LoadError(path, f"has the same name as {ids[document.id]}", "rename one of them")

    if entry.status == Status.UNCHANGED:
        document, passages, vectors = reuse.take(entry.path)
        check_unique(document)
        builder.keep(document, passages, vectors)
        return document, passages
    document = extractor.load(path)
    check_unique(document)
    return document, builder.add(document)
