"""Connections to the PostgreSQL server, with pgvector's types and a one-line error when it cannot be reached."""

from __future__ import annotations

import re

import psycopg
from pgvector.psycopg import register_vector

from index.backends.base import IndexNotFound


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
