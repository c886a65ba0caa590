"""The tables both backends keep (documents, passages, passage_roles, vocabulary: the same columns in SQLite and
PostgreSQL), how a Document or Passage becomes a row and back, and the filter condition over them. Each backend
writes its own SQL around these; only `?` placeholders differ (PostgreSQL's are `%s`)."""

from __future__ import annotations

import json
import re
from collections import Counter
from functools import cached_property

from index.facts import Facts
from index.filters import Filters, date_span
from index.models import Document, Heading, Page, Passage

DOCUMENT_FIELDS = (
    "id", "path", "title", "publisher", "date", "kind", "source", "publisher_url", "licence", "sha256", "fingerprint",
    "local_authority", "inspection_start", "inspection_end", "parent", "within", "sender", "recipients",
)  # fmt: skip
DOCUMENT_COLUMNS = ", ".join(DOCUMENT_FIELDS)
PASSAGE_COLUMNS = (
    'id, document_id, start, "end", page, page_end, page_label, section, tokens, text, section_judgement, roles, '
    "finding, quotes, confidence"
)
DOCUMENT_ROW = f"{DOCUMENT_COLUMNS}, judgement, judgements, date_start, date_end, text, pages, headings"  # document_row()
SELECT_DOCUMENTS = f"SELECT {DOCUMENT_COLUMNS}, judgements FROM documents ORDER BY id"
SELECT_DOCUMENT_TEXT = "SELECT text, pages, headings FROM documents WHERE id = ?"
SELECT_DOCUMENT_PASSAGES = f"SELECT {PASSAGE_COLUMNS} FROM passages WHERE document_id = ? ORDER BY start"
SELECT_PAGE_PASSAGES = f"SELECT {PASSAGE_COLUMNS} FROM passages WHERE page = ? ORDER BY document_id, start"
SELECT_FACTS = "SELECT id, document_id, dup_group, finding FROM passages"
SELECT_ROLES = "SELECT passage_id, role FROM passage_roles"
SELECT_ALLOWED = "SELECT p.id FROM passages p JOIN documents d ON d.id = p.document_id WHERE {where}"
PASSAGE_COUNTS = "SELECT d.path, count(p.id) FROM documents d LEFT JOIN passages p ON p.document_id = d.id GROUP BY d.id"
TABLES = ("documents", "passages")  # what count() answers for
# filter field -> the column it tests (d: documents)
COLUMNS = {
    "kind": "d.kind",
    "publisher": "d.publisher",
    "document": "d.id",
    "local_authority": "d.local_authority",
    "judgement": "d.judgement",
    "finding": "p.finding",
}
WORDS = re.compile(r"[^\W\d_]{3,}")


def row_to_passage(row: tuple) -> Passage:
    """A passages row as a Passage."""
    pid, document_id, start, end, page, page_end, label, section, tokens, text, judgement, roles, finding, quotes = row[:14]
    roles = tuple(roles.split("|")) if roles else ()
    quotes = tuple(tuple(quote) for quote in json.loads(quotes)) if quotes else ()
    return Passage(document_id, text, start, end, page, page_end, section, tokens, label, pid, judgement, roles,
                   finding, quotes, row[14])  # fmt: skip


def passage_row(p: Passage, group: int) -> tuple:
    """A Passage, with its near-duplicate group, as a passages row (PASSAGE_COLUMNS, then dup_group)."""
    return (p.id, p.document_id, p.start, p.end, p.page, p.page_end, p.page_label, p.section, p.tokens, p.text,
            p.section_judgement, "|".join(p.roles), p.finding, json.dumps(p.quotes) if p.quotes else "", p.confidence,
            group)  # fmt: skip


def document_row(d: Document) -> tuple:
    """A Document as a documents row (DOCUMENT_ROW)."""
    return (
        *(getattr(d, name) for name in DOCUMENT_FIELDS),
        d.judgements.get("overall", ""),
        json.dumps(d.judgements, sort_keys=True),
        *date_span(d.date),
        d.text,
        json.dumps([[p.number, p.start, p.end, p.label] for p in d.pages]),
        json.dumps([[h.start, h.title] for h in d.headings]),
    )


def row_to_document(row: tuple) -> Document:
    """A SELECT_DOCUMENTS row as a Document without its text."""
    return Document(**dict(zip(DOCUMENT_FIELDS, row)), judgements=json.loads(row[-1]))


def with_text(document: Document, row: tuple | None) -> Document:
    """The document with its text, pages and headings from a SELECT_DOCUMENT_TEXT row; KeyError if there is none."""
    if row is None:
        raise KeyError(document.id)
    text, pages, headings = row
    pages = [Page(*p) for p in json.loads(pages)]
    headings = [Heading(*h) for h in json.loads(headings)]
    return Document(**{**document.__dict__, "text": text, "pages": pages, "headings": headings})


def vocabulary(passages: list[Passage]) -> Counter:
    """Each word of three or more letters (lower-cased) with the number of passages it is in."""
    return Counter(word for p in passages for word in set(WORDS.findall(p.text.lower())))


def filter_where(filters: Filters, mark: str = "?") -> tuple[str, list]:
    """An SQL condition on passages p joined to documents d, and its parameters ("TRUE", true in both dialects,
    when unfiltered). `mark` is the dialect's placeholder."""
    clauses, params = [], []
    for name, column in COLUMNS.items():
        if values := getattr(filters, name):
            clauses.append(f"{column} IN ({', '.join([mark] * len(values))})")
            params += list(values)
    if filters.role:
        marks = ", ".join([mark] * len(filters.role))
        clauses.append(f"p.id IN (SELECT r.passage_id FROM passage_roles r WHERE r.role IN ({marks}))")
        params += list(filters.role)
    if filters.date_from:
        clauses.append(f"d.date_end >= {mark}")
        params.append(date_span(filters.date_from)[0])
    if filters.date_to:
        clauses.append(f"d.date_start <= {mark} AND d.date_start != ''")
        params.append(date_span(filters.date_to)[1])
    return " AND ".join(clauses) or "TRUE", params


class TableReader:
    """What both backends' stores read the same way from these tables, through their own connection (`db`, whose
    `execute` both sqlite3 and psycopg provide) and placeholder (`mark`). Each store adds its own keyword match,
    passages by id and word counts."""

    mark = "?"
    documents: dict[str, Document]

    @property
    def db(self):
        raise NotImplementedError

    def sql(self, statement: str) -> str:
        """A statement of this module in the store's dialect."""
        return statement.replace("?", self.mark)

    def read_documents(self) -> dict[str, Document]:
        return {d.id: d for d in map(row_to_document, self.db.execute(SELECT_DOCUMENTS))}

    def document_text(self, document_id: str) -> Document:
        row = self.db.execute(self.sql(SELECT_DOCUMENT_TEXT), (document_id,)).fetchone()
        return with_text(self.documents[document_id], row)

    def document_passages(self, document_id: str) -> list[Passage]:
        return list(map(row_to_passage, self.db.execute(self.sql(SELECT_DOCUMENT_PASSAGES), (document_id,))))

    def page_passages(self, page: int) -> list[Passage]:
        return list(map(row_to_passage, self.db.execute(self.sql(SELECT_PAGE_PASSAGES), (page,))))

    def allowed(self, filters: Filters) -> list[int]:
        where, params = filter_where(filters, self.mark)
        return [row[0] for row in self.db.execute(SELECT_ALLOWED.format(where=where), params)]

    @cached_property
    def facts(self) -> Facts:
        return Facts(self.db.execute(SELECT_FACTS), self.db.execute(SELECT_ROLES), self.documents)

    @cached_property
    def passage_count(self) -> int:
        return self.count("passages")

    def vocabulary(self, min_count: int = 2) -> dict[str, int]:
        return dict(self.db.execute(self.sql("SELECT word, count FROM vocabulary WHERE count >= ?"), (min_count,)))

    def count(self, table: str) -> int:
        if table not in TABLES:
            raise ValueError(table)
        return self.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
