"""Turning user text into a safe FTS5 query: words are quoted, "double-quoted text" is a phrase."""

from __future__ import annotations

import re
from dataclasses import dataclass

WORD = re.compile(r"\w+(?:['’\-]\w+)*")
STOPWORDS = frozenset(
    """
a about above after again against all am an and any are as at be because been before being below between both
but by can could did do does doing down during each few for from further had has have having he her here hers
him his how i if in into is it its itself just me more most my no nor not of off on once only or other our ours
out over own said same say says she should so some such than that the their theirs them then there these they
this those through to too under until up very was we were what when where which while who whom why will with
would you your yours
""".split()
)


class QueryError(ValueError):
    """A query that cannot be searched; the message tells the user what to change."""


@dataclass(frozen=True)
class Query:
    """A parsed query: the text as typed, its content words and its quoted phrases."""

    text: str
    terms: tuple[str, ...]
    phrases: tuple[str, ...]


def parse_query(text: str, max_chars: int) -> Query:
    """Check and parse user text; raises QueryError with advice when it cannot be searched."""
    text = (text or "").strip()
    if not text:
        raise QueryError("Empty query: type a question or some words to search for.")
    if len(text) > max_chars:
        raise QueryError(f"Query too long: {len(text):,} characters, the limit is {max_chars:,}. Shorten it.")
    quoted = re.findall(r'"([^"]*)"', text)
    phrases = tuple(" ".join(WORD.findall(p)) for p in quoted if WORD.search(p))
    rest = re.sub(r'"[^"]*"', " ", text)
    words = WORD.findall(rest)
    terms = tuple(dict.fromkeys(w for w in words if w.lower() not in STOPWORDS))
    if not phrases and not terms:
        if words:
            raise QueryError(
                "The query has only common words (like 'and', 'the', 'not'): add a more specific "
                "word, or put an exact phrase in double quotes."
            )
        raise QueryError("The query has no words to search for: use letters or numbers.")
    return Query(text, terms, phrases)


def quote_fts(words: str) -> str:
    """One FTS5 string token: inside double quotes, with quotes doubled, so no syntax leaks through."""
    return '"' + words.replace('"', '""') + '"'


def escape_fts(query: Query) -> str:
    """An FTS5 MATCH expression: every phrase required, the other words any-of."""
    required = [quote_fts(p) for p in query.phrases]
    if query.terms:
        required.append("(" + " OR ".join(quote_fts(t) for t in query.terms) + ")")
    return " AND ".join(required)


def phrase_filter(query: Query) -> str | None:
    """An FTS5 expression that passages must match for the query's exact phrases, if it has any."""
    return " AND ".join(quote_fts(p) for p in query.phrases) or None
