"""Reading one PostgreSQL build (the Store and Vectors protocols): keyword matches as FTS5's BM25 over the postings
table, in SQL; vectors in pgvector, exact or through HNSW."""

from __future__ import annotations

import threading
from functools import cached_property

import numpy as np
import psycopg

from index import terms
from index.backends import tables
from index.backends.postgres.connect import connect
from index.backends.postgres.schema import AT, EF_SEARCH, FILTER_JOIN, PHRASE, TERM, TOP
from index.filters import Filters
from index.models import Passage
from index.query import Match, QueryError


class PgStore(tables.TableReader):
    """Read-only access to one build's schema (the Store protocol); one connection per thread."""

    mark = "%s"

    def __init__(self, dsn: str, schema: str, context_weight: float = terms.CONTEXT_WEIGHT):
        self.dsn, self.schema = dsn, schema
        self.local = threading.local()
        self.context_weight = context_weight
        self.documents = self.read_documents()

    @property
    def db(self) -> psycopg.Connection:
        if not hasattr(self.local, "db") or self.local.db.closed:
            options = (
                f"-c search_path={self.schema},public -c hnsw.ef_search={EF_SEARCH} -c hnsw.iterative_scan=strict_order"
            )
            self.local.db = connect(self.dsn, autocommit=True, options=options)
        return self.local.db

    def passages(self, ids: list[int]) -> dict[int, Passage]:
        rows = self.db.execute(f"SELECT {tables.PASSAGE_COLUMNS} FROM passages WHERE id = ANY(%s)", (ids,))
        return {row[0]: tables.row_to_passage(row) for row in rows}

    def word_counts(self, words: list[str]) -> dict[str, int]:
        found = dict(
            self.db.execute("SELECT word, count FROM vocabulary WHERE word = ANY(%s)", ([w.lower() for w in words],))
        )
        return {w: found.get(w.lower(), 0) for w in words}

    @cached_property
    def stats(self) -> tuple[int, float]:
        return self.db.execute("SELECT passages, average_length FROM stats").fetchone()

    def match(self, match: Match, k: int | None, filters: Filters = Filters()) -> list[tuple[int, float]]:
        """(passage id, BM25 score) of the best `k` (None: every one) passages holding what `match` asks, best
        first, ties by id; only passages the filters allow. Scores are FTS5's: a word or phrase in several units
        counts once for each."""
        if match.near:
            raise QueryError('Proximity ("word word"~N) is searched by the embedded backend only; use a phrase here.')
        every, any_of = ([t for t in terms.tokens_of(list(units)) if t] for units in (match.every, match.any_of))
        if not every and not any_of:
            return []
        units, params = [], []
        for number, words in enumerate(every + any_of):
            sql, more = self.unit(words)
            units.append(f"SELECT {number} AS unit, * FROM ({sql}) u{number}")
            params += more
        having = []
        if every:
            having.append(f"count(DISTINCT unit) FILTER (WHERE unit < {len(every)}) = {len(every)}")
        if every and any_of:
            having.append(f"bool_or(unit >= {len(every)})")
        join, where_params = "", []
        if filters:
            where, where_params = tables.filter_where(filters, "%s")
            join = FILTER_JOIN.format(where=where)
        sql = TOP.format(
            units=" UNION ALL ".join(units), having="HAVING " + " AND ".join(having) if having else "", join=join
        )
        return self.db.execute(sql, (*params, *where_params, k)).fetchall()

    def counted(self, match: Match, k: int | None, filters: Filters = Filters()) -> tuple[list, np.ndarray]:
        """As match(), and the ids of every passage matching, however many."""
        every = self.match(match, None, filters)
        return every[:k], np.array(sorted(i for i, _ in every), dtype=np.int64)

    def unit(self, words: list[str]) -> tuple[str, list]:
        """SQL for (passage id, BM25 score) of each passage holding a word, or a phrase (words in a row)."""
        if len(words) == 1 or self.has(" ".join(words)):
            return TERM, [" ".join(words)]
        rows, average = self.stats

        def placed(column: str, weight: float) -> str:
            """Rows of `weight` for each place in `column` where the phrase starts."""
            first = AT.format(column=column, i=0)
            rest = " ".join(
                f"JOIN ({AT.format(column=column, i=i)}) w{i} USING (passage_id, at)" for i in range(1, len(words))
            )
            return f"SELECT passage_id, {weight}::float8 AS f FROM ({first}) w0 {rest}"

        sql = PHRASE.format(body=placed("body", 1.0), context=placed("context", self.context_weight))
        return sql, [average, rows, *words, *words]

    def has(self, term: str) -> bool:
        """Whether the postings hold `term`."""
        return self.db.execute("SELECT EXISTS (SELECT FROM postings WHERE term = %s)", (term,)).fetchone()[0]


class PgVectors:
    """A build's vectors in pgvector: searched exactly up to [search] exact_limit passages, like the embedded
    backend, and above it through an HNSW index (exactly again when filters narrow the passages)."""

    def __init__(self, store: PgStore):
        self.store = store

    def __len__(self) -> int:
        return self.store.passage_count

    def ids(self) -> list[int]:
        return [row[0] for row in self.store.db.execute("SELECT id FROM vectors ORDER BY id")]

    def reconstruct(self, passage_id: int) -> np.ndarray:
        return self.store.db.execute("SELECT embedding::real[] FROM vectors WHERE id = %s", (passage_id,)).fetchone()[0]

    @cached_property
    def approximate(self) -> bool:
        """Whether the build has an HNSW index (it has more passages than [search] exact_limit)."""
        sql = "SELECT count(*) FROM pg_indexes WHERE schemaname = %s AND indexname = 'vectors_hnsw'"
        return bool(self.store.db.execute(sql, (self.store.schema,)).fetchone()[0])

    def search(self, query: np.ndarray, k: int, allowed: list[int] | None = None) -> list[tuple[int, float]]:
        """(passage id, inner product) of the k nearest, best first; ties by id when exact."""
        if allowed is None and self.approximate:
            sql = "SELECT id, -(embedding <#> %s) FROM vectors ORDER BY embedding <#> %s LIMIT %s"
            rows = self.store.db.execute(sql, (query, query, k))
        elif allowed is None:
            sql = "SELECT id, -(embedding <#> %s) AS score FROM vectors ORDER BY score DESC, id LIMIT %s"
            rows = self.store.db.execute(sql, (query, k))
        else:
            sql = """WITH c AS MATERIALIZED (SELECT id, embedding <#> %s AS distance FROM vectors WHERE id = ANY(%s))
                     SELECT id, -distance FROM c ORDER BY distance, id LIMIT %s"""
            rows = self.store.db.execute(sql, (query, allowed, k))
        return [(int(i), float(score)) for i, score in rows]
