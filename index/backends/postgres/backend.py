"""The PostgreSQL backend ([index] backend = "postgres"): every build is written into its own schema inside one
transaction, so no reader sees it half-made, then published by switching the one-row pointer `search.current`.
Keyword search is FTS5's BM25, tokenizer and all (index/terms.py), over a postings table of precomputed weights;
semantic search is pgvector's HNSW. App servers may read from a streaming replica: the pointer replicates too."""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from functools import cached_property
from urllib.parse import urlsplit

import numpy as np
import psycopg

from index.backends.base import IndexNotFound, IngestLocked, new_version, refuse_older
from index.backends.postgres.connect import connect, redact
from index.backends.postgres.schema import CONTROL, POINT, schema_of
from index.backends.postgres.store import PgStore, PgVectors
from index.backends.postgres.write import write_schema
from index.backends.tables import PASSAGE_COUNTS
from index.manifest import Manifest
from index.models import Document, Passage


class PgBuild:
    """One published or kept build in PostgreSQL (the Build protocol)."""

    def __init__(self, dsn: str, version: str, manifest: Manifest):
        self.dsn, self.version, self.manifest = dsn, version, manifest
        self.where = f"{redact(dsn)} {schema_of(version)}"

    def check_format(self) -> PgBuild:
        return refuse_older(self)

    @cached_property
    def store(self) -> PgStore:
        return PgStore(self.dsn, schema_of(self.version))

    @cached_property
    def vectors(self) -> PgVectors:
        return PgVectors(self.store)

    def take(self, path: str) -> tuple[Document, list[Passage], np.ndarray]:
        document = self.store.document_text(self.manifest.documents[path].id)
        passages = self.store.document_passages(document.id)
        sql = "SELECT id, embedding::real[] FROM vectors WHERE id = ANY(%s)"
        rows = dict(self.store.db.execute(sql, ([p.id for p in passages],)))
        return document, passages, np.array([rows[p.id] for p in passages], dtype=np.float32)

    def passage_counts(self) -> dict[str, int]:
        return dict(self.store.db.execute(PASSAGE_COUNTS))

    def integrity(self) -> list[str]:
        return []  # PostgreSQL keeps its own integrity (one transaction a build, checksummed pages)


class Postgres:
    """The builds kept in one PostgreSQL database."""

    def __init__(self, dsn: str):
        self.dsn = dsn
        self.local = threading.local()

    @property
    def db(self) -> psycopg.Connection:
        """This thread's connection for reading the pointer (reconnected after a server restart)."""
        if not hasattr(self.local, "db") or self.local.db.closed or self.local.db.broken:
            self.local.db = connect(self.dsn, autocommit=True)
        return self.local.db

    def published(self) -> str:
        """The published version; raises IndexNotFound."""
        try:
            row = self.db.execute("SELECT version FROM search.current").fetchone()
        except psycopg.errors.UndefinedTable:
            row = None
        except psycopg.OperationalError:  # the server restarted, or a replica was promoted: try once more
            self.local.db.close()
            row = self.db.execute("SELECT version FROM search.current").fetchone()
        if row is None:
            raise IndexNotFound(f"{redact(self.dsn)}: no index has been built; run: python -m ingest")
        return row[0]

    def current(self) -> PgBuild:
        return self.open(self.published())

    def open(self, version: str) -> PgBuild:
        row = self.db.execute("SELECT manifest FROM search.builds WHERE version = %s", (version,)).fetchone()
        if row is None:
            raise IndexNotFound(f"{redact(self.dsn)}: build {version} is not kept; run: python -m ingest")
        return PgBuild(self.dsn, version, Manifest.from_json(row[0]))

    def kept(self) -> set[str]:
        try:
            return {row[0] for row in self.db.execute("SELECT version FROM search.builds")}
        except psycopg.errors.UndefinedTable:
            return set()

    def check_writable(self) -> None:
        """Fail before any extraction or embedding when builds could not be written here."""
        with connect(self.dsn) as db:
            db.execute(CONTROL)

    @contextmanager
    def lock(self):
        """Hold the ingest lock (a session advisory lock), or raise IngestLocked at once."""
        with connect(self.dsn, autocommit=True) as db:
            if not db.execute("SELECT pg_try_advisory_lock(hashtext('search ingest'))").fetchone()[0]:
                raise IngestLocked(f"{redact(self.dsn)}: another ingest is running; wait for it to finish")
            yield

    def write(self, documents, passages, vectors, manifest: Manifest, exact_limit=50_000, nprobe=64) -> str:
        """Write a whole build into a new schema in one transaction, then publish it; returns its version."""
        version = new_version()
        write_schema(self.dsn, version, documents, passages, vectors, manifest, exact_limit)
        self.switch(version, drop_others=True)
        return version

    def switch(self, version: str, drop_others: bool = False) -> str:
        """Point search.current at a build (one transaction); with `drop_others`, then drop every build but it and
        the one it replaced (kept for --rollback). Returns the version it replaced."""
        with connect(self.dsn) as db:
            row = db.execute("SELECT version FROM search.current FOR UPDATE").fetchone()
            db.execute(POINT, (version,))
        previous = row[0] if row else ""
        if drop_others:
            with connect(self.dsn) as db:
                for (old,) in db.execute("SELECT version FROM search.builds").fetchall():
                    if old not in (version, previous):
                        db.execute(f"DROP SCHEMA IF EXISTS {schema_of(old)} CASCADE")
                        db.execute("DELETE FROM search.builds WHERE version = %s", (old,))
        return previous

    def rollback(self) -> tuple[str, str]:
        """Publish the build kept from before the current one; returns (from version, to version)."""
        with self.lock():
            current = self.published()
            earlier = sorted(v for v in self.kept() if v < current)
            if not earlier:
                raise IndexNotFound(f"{redact(self.dsn)}: no earlier build is kept, so there is nothing to roll back to")
            self.switch(earlier[-1])
            return current, earlier[-1]


@contextmanager
def scratch_database(dsn: str):
    """A new, empty database on the same server, for a benchmark's index; yields its address, then drops it."""
    name = f"scratch_{os.getpid()}_{threading.get_ident()}"
    with connect(dsn, autocommit=True) as db:
        db.execute(f"CREATE DATABASE {name}")
    try:
        yield urlsplit(dsn)._replace(path=f"/{name}").geturl()
    finally:
        with connect(dsn, autocommit=True) as db:
            db.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
