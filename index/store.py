"""SQLite storage of documents and passages, and FTS5 keyword search over passages."""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from collections import Counter
from contextlib import closing
from functools import cached_property
from pathlib import Path

from index.dedup import near_duplicate_groups
from index.filters import COLUMNS, Filters, date_span
from index.models import Document, Heading, Page, Passage

SCHEMA = (Path(__file__).parent / "schema.sql").read_text(encoding="utf-8")
DOCUMENT_FIELDS = (
    "id", "path", "title", "publisher", "date", "kind", "source", "licence", "sha256", "fingerprint",
    "local_authority", "inspection_start", "inspection_end",
)  # fmt: skip
DOCUMENT_COLUMNS = ", ".join(DOCUMENT_FIELDS)
PASSAGE_COLUMNS = (
    'id, document_id, start, "end", page, page_end, page_label, section, tokens, text, section_judgement, roles'
)
INSERT_DOCUMENT = (
    f"INSERT INTO documents ({DOCUMENT_COLUMNS}, judgement, judgements, date_start, date_end, text, pages, headings) "
    f"VALUES ({', '.join('?' * (len(DOCUMENT_FIELDS) + 7))})"
)
INSERT_PASSAGE = f"INSERT INTO passages ({PASSAGE_COLUMNS}, dup_group) VALUES ({', '.join('?' * 13)})"
INSERT_FTS = "INSERT INTO passages_fts (rowid, text, context) VALUES (?, ?, ?)"
SELECT_DOCUMENTS = f"SELECT {DOCUMENT_COLUMNS}, judgements FROM documents ORDER BY id"
SELECT_DOCUMENT_TEXT = "SELECT text, pages, headings FROM documents WHERE id = ?"
SELECT_PASSAGES = f"SELECT {PASSAGE_COLUMNS} FROM passages WHERE id IN (SELECT value FROM json_each(?))"
SELECT_DOCUMENT_PASSAGES = f"SELECT {PASSAGE_COLUMNS} FROM passages WHERE document_id = ? ORDER BY start"
# bm25() is lower-is-better; weights: passage text 1.0, title and heading context 0.5.
MATCH_FTS = """SELECT f.rowid, -bm25(passages_fts, 1.0, ?) AS score FROM passages_fts f
               JOIN passages p ON p.id = f.rowid JOIN documents d ON d.id = p.document_id
               WHERE passages_fts MATCH ? AND {where} ORDER BY score DESC, f.rowid LIMIT ?"""
SELECT_ALLOWED = "SELECT p.id FROM passages p JOIN documents d ON d.id = p.document_id WHERE {where}"
SELECT_DOCUMENT_IDS = "SELECT id, document_id FROM passages WHERE id IN (SELECT value FROM json_each(?))"
SELECT_GROUPS = "SELECT id, dup_group FROM passages WHERE id IN (SELECT value FROM json_each(?))"
SELECT_FACETS = """SELECT {column}, count(*) FROM passages p JOIN documents d ON d.id = p.document_id
                   LEFT JOIN passage_roles r ON r.passage_id = p.id AND '{name}' = 'role'
                   WHERE p.id IN (SELECT value FROM json_each(?)) AND {column} != '' GROUP BY 1"""
FACET_COLUMNS = {**COLUMNS, "role": "r.role", "year": "substr(d.date, 1, 4)"}
WORDS = re.compile(r"[^\W\d_]{3,}")


def row_to_passage(row: tuple) -> Passage:
    """A passages row as a Passage."""
    pid, document_id, start, end, page, page_end, label, section, tokens, text, judgement, roles = row
    roles = tuple(roles.split("|")) if roles else ()
    return Passage(document_id, text, start, end, page, page_end, section, tokens, label, pid, judgement, roles)


def document_row(d: Document) -> tuple:
    """A Document as a documents row."""
    return (
        *(getattr(d, name) for name in DOCUMENT_FIELDS),
        d.judgements.get("overall", ""),
        json.dumps(d.judgements, sort_keys=True),
        *date_span(d.date),
        d.text,
        json.dumps([[p.number, p.start, p.end, p.label] for p in d.pages]),
        json.dumps([[h.start, h.title] for h in d.headings]),
    )


def vocabulary(passages: list[Passage]) -> Counter:
    """Each word of three or more letters (lower-cased) with the number of passages it is in."""
    return Counter(word for p in passages for word in set(WORDS.findall(p.text.lower())))


def write_index(path: Path, documents: list[Document], passages: list[Passage]) -> None:
    """Create a new SQLite file holding the documents and passages (ids must be set)."""
    titles = {d.id: d.title for d in documents}
    groups = near_duplicate_groups([(p.id, p.text) for p in passages])
    with closing(sqlite3.connect(path)) as db, db:
        db.executescript(SCHEMA)
        db.executemany(INSERT_DOCUMENT, [document_row(d) for d in documents])
        db.executemany(
            INSERT_PASSAGE,
            [(p.id, p.document_id, p.start, p.end, p.page, p.page_end, p.page_label, p.section, p.tokens, p.text,
              p.section_judgement, "|".join(p.roles), groups[p.id]) for p in passages],
        )  # fmt: skip
        db.executemany("INSERT INTO passage_roles VALUES (?, ?)", [(p.id, r) for p in passages for r in p.roles])
        db.executemany(INSERT_FTS, [(p.id, p.text, f"{titles[p.document_id]}\n{p.section}") for p in passages])
        db.executemany("INSERT INTO vocabulary (word, count) VALUES (?, ?)", vocabulary(passages).items())
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
        return [
            Document(**dict(zip(DOCUMENT_FIELDS, row)), judgements=json.loads(row[-1]))
            for row in self.db.execute(SELECT_DOCUMENTS)
        ]

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

    def match(self, fts_query: str, k: int, filters: Filters = Filters()) -> list[tuple[int, float]]:
        """(passage id, BM25 score) for an escaped FTS5 query, best first, ties by id; only passages the filters
        allow."""
        where, params = filters.where()
        return self.db.execute(MATCH_FTS.format(where=where), (self.context_weight, fts_query, *params, k)).fetchall()

    def allowed(self, filters: Filters) -> list[int]:
        """Ids of the passages the filters allow."""
        where, params = filters.where()
        return [row[0] for row in self.db.execute(SELECT_ALLOWED.format(where=where), params)]

    def document_ids(self, ids: list[int]) -> dict[int, str]:
        """The document of each passage id."""
        return dict(self.db.execute(SELECT_DOCUMENT_IDS, (json.dumps(ids),)))

    def groups(self, ids: list[int]) -> dict[int, int]:
        """Near-duplicate group of each passage id."""
        return dict(self.db.execute(SELECT_GROUPS, (json.dumps(ids),)))

    def facets(self, ids: list[int]) -> dict[str, dict[str, int]]:
        """For each facet field, value -> number of the given passages with it (most first, then by value)."""
        out = {}
        for name, column in FACET_COLUMNS.items():
            rows = self.db.execute(SELECT_FACETS.format(column=column, name=name), (json.dumps(ids),)).fetchall()
            out[name] = dict(sorted(rows, key=lambda row: (-row[1], row[0])))
        return out

    @cached_property
    def passage_count(self) -> int:
        return self.count("passages")

    def word_counts(self, words: list[str]) -> dict[str, int]:
        """Passages holding each word (lower-cased), 0 for words the corpus does not use."""
        found = dict(self.db.execute(
            "SELECT word, count FROM vocabulary WHERE word IN (SELECT value FROM json_each(?))",
            (json.dumps([w.lower() for w in words]),)))  # fmt: skip
        return {w: found.get(w.lower(), 0) for w in words}

    def vocabulary(self, min_count: int = 2) -> dict[str, int]:
        """The corpus's words used in at least `min_count` passages."""
        return dict(self.db.execute("SELECT word, count FROM vocabulary WHERE count >= ?", (min_count,)))

    def count(self, table: str) -> int:
        """Rows in a table of this index."""
        if table not in {"documents", "passages", "passages_fts", "vocabulary"}:
            raise ValueError(table)
        return self.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
