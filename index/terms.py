"""Words as SQLite FTS5 indexes them (tokenizer 'porter unicode61 remove_diacritics 2'), and BM25 as FTS5 scores
them: the PostgreSQL backend ranks keyword matches the same way as the embedded one."""

from __future__ import annotations

import math
import re
import threading
import unicodedata

import Stemmer

TOKEN = re.compile(r"[^\W_]+")  # unicode61: runs of letters and numbers
K1, B = 1.2, 0.75  # FTS5's bm25() constants
LOCAL = threading.local()  # a Stemmer object is not safe to share between threads


def tokens(text: str) -> list[str]:
    """Case-folded, diacritic-free, Porter-stemmed tokens, in order (FTS5 leaves tokens under 3 or over 64
    characters unstemmed)."""
    if not hasattr(LOCAL, "stemmer"):
        LOCAL.stemmer = Stemmer.Stemmer("porter")
    folded = "".join(c for c in unicodedata.normalize("NFD", text.lower()) if not unicodedata.combining(c))
    words = TOKEN.findall(folded)
    stems = LOCAL.stemmer.stemWords(words)
    return [stem if 3 <= len(word) <= 64 else word for word, stem in zip(words, stems)]


def idf(rows: int, holding: int) -> float:
    """FTS5's inverse document frequency: never below a millionth."""
    value = math.log((rows - holding + 0.5) / (holding + 0.5))
    return value if value > 0 else 1e-6


def saturation(frequency: float, length: int, average: float) -> float:
    """BM25's term-frequency part for a passage of `length` tokens."""
    return frequency * (K1 + 1) / (frequency + K1 * (1 - B + B * length / average))
