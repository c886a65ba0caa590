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

import numpy as np

from index import postings, terms
from index.dedup import near_duplicate_groups
from index.filters import FACETS, Filters, date_span
from index.models import Document, Heading, Page, Passage
from index.query import Match

SCHEMA = (Path(__file__).parent / "schema.sql").read_text(encoding="utf-8")
DOCUMENT_FIELDS = (
    "id", "path", "title", "publisher", "date", "kind", "source", "publisher_url", "licence", "sha256", "fingerprint",
    "local_authority", "inspection_start", "inspection_end",
)  # fmt: skip
DOCUMENT_COLUMNS = ", ".join(DOCUMENT_FIELDS)
PASSAGE_COLUMNS = (
    'id, document_id, start, "end", page, page_end, page_label, section, tokens, text, section_judgement, roles'
)
DOCUMENT_ROW = f"{DOCUMENT_COLUMNS}, judgement, judgements, date_start, date_end, text, pages, headings"  # document_row()
INSERT_DOCUMENT = f"INSERT INTO documents ({DOCUMENT_ROW}) VALUES ({', '.join('?' * (len(DOCUMENT_FIELDS) + 7))})"
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
# Without filters, the same without the joins (twice as fast).
MATCH_FTS_ALL = """SELECT rowid, -bm25(passages_fts, 1.0, ?) AS score FROM passages_fts
                   WHERE passages_fts MATCH ? ORDER BY score DESC, rowid LIMIT ?"""
SELECT_ALLOWED = "SELECT p.id FROM passages p JOIN documents d ON d.id = p.document_id WHERE {where}"
CONTEXT_WEIGHT = 0.5  # BM25 weight of a passage's title and heading against its text (1.0), on both backends
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
        contexts = {f"{titles[p.document_id]}\n{p.section}" for p in passages}
        postings.write_postings(db, CONTEXT_WEIGHT, terms.compounds([*(p.text for p in passages), *contexts]))


class Facts:
    """What facets, folding and grouping need of every passage, held in memory: its document and near-duplicate
    group (arrays indexed by passage id, 12 bytes a passage), the roles it quotes, and each document's facet
    values. Counting facets over a thousand results this way takes well under a millisecond; in SQL it took 15."""

    def __init__(self, db: sqlite3.Connection, documents: dict[str, Document]):
        self.names = sorted(documents)
        position = {name: n for n, name in enumerate(self.names)}
        ids, owners, groups = [], [], []
        for pid, document_id, group in db.execute("SELECT id, document_id, dup_group FROM passages"):
            ids.append(pid), owners.append(position[document_id]), groups.append(group)
        self.document = np.zeros(max(ids, default=0) + 1, dtype=np.int32)
        self.group = np.zeros(len(self.document), dtype=np.int64)
        self.document[ids], self.group[ids] = owners, groups
        self.roles: dict[int, list[str]] = {}
        for pid, role in db.execute("SELECT passage_id, role FROM passage_roles"):
            self.roles.setdefault(pid, []).append(role)
        ordered = [documents[name] for name in self.names]
        self.values = {
            "kind": [d.kind for d in ordered],
            "publisher": [d.publisher for d in ordered],
            "document": [d.id for d in ordered],
            "local_authority": [d.local_authority for d in ordered],
            "judgement": [d.judgements.get("overall", "") for d in ordered],
            "year": [d.date[:4] for d in ordered],
        }


class Store:
    """Read-only access to one index's SQLite file; one connection per thread."""

    def __init__(self, path: Path, context_weight: float = CONTEXT_WEIGHT):
        self.uri = f"{path.resolve().as_uri()}?mode=ro"
        self.local = threading.local()
        self.context_weight = context_weight
        self.documents = {d.id: d for d in self.read_documents()}

    @property
    def db(self) -> sqlite3.Connection:
        if not hasattr(self.local, "db"):
            self.local.db = sqlite3.connect(self.uri, uri=True, check_same_thread=False)
        return self.local.db

    def sql(self, text: str) -> str:
        """A statement in this database's dialect (SQLite's here)."""
        return text

    def read_documents(self) -> list[Document]:
        """Every document's metadata (without its text)."""
        return [
            Document(**dict(zip(DOCUMENT_FIELDS, row)), judgements=json.loads(row[-1]))
            for row in self.db.execute(SELECT_DOCUMENTS)
        ]

    def document_text(self, document_id: str) -> Document:
        """A document with its text, pages and headings; KeyError if unknown."""
        row = self.db.execute(self.sql(SELECT_DOCUMENT_TEXT), (document_id,)).fetchone()
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
        return [row_to_passage(row) for row in self.db.execute(self.sql(SELECT_DOCUMENT_PASSAGES), (document_id,))]

    def match(self, match: Match, k: int, filters: Filters = Filters()) -> list[tuple[int, float]]:
        """(passage id, BM25 score) of the passages holding what `match` asks, best first, ties by id; only passages
        the filters allow. Scores are summed from the postings (as FTS5 would score them, much faster on a big
        index); phrases the postings do not hold, and indexes built before them, go to FTS5."""
        if self.has_postings and (lists := postings.lists(self.db, match.every + match.any_of)) is not None:
            allowed = self.allowed_mask(filters) if filters else None
            return postings.top(lists, len(self.facts.document), k, allowed, every=len(match.every))
        if not filters:
            return self.db.execute(MATCH_FTS_ALL, (self.context_weight, match.fts(), k)).fetchall()
        where, params = filters.where()
        return self.db.execute(MATCH_FTS.format(where=where), (self.context_weight, match.fts(), *params, k)).fetchall()

    @cached_property
    def has_postings(self) -> bool:
        return self.db.execute("SELECT 1 FROM sqlite_master WHERE name = 'postings'").fetchone() is not None

    def allowed_mask(self, filters: Filters) -> np.ndarray:
        """Whether the filters allow each passage id, from the passage facts held in memory (as `allowed`)."""
        facts = self.facts
        mask = np.array([filters.admits(self.documents[name]) for name in facts.names], dtype=bool)[facts.document]
        if filters.role:
            wanted = set(filters.role)
            quoting = [i for i, roles in facts.roles.items() if wanted.intersection(roles)]
            mask &= np.isin(np.arange(len(mask)), quoting)
        return mask

    def allowed(self, filters: Filters) -> list[int]:
        """Ids of the passages the filters allow."""
        where, params = filters.where()
        return [row[0] for row in self.db.execute(self.sql(SELECT_ALLOWED.format(where=where)), params)]

    @cached_property
    def facts(self) -> Facts:
        return Facts(self.db, self.documents)

    def document_ids(self, ids: list[int]) -> dict[int, str]:
        """The document of each passage id."""
        facts = self.facts
        return {i: facts.names[n] for i, n in zip(ids, facts.document[ids].tolist())}

    def groups(self, ids: list[int]) -> dict[int, int]:
        """Near-duplicate group of each passage id."""
        return dict(zip(ids, self.facts.group[ids].tolist()))

    def facets(self, ids: list[int]) -> dict[str, dict[str, int]]:
        """For each facet field, value -> number of the given passages with it (most first, then by value)."""
        facts = self.facts
        per_document = np.bincount(facts.document[ids], minlength=len(facts.names))
        present = [(n, int(per_document[n])) for n in np.flatnonzero(per_document)]
        counts = {name: Counter() for name in FACETS}
        for name, values in facts.values.items():
            for n, count in present:
                if values[n]:
                    counts[name][values[n]] += count
        counts["role"] = Counter(role for i in ids for role in facts.roles.get(i, ()))
        return {name: dict(sorted(c.items(), key=lambda row: (-row[1], row[0]))) for name, c in counts.items()}

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
        return dict(self.db.execute(self.sql("SELECT word, count FROM vocabulary WHERE count >= ?"), (min_count,)))

    def count(self, table: str) -> int:
        """Rows in a table of this index."""
        if table not in {"documents", "passages", "passages_fts", "vocabulary"}:
            raise ValueError(table)
        return self.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
