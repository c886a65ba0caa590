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


class OnlyCommonWords(QueryError):
    """A query of words so common that they are not searched ("the", "AND OR NOT"): nothing to find, not an error
    of form, so the search answers with no results and says why."""


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
            raise OnlyCommonWords(
                "The query has only common words (like 'and', 'the', 'not'): add a more specific "
                "word, or put an exact phrase in double quotes."
            )
        raise QueryError("The query has no words to search for: use letters or numbers.")
    return Query(text, terms, phrases)


def quote_fts(words: str) -> str:
    """One FTS5 string token: inside double quotes, with quotes doubled, so no syntax leaks through."""
    return '"' + words.replace('"', '""') + '"'


@dataclass(frozen=True)
class Match:
    """What a keyword search asks of a passage: every one of `every` (words or phrases), and at least one of
    `any_of` when it is given. Each backend turns it into its own query."""

    every: tuple[str, ...] = ()
    any_of: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.every or self.any_of)

    def fts(self) -> str:
        """As an FTS5 MATCH expression."""
        required = [quote_fts(p) for p in self.every]
        if self.any_of:
            required.append("(" + " OR ".join(quote_fts(t) for t in self.any_of) + ")")
        return " AND ".join(required)


def keyword_match(query: Query) -> Match:
    """Every phrase required, the other words any-of."""
    return Match(query.phrases, query.terms)


def escape_fts(query: Query) -> str:
    """An FTS5 MATCH expression: every phrase required, the other words any-of."""
    return keyword_match(query).fts()


def phrase_filter(query: Query) -> Match | None:
    """What passages must match for the query's exact phrases, if it has any."""
    return Match(query.phrases) if query.phrases else None


def every_word(query: Query) -> Match:
    """Every phrase and word of the query required."""
    return Match(query.phrases + query.terms)
