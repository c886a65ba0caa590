"""python -m ingest --check: verify the published index against the corpus and against itself."""

from __future__ import annotations

import sqlite3
from contextlib import closing

from index.build import open_index
from index.config import Config
from index.manifest import DocumentEntry
from index.publish import DATABASE
from ingest.plan import plan, why_rebuild
from ingest.report import Report, Status

PROBLEMS = {
    Status.ADDED: "not in the index; run: python -m ingest",
    Status.UPDATED: "changed since it was indexed; run: python -m ingest",
    Status.REMOVED: "indexed but no longer in the corpus; run: python -m ingest",
}


def check_index(config: Config) -> list[str]:
    """Every problem found, one line each; an empty list means the index is sound and up to date."""
    previous = open_index(config).current()
    reason = why_rebuild(config, previous, forced=False)
    if reason:
        return [f"index: built with different settings ({reason}); run: python -m ingest"]
    report = Report()
    planned = [entry for _, entry in plan(config, report, previous)]  # what an ingest would do now
    problems = [f"{entry.path}: {PROBLEMS[entry.status]}" for entry in planned + report.files if entry.status in PROBLEMS]
    problems += [f"{entry.path}: failed to ingest ({entry.reason})" for entry in planned if entry.status == Status.FAILED]
    expected = previous.manifest.documents
    if previous.folder is None:  # PostgreSQL keeps its own integrity; the counts are checked the same way
        problems += check_counts(previous.store.db, expected)
    else:
        with closing(sqlite3.connect(previous.folder / DATABASE)) as db:
            problems += check_database(db, expected)
    passage_ids = {row[0] for row in previous.store.db.execute("SELECT id FROM passages")}
    vector_ids = previous.vectors.ids()
    if len(vector_ids) != len(passage_ids) or set(vector_ids) != passage_ids:
        problems.append(
            f"index: {len(vector_ids)} vectors for {len(passage_ids)} passages, or their ids differ; "
            "run: python -m ingest --rebuild"
        )
    return problems


def check_database(db: sqlite3.Connection, expected: dict[str, DocumentEntry]) -> list[str]:
    """SQLite and FTS5 integrity, and passage counts per document against the manifest."""
    problems = []
    if db.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
        problems.append("index: the SQLite file is damaged; run: python -m ingest --rebuild")
    try:
        db.execute("INSERT INTO passages_fts(passages_fts, rank) VALUES ('integrity-check', 1)")
        stray = db.execute("SELECT count(*) FROM passages_fts WHERE rowid NOT IN (SELECT id FROM passages)").fetchone()
        fts, passages = (db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("passages_fts", "passages"))
        if stray[0] or fts != passages:
            raise sqlite3.DatabaseError(f"{fts} rows for {passages} passages")
    except sqlite3.DatabaseError as error:
        problems.append(f"index: the full-text index does not match the passages ({error}); run: python -m ingest --rebuild")
    return problems + check_counts(db, expected)


def check_counts(db, expected: dict[str, DocumentEntry]) -> list[str]:
    """Passage counts per document against the manifest."""
    problems = []
    counts = dict(
        db.execute("SELECT d.path, count(p.id) FROM documents d LEFT JOIN passages p ON p.document_id = d.id GROUP BY d.id")
    )
    for relative, entry in expected.items():
        if counts.get(relative) != entry.passages:
            problems.append(
                f"{relative}: {counts.get(relative, 0)} passages in the index, "
                f"{entry.passages} expected; run: python -m ingest --rebuild"
            )
    problems += [
        f"{relative}: in the index but not in its manifest; run: python -m ingest --rebuild"
        for relative in sorted(set(counts) - set(expected))
    ]
    return problems
