"""The embedded backend's SQLite file: documents and passages, FTS5 over passage text, and BM25 postings."""

from __future__ import annotations

import json
import sqlite3
import threading
from contextlib import closing
from functools import cached_property
from pathlib import Path

import numpy as np

from index import terms
from index.backends import tables
from index.backends.embedded.postings import counted as count_scores
from index.backends.embedded.postings import lists as term_lists
from index.backends.embedded.postings import write_postings
from index.backends.tables import PASSAGE_COLUMNS
from index.dedup import near_duplicate_groups
from index.filters import Filters
from index.models import Document, Passage
from index.query import Match, QueryError

SCHEMA = (Path(__file__).parent / "schema.sql").read_text(encoding="utf-8")
MARKS = ", ".join("?" * len(tables.DOCUMENT_ROW.split(",")))
INSERT_DOCUMENT = f"INSERT INTO documents ({tables.DOCUMENT_ROW}) VALUES ({MARKS})"
INSERT_PASSAGE = f"INSERT INTO passages ({PASSAGE_COLUMNS}, dup_group) VALUES ({', '.join('?' * 16)})"
INSERT_FTS = "INSERT INTO passages_fts (rowid, text, context) VALUES (?, ?, ?)"
SELECT_PASSAGES = f"SELECT {PASSAGE_COLUMNS} FROM passages WHERE id IN (SELECT value FROM json_each(?))"
# bm25() is lower-is-better; weights: passage text 1.0, title and heading context 0.5.
MATCH_FTS = """SELECT f.rowid, -bm25(passages_fts, 1.0, ?) AS score FROM passages_fts f
               JOIN passages p ON p.id = f.rowid JOIN documents d ON d.id = p.document_id
               WHERE passages_fts MATCH ? AND {where} ORDER BY score DESC, f.rowid LIMIT ?"""
# Without filters, the same without the joins (twice as fast).
MATCH_FTS_ALL = """SELECT rowid, -bm25(passages_fts, 1.0, ?) AS score FROM passages_fts
                   WHERE passages_fts MATCH ? ORDER BY score DESC, rowid LIMIT ?"""
WORD_COUNTS = "SELECT word, count FROM vocabulary WHERE word IN (SELECT value FROM json_each(?))"


def write_index(path: Path, documents: list[Document], passages: list[Passage]) -> None:
    """Create a new SQLite file holding the documents and passages (ids must be set)."""
    titles = {d.id: d.title for d in documents}
    groups = near_duplicate_groups([(p.id, p.text) for p in passages])
    with closing(sqlite3.connect(path)) as db, db:
        db.executescript(SCHEMA)
        db.executemany(INSERT_DOCUMENT, [tables.document_row(d) for d in documents])
        db.executemany(INSERT_PASSAGE, [tables.passage_row(p, groups[p.id]) for p in passages])
        db.executemany("INSERT INTO passage_roles VALUES (?, ?)", [(p.id, r) for p in passages for r in p.roles])
        db.executemany(INSERT_FTS, [(p.id, p.text, f"{titles[p.document_id]}\n{p.section}") for p in passages])
        db.executemany("INSERT INTO vocabulary (word, count) VALUES (?, ?)", tables.vocabulary(passages).items())
        db.execute("INSERT INTO passages_fts(passages_fts) VALUES ('optimize')")
        contexts = {f"{titles[p.document_id]}\n{p.section}" for p in passages}
        write_postings(db, terms.CONTEXT_WEIGHT, terms.compounds([*(p.text for p in passages), *contexts]))


class SqliteStore(tables.TableReader):
    """Read-only access to one build's SQLite file (the Store protocol); one connection per thread."""

    def __init__(self, path: Path, context_weight: float = terms.CONTEXT_WEIGHT):
        self.uri = f"{path.resolve().as_uri()}?mode=ro"
        self.local = threading.local()
        self.context_weight = context_weight
        self.documents = self.read_documents()

    @property
    def db(self) -> sqlite3.Connection:
        if not hasattr(self.local, "db"):
            self.local.db = sqlite3.connect(self.uri, uri=True, check_same_thread=False)
        return self.local.db

    def passages(self, ids: list[int]) -> dict[int, Passage]:
        rows = self.db.execute(SELECT_PASSAGES, (json.dumps(ids),))
        return {row[0]: tables.row_to_passage(row) for row in rows}

    def word_counts(self, words: list[str]) -> dict[str, int]:
        found = dict(self.db.execute(WORD_COUNTS, (json.dumps([w.lower() for w in words]),)))
        return {w: found.get(w.lower(), 0) for w in words}

    def match(self, match: Match, k: int | None, filters: Filters = Filters()) -> list[tuple[int, float]]:
        """(passage id, BM25 score) of the best `k` (None: every one) passages holding what `match` asks, best first,
        ties by id; only passages the filters allow. Scores are summed from the postings (as FTS5 would score
        them, much faster on a big index); phrases the postings do not hold, proximity, and indexes built before
        the postings go to FTS5."""
        return self.counted(match, k, filters)[0]

    def counted(self, match: Match, k: int | None, filters: Filters = Filters()) -> tuple[list, np.ndarray]:
        """As match(), and the ids of every passage matching, however many."""
        words = match.every + match.any_of
        if self.has_postings and not match.near and (lists := term_lists(self.db, words)) is not None:
            allowed = self.facts.mask(filters) if filters else None
            return count_scores(lists, len(self.facts.document), k, allowed, every=len(match.every))
        every = self.fts(match, None, filters)
        return every[:k], np.array(sorted(i for i, _ in every), dtype=np.int64)

    def fts(self, match: Match, k: int | None, filters: Filters) -> list[tuple[int, float]]:
        """match() by FTS5 alone."""
        sql, params = MATCH_FTS_ALL, ()
        if filters:
            where, params = tables.filter_where(filters)
            sql = MATCH_FTS.format(where=where)
        try:
            return self.db.execute(sql, (self.context_weight, match.fts(), *params, -1 if k is None else k)).fetchall()
        except sqlite3.OperationalError as error:
            raise QueryError(f"The query could not be searched ({error}); remove special characters.") from error

    @cached_property
    def has_postings(self) -> bool:
        return self.db.execute("SELECT 1 FROM sqlite_master WHERE name = 'postings'").fetchone() is not None
