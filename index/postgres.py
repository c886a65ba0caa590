"""The PostgreSQL backend ([index] backend = "postgres"): every build is written into its own schema inside one
transaction, so no reader sees it half-made, then published by switching the one-row pointer `search.current`.
Keyword search is FTS5's BM25, tokenizer and all (index/terms.py), over a postings table of precomputed weights;
semantic search is pgvector's HNSW. App servers may read from a streaming replica: the pointer replicates too."""

from __future__ import annotations

import os
import re
import threading
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from urllib.parse import urlsplit

import numpy as np
import psycopg
from pgvector.psycopg import register_vector

from index import terms
from index.build import Build
from index.dedup import near_duplicate_groups
from index.filters import Filters
from index.manifest import Manifest
from index.models import Document, Passage
from index.publish import IndexNotFound, IngestLocked, new_version
from index.query import Match
from index.store import CONTEXT_WEIGHT, DOCUMENT_ROW, PASSAGE_COLUMNS, Store, document_row, row_to_passage, vocabulary

CONTROL = """
CREATE EXTENSION IF NOT EXISTS vector;
CREATE SCHEMA IF NOT EXISTS search;
CREATE TABLE IF NOT EXISTS search.builds (
    version  text PRIMARY KEY,
    manifest text NOT NULL,
    created  timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS search.current (
    one     boolean PRIMARY KEY DEFAULT true CHECK (one),
    version text NOT NULL REFERENCES search.builds
);
"""
# One build's tables, in its own schema; the same columns as index/schema.sql, plus BM25's postings and lengths.
TABLES = """
CREATE TABLE documents (
    id text PRIMARY KEY, path text, title text, publisher text, date text, kind text, source text,
    publisher_url text, licence text, sha256 text, fingerprint text, local_authority text, inspection_start text,
    inspection_end text, judgement text, judgements text, date_start text, date_end text, text text, pages text,
    headings text
);
CREATE TABLE passages (
    id integer PRIMARY KEY, document_id text NOT NULL, start integer, "end" integer, page integer, page_end integer,
    page_label text, section text, tokens integer, text text, section_judgement text, roles text,
    dup_group bigint, length integer  -- length: tokens of text, title and heading, as BM25 counts them
);
CREATE TABLE passage_roles (passage_id integer, role text, PRIMARY KEY (role, passage_id));
CREATE TABLE vocabulary (word text PRIMARY KEY, count integer);
CREATE TABLE postings (  -- a term's BM25 score in a passage, and where it stands in the text and in title + heading
    term text, passage_id integer, weight double precision, body integer[], context integer[]
);
CREATE TABLE stats (passages integer, average_length double precision);
CREATE TABLE vectors (id integer PRIMARY KEY, embedding vector({dimensions}));
"""
INDEXES = """
CREATE INDEX ON passages (document_id, start);
CREATE INDEX ON postings (term) INCLUDE (passage_id, weight);
ANALYZE;
"""
# Above [search] exact_limit. Denser than pgvector's defaults (m 16, ef_construction 64), which found 0.770 of the
# exact top 10 at 100,000 passages with ef_search 200 (benchmarks.scale): these find 0.948 with EF_SEARCH 600.
HNSW = "CREATE INDEX vectors_hnsw ON vectors USING hnsw (embedding vector_ip_ops) WITH (m = 32, ef_construction = 200)"
POINT = "INSERT INTO search.current (version) VALUES (%s) ON CONFLICT (one) DO UPDATE SET version = excluded.version"
EF_SEARCH = 600  # HNSW candidates a query keeps; scans go on in order (iterative scan) when more are asked for
TERM = "SELECT passage_id, weight FROM postings WHERE term = %s"
AT = "SELECT passage_id, unnest({column}) - {i} AS at FROM postings WHERE term = %s"
# A phrase is a word of its own to BM25: each passage's count of it (title and heading weighted), and an idf from
# how many passages hold it, as FTS5 scores phrases.
PHRASE = f"""SELECT passage_id, CASE WHEN idf > 0 THEN idf ELSE 1e-6 END * (f * {terms.K1 + 1}::float8
                    / (f + {terms.K1}::float8 * ({1 - terms.B}::float8 + {terms.B}::float8 * length / %s::float8))) AS weight
             FROM (SELECT h.passage_id, h.f, p.length,
                          ln((%s::float8 - count(*) OVER () + 0.5) / (count(*) OVER () + 0.5)) AS idf
                   FROM (SELECT passage_id, sum(f) AS f FROM ({{body}} UNION ALL {{context}}) o GROUP BY passage_id) h
                   JOIN passages p ON p.id = h.passage_id) s"""
TOP = """SELECT s.passage_id, s.score FROM (
             SELECT passage_id, sum(weight) AS score FROM ({units}) u GROUP BY passage_id {having}) s
         {join} ORDER BY s.score DESC, s.passage_id LIMIT %s"""
FILTER_JOIN = "JOIN passages p ON p.id = s.passage_id JOIN documents d ON d.id = p.document_id WHERE {where}"


TOKENIZED = 1000  # passages tokenized together


def schema_of(version: str) -> str:
    """The schema holding a build: its version in letters, digits and underscores."""
    return "build_" + re.sub(r"\W", "_", version).lower()  # as PostgreSQL folds unquoted names


def postings(documents: list[Document], passages: list[Passage], context_weight: float) -> tuple[Iterator, list, float]:
    """BM25 as FTS5 computes it, for every term of every passage: (term, passage id, score, places in the text,
    places in title + heading) rows, made as they are read (two passes, so a big build need not hold them all),
    each passage's length, and the average length. Title and heading count `context_weight` a token, like FTS5's
    column weight.

    The corpus's compound words ("children's", "well-being") are searched as phrases of their tokens; each also
    gets rows of its own, under its tokens joined by spaces, counting every place those tokens stand in a row."""
    titles = {d.id: d.title for d in documents}
    compounds = compound_words(f"{p.text}\n{titles[p.document_id]}\n{p.section}" for p in passages)

    def places() -> Iterator[tuple[Passage, dict, dict, int]]:
        """Each passage with its terms' places in the text and in title + heading, and its length."""
        for start in range(0, len(passages), TOKENIZED):
            some = passages[start : start + TOKENIZED]
            texts = terms.tokens_of([p.text for p in some])
            headings = terms.tokens_of([f"{titles[p.document_id]}\n{p.section}" for p in some])
            for p, words, heading in zip(some, texts, headings):
                yield p, where(words, compounds), where(heading, compounds), len(words) + len(heading)

    holding, lengths = Counter(), []
    for _, body, context, length in places():
        holding.update(body.keys() | context.keys())
        lengths.append(length)
    average = sum(lengths) / max(len(lengths), 1)
    idf = {term: terms.idf(len(passages), n) for term, n in holding.items()}

    def rows() -> Iterator[tuple]:
        for p, body, context, length in places():
            for term in body.keys() | context.keys():
                frequency = len(body.get(term, ())) + context_weight * len(context.get(term, ()))
                weight = idf[term] * terms.saturation(frequency, length, average)
                yield term, p.id, weight, body.get(term, []), context.get(term, [])

    return rows(), lengths, average


def build_memory(passages: int) -> int:
    """MB for building indexes: enough for an HNSW graph (about 2.5 KB a passage) to fit, from 1 GB to 4 GB."""
    return min(4096, max(1024, passages * 3 // 1024))


def compound_words(texts) -> dict[tuple[str, str], set[tuple[str, ...]]]:
    """The token sequences of the words in `texts` that are more than one token, by their first two tokens."""
    found = defaultdict(set)
    for sequence in terms.compounds(texts):
        found[sequence[:2]].add(sequence)
    return found


def where(words: list[str], compounds: dict[tuple[str, str], set[tuple[str, ...]]]) -> dict[str, list[int]]:
    """Each term's places in `words`, and each compound's (joined by spaces) wherever its tokens stand in a row."""
    places = defaultdict(list)
    for at, term in enumerate(words):
        places[term].append(at)
        for sequence in compounds.get((term, words[at + 1]), ()) if at + 1 < len(words) else ():
            if tuple(words[at : at + len(sequence)]) == sequence:
                places[" ".join(sequence)].append(at)
    return places


class PgStore(Store):
    """Read-only access to one build's schema; one connection per thread."""

    def __init__(self, dsn: str, schema: str, context_weight: float = CONTEXT_WEIGHT):
        self.dsn, self.schema = dsn, schema
        self.local = threading.local()
        self.context_weight = context_weight
        self.documents = {d.id: d for d in self.read_documents()}

    @property
    def db(self) -> psycopg.Connection:
        if not hasattr(self.local, "db") or self.local.db.closed:
            options = (
                f"-c search_path={self.schema},public -c hnsw.ef_search={EF_SEARCH} -c hnsw.iterative_scan=strict_order"
            )
            self.local.db = connect(self.dsn, autocommit=True, options=options)
        return self.local.db

    def sql(self, text: str) -> str:
        return text.replace("?", "%s")

    def passages(self, ids: list[int]) -> dict[int, Passage]:
        rows = self.db.execute(f"SELECT {PASSAGE_COLUMNS} FROM passages WHERE id = ANY(%s)", (ids,))
        return {row[0]: row_to_passage(row) for row in rows}

    def word_counts(self, words: list[str]) -> dict[str, int]:
        found = dict(
            self.db.execute("SELECT word, count FROM vocabulary WHERE word = ANY(%s)", ([w.lower() for w in words],))
        )
        return {w: found.get(w.lower(), 0) for w in words}

    @cached_property
    def stats(self) -> tuple[int, float]:
        return self.db.execute("SELECT passages, average_length FROM stats").fetchone()

    def match(self, match: Match, k: int, filters: Filters = Filters()) -> list[tuple[int, float]]:
        """(passage id, BM25 score) of the passages holding what `match` asks, best first, ties by id; only passages
        the filters allow. Scores are FTS5's: a word or phrase in several units counts once for each."""
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
            where, where_params = filters.where()
            join = FILTER_JOIN.format(where=self.sql(where))
        sql = TOP.format(
            units=" UNION ALL ".join(units), having="HAVING " + " AND ".join(having) if having else "", join=join
        )
        return self.db.execute(sql, (*params, *where_params, k)).fetchall()

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

    def count(self, table: str) -> int:
        return super().count("passages" if table == "passages_fts" else table)


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


class PgBuild(Build):
    """One published or kept build in PostgreSQL."""

    def __init__(self, dsn: str, version: str, manifest: Manifest):
        self.dsn, self.version, self.manifest = dsn, version, manifest
        self.folder = None
        self.where = f"{redact(dsn)} {schema_of(version)}"

    @cached_property
    def store(self) -> PgStore:
        return PgStore(self.dsn, schema_of(self.version))

    @cached_property
    def vectors(self) -> PgVectors:
        return PgVectors(self.store)

    def take(self, path: str) -> tuple[Document, list[Passage], np.ndarray]:
        document = self.store.document_text(self.manifest.documents[path].id)
        passages = self.store.document_passages(document.id)
        rows = dict(
            self.store.db.execute(
                "SELECT id, embedding::real[] FROM vectors WHERE id = ANY(%s)", ([p.id for p in passages],)
            )
        )
        return document, passages, np.array([rows[p.id] for p in passages], dtype=np.float32)


def redact(dsn: str) -> str:
    """The address without its password, for messages."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", dsn)


def connect(dsn: str, **options) -> psycopg.Connection:
    """A connection with pgvector's types; IndexNotFound, saying what to do, when the server cannot be reached."""
    try:
        db = psycopg.connect(dsn, connect_timeout=10, **options)
    except psycopg.OperationalError as error:
        reason = str(error).strip().splitlines()[-1] if str(error).strip() else "no answer"
        raise IndexNotFound(f"{redact(dsn)}: cannot connect ({reason}); start the server or fix [postgres] dsn") from None
    try:
        register_vector(db)
    except psycopg.ProgrammingError:
        pass  # no vector type yet: the first ingest creates the extension
    return db


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
        schema = schema_of(version)
        rows, lengths, average = postings(documents, passages, CONTEXT_WEIGHT)
        groups = near_duplicate_groups([(p.id, p.text) for p in passages])
        with connect(self.dsn) as db:
            db.execute(CONTROL)
            register_vector(db)  # again: on a new database the extension exists only now
            db.execute(f"CREATE SCHEMA {schema}")
            db.execute(f"SET LOCAL search_path = {schema}, public")
            db.execute(f"SET LOCAL maintenance_work_mem = '{build_memory(len(passages))}MB'")
            db.execute("SET LOCAL work_mem = '256MB'")  # for sorting the postings
            db.execute(TABLES.format(dimensions=vectors.shape[1]))
            with db.cursor() as cursor:
                copy(cursor, "documents", DOCUMENT_ROW,
                     (document_row(d) for d in documents))  # fmt: skip
                copy(cursor, "passages", f"{PASSAGE_COLUMNS}, dup_group, length", (
                    (p.id, p.document_id, p.start, p.end, p.page, p.page_end, p.page_label, p.section, p.tokens,
                     p.text, p.section_judgement, "|".join(p.roles), groups[p.id], n)
                    for p, n in zip(passages, lengths)))  # fmt: skip
                copy(cursor, "passage_roles", "passage_id, role", ((p.id, r) for p in passages for r in p.roles))
                copy(cursor, "vocabulary", "word, count", vocabulary(passages).items())
                db.execute("CREATE TEMPORARY TABLE loaded (LIKE postings) ON COMMIT DROP")
                copy(cursor, "loaded", "term, passage_id, weight, body, context", rows, freeze=False)
                # a term's rows together on disk: a query reads a few pages, not thousands
                db.execute("INSERT INTO postings SELECT * FROM loaded ORDER BY term, passage_id")
                copy(cursor, "stats", "passages, average_length", [(len(passages), average)])
                copy(cursor, "vectors", "id, embedding", ((p.id, v) for p, v in zip(passages, vectors)))
            db.execute(INDEXES)
            if len(passages) > exact_limit:
                db.execute(HNSW)
            db.execute("INSERT INTO search.builds (version, manifest) VALUES (%s, %s)", (version, manifest.to_json()))
        with connect(self.dsn, autocommit=True) as db:  # the postings' visibility map, for index-only scans
            db.execute(f"VACUUM (ANALYZE) {schema}.postings")
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


def copy(cursor: psycopg.Cursor, table: str, columns: str, rows, freeze: bool = True) -> None:
    """Load rows into a table made in this transaction; frozen, so that index-only scans need not visit it."""
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN" + (" WITH (FREEZE)" if freeze else "")) as target:
        for row in rows:
            target.write_row(row)
