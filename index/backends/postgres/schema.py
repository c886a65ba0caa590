"""The PostgreSQL backend's SQL: the control tables, one build's tables, and the keyword and phrase queries."""

from __future__ import annotations

import re

from index import terms

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
# One build's tables, in its own schema; the columns of index/backends/tables.py, plus BM25's postings and lengths.
TABLES = """
CREATE TABLE documents (
    id text PRIMARY KEY, path text, title text, publisher text, date text, kind text, source text,
    publisher_url text, licence text, sha256 text, fingerprint text, local_authority text, inspection_start text,
    inspection_end text, judgement text, judgements text, parent text, within text, sender text, recipients text,
    date_start text, date_end text, text text, pages text,
    headings text
);
CREATE TABLE passages (
    id integer PRIMARY KEY, document_id text NOT NULL, start integer, "end" integer, page integer, page_end integer,
    page_label text, section text, tokens integer, text text, section_judgement text, roles text, finding text, quotes text,
    confidence double precision,
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


def schema_of(version: str) -> str:
    """The schema holding a build: its version in letters, digits and underscores."""
    return "build_" + re.sub(r"\W", "_", version).lower()  # as PostgreSQL folds unquoted names
