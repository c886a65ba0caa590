"""Words as SQLite FTS5 indexes them, tokenized by FTS5 itself (an in-memory table with the tokenizer of
index/backends/embedded/schema.sql), and BM25 as FTS5 scores them: the PostgreSQL backend ranks keyword matches the
same way as the embedded one."""

from __future__ import annotations

import math
import sqlite3
import threading
from collections.abc import Iterable

from index.query import WORD

TOKENIZER = "porter unicode61 remove_diacritics 2"  # as in index/backends/embedded/schema.sql
K1, B = 1.2, 0.75  # FTS5's bm25() constants
CONTEXT_WEIGHT = 0.5  # BM25 weight of a passage's title and heading against its text (1.0), on both backends
LOCAL = threading.local()  # an SQLite connection belongs to the thread that made it


def tokens_of(texts: list[str]) -> list[list[str]]:
    """FTS5's tokens of each text, in order (many at once is about twice as fast as one by one)."""
    if not hasattr(LOCAL, "db"):
        LOCAL.db = sqlite3.connect(":memory:")
        LOCAL.db.execute(f"CREATE VIRTUAL TABLE t USING fts5(x, tokenize = '{TOKENIZER}')")
        LOCAL.db.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, 'instance')")
    db = LOCAL.db
    db.execute("DELETE FROM t")
    db.executemany("INSERT INTO t (rowid, x) VALUES (?, ?)", enumerate(texts))
    found = [[] for _ in texts]
    for row, term in db.execute("SELECT doc, term FROM v ORDER BY doc, offset"):
        found[row].append(term)
    return found


def idf(rows: int, holding: int) -> float:
    """FTS5's inverse document frequency: never below a millionth."""
    value = math.log((rows - holding + 0.5) / (holding + 0.5))
    return value if value > 0 else 1e-6


def saturation(frequency: float, length: int, average: float) -> float:
    """BM25's term-frequency part for a passage of `length` tokens (numbers, or numpy arrays of them)."""
    return frequency * (K1 + 1) / (frequency + K1 * (1 - B + B * length / average))


def compounds(texts: Iterable[str]) -> list[tuple[str, ...]]:
    """The token sequences of the words of `texts` that FTS5 splits into more than one token ("children's" is
    ("children", "s"), "well-being" ("well", "be")), each once, sorted."""
    words = sorted({word for text in texts for word in WORD.findall(text) if not word.isalnum()})
    return sorted({tuple(tokens) for tokens in tokens_of(words) if len(tokens) > 1})
