"""SQLite storage of documents and passages, and FTS5 keyword search over passages."""

from __future__ import annotations

import json
import sqlite3
import threading
from contextlib import closing
from pathlib import Path

from index.models import Document, Heading, Page, Passage

SCHEMA = (Path(__file__).parent / "schema.sql").read_text(encoding="utf-8")
DOCUMENT_FIELDS = ("id", "path", "title", "publisher", "date", "kind", "source", "licence", "sha256", "fingerprint")
DOCUMENT_COLUMNS = ", ".join(DOCUMENT_FIELDS)
PASSAGE_COLUMNS = 'id, document_id, start, "end", page, page_end, page_label, section, tokens, text'
INSERT_DOCUMENT = f"INSERT INTO documents ({DOCUMENT_COLUMNS}, text, pages, headings) VALUES ({', '.join('?' * 13)})"
INSERT_PASSAGE = f"INSERT INTO passages ({PASSAGE_COLUMNS}) VALUES ({', '.join('?' * 10)})"
INSERT_FTS = "INSERT INTO passages_fts (rowid, text, context) VALUES (?, ?, ?)"
SELECT_DOCUMENTS = f"SELECT {DOCUMENT_COLUMNS} FROM documents ORDER BY id"
SELECT_DOCUMENT_TEXT = "SELECT text, pages, headings FROM documents WHERE id = ?"
SELECT_PASSAGES = f"SELECT {PASSAGE_COLUMNS} FROM passages WHERE id IN (SELECT value FROM json_each(?))"
SELECT_DOCUMENT_PASSAGES = f"SELECT {PASSAGE_COLUMNS} FROM passages WHERE document_id = ? ORDER BY start"
# bm25() is lower-is-better; weights: passage text 1.0, title and heading context 0.5.
MATCH_FTS = """SELECT rowid, -bm25(passages_fts, 1.0, ?) AS score FROM passages_fts
               WHERE passages_fts MATCH ? ORDER BY score DESC, rowid LIMIT ?"""


def row_to_passage(row: tuple) -> Passage:
    """A passages row as a Passage."""
    pid, document_id, start, end, page, page_end, label, section, tokens, text = row
    return Passage(document_id, text, start, end, page, page_end, section, tokens, label, pid)


def write_index(path: Path, documents: list[Document], passages: list[Passage]) -> None:
    """Create a new SQLite file holding the documents and passages (ids must be set)."""
    titles = {d.id: d.title for d in documents}
    with closing(sqlite3.connect(path)) as db, db:
        db.executescript(SCHEMA)
        db.executemany(
            INSERT_DOCUMENT,
            [
                (
                    d.id,
                    d.path,
                    d.title,
                    d.publisher,
                    d.date,
                    d.kind,
                    d.source,
                    d.licence,
                    d.sha256,
                    d.fingerprint,
                    d.text,
                    json.dumps([[p.number, p.start, p.end, p.label] for p in d.pages]),
                    json.dumps([[h.start, h.title] for h in d.headings]),
                )
                for d in documents
            ],
        )
        db.executemany(
            INSERT_PASSAGE,
            [
                (
                    p.id,
                    p.document_id,
                    p.start,
                    p.end,
                    p.page,
                    p.page_end,
                    p.page_label,
                    p.section,
                    p.tokens,
                    p.text,
                )
                for p in passages
            ],
        )
        db.executemany(INSERT_FTS, [(p.id, p.text, f"{titles[p.document_id]}\n{p.section}") for p in passages])
        db.execute("INSERT INTO passages_fts(passages_fts) VALUES ('optimize')")


class Store:
    """Read-only access to one index's SQLite file; one connection per thread."""

    def __init__(self, path: Path, context_weight: float = 0.5):
        self.uri = f"{path.resolve().as_uri()}?mode=ro"
        self.local = threading.local()
        self.context_weight = context_weight
        self.documents = {d.id: d for d in self.read_documents()}

    @property
    def db(self) -> sqlite3.Connection:
        if not hasattr(self.local, "db"):
            self.local.db = sqlite3.connect(self.uri, uri=True, check_same_thread=False)
        return self.local.db

    def read_documents(self) -> list[Document]:
        """Every document's metadata (without its text)."""
        return [Document(**dict(zip(DOCUMENT_FIELDS, row))) for row in self.db.execute(SELECT_DOCUMENTS)]

    def document_text(self, document_id: str) -> Document:
        """A document with its text, pages and headings; KeyError if unknown."""
        row = self.db.execute(SELECT_DOCUMENT_TEXT, (document_id,)).fetchone()
        if row is None:
            raise KeyError(document_id)
        base = self.documents[document_id]
        text, pages, headings = row
        return Document(
            **{
                **base.__dict__,
                "text": text,
                "pages": [Page(*p) for p in json.loads(pages)],
                "headings": [Heading(*h) for h in json.loads(headings)],
            }
        )

    def passages(self, ids: list[int]) -> dict[int, Passage]:
        """Passages by id."""
        rows = self.db.execute(SELECT_PASSAGES, (json.dumps(ids),))
        return {row[0]: row_to_passage(row) for row in rows}

    def document_passages(self, document_id: str) -> list[Passage]:
        """A document's passages in text order."""
        return [row_to_passage(row) for row in self.db.execute(SELECT_DOCUMENT_PASSAGES, (document_id,))]

    def match(self, fts_query: str, k: int) -> list[tuple[int, float]]:
        """(passage id, BM25 score) for an escaped FTS5 query, best first, ties by id."""
        return self.db.execute(MATCH_FTS, (self.context_weight, fts_query, k)).fetchall()

    def count(self, table: str) -> int:
        """Rows in a table of this index."""
        if table not in {"documents", "passages", "passages_fts"}:
            raise ValueError(table)
        return self.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
