"""The PostgreSQL backend: a schema per build in one database (pgvector for vectors, FTS5's BM25 over postings in
SQL), published by a one-row pointer; app servers may read from a streaming replica."""

from index.backends.postgres.backend import PgBuild, Postgres, scratch_database
from index.backends.postgres.schema import EF_SEARCH, schema_of

__all__ = ["EF_SEARCH", "PgBuild", "Postgres", "schema_of", "scratch_database"]
