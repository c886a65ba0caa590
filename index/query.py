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
    """A query of words so common that they are not searched ("the", "AND OR NOT"), or of no words at all ("?!"):
    nothing to find, not an error of form, so the search answers with no results and says why."""


# What the API document's patterns call white space (ECMA-262 \s, as JSON Schema reads it): a query of nothing else
# is empty; any other character makes a query, answered (with a notice when it holds no word), never refused.
SPACE = "\t\n\v\f\r \u00a0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u2028\u2029\u202f\u205f\u3000\ufeff"
QUOTED = re.compile(r'"([^"]*)"(?:~(\d{1,3}))?')  # "exact words", or "words near each other"~N
MAX_NEAR = 100
# A query asked as a question opens with a question word or an auxiliary verb ("how long…", "can a…", "does…")
QUESTION = re.compile(
    r"(what|which|who|whom|whose|when|where|why|how|can|could|do|does|did|is|are|was|were|should|would|will|has|have|must)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Query:
    """A parsed query: the text as typed, its content words, its quoted phrases and its proximity groups (words
    within N words of each other)."""

    text: str
    terms: tuple[str, ...]
    phrases: tuple[str, ...]
    near: tuple[tuple[str, int], ...] = ()


def parse_query(text: str, max_chars: int) -> Query:
    """Check and parse user text; raises QueryError with advice when it cannot be searched."""
    text = (text or "").strip(SPACE)
    if not text:
        raise QueryError("Empty query: type a question or some words to search for.")
    if len(text) > max_chars:
        raise QueryError(f"Query too long: {len(text):,} characters, the limit is {max_chars:,}. Shorten it.")
    quoted = [(" ".join(WORD.findall(p)), n) for p, n in QUOTED.findall(text) if WORD.search(p)]
    phrases = tuple(words for words, n in quoted if not n)
    near = tuple((words, int(n)) for words, n in quoted if n)
    if any(n > MAX_NEAR for _, n in near):
        raise QueryError(f'Proximity "words"~N takes N from 0 to {MAX_NEAR} (words apart).')
    rest = QUOTED.sub(" ", text)
    words = WORD.findall(rest)
    terms = tuple(dict.fromkeys(w for w in words if w.lower() not in STOPWORDS))
    if not phrases and not terms and not near:
        if words:
            raise OnlyCommonWords(
                "The query has only common words (like 'and', 'the', 'not'): add a more specific "
                "word, or put an exact phrase in double quotes."
            )
        raise OnlyCommonWords("The query has no words to search for (only punctuation or symbols): use letters or "
                              "numbers.")  # fmt: skip
    return Query(text, terms, phrases, near)


def is_question(text: str) -> bool:
    """Whether `text` is asked as a question: it opens with a question word or an auxiliary verb, or ends in "?"."""
    text = text.strip(SPACE)
    return bool(QUESTION.match(text)) or text.endswith("?")


def quote_fts(words: str) -> str:
    """One FTS5 string token: inside double quotes, with quotes doubled, so no syntax leaks through."""
    return '"' + words.replace('"', '""') + '"'


@dataclass(frozen=True)
class Match:
    """What a keyword search asks of a passage: every one of `every` (words or phrases) and of `near` (words
    within N of each other), and at least one of `any_of` when it is given. Each backend turns it into its own
    query."""

    every: tuple[str, ...] = ()
    any_of: tuple[str, ...] = ()
    near: tuple[tuple[str, int], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.every or self.any_of or self.near)

    def fts(self) -> str:
        """As an FTS5 MATCH expression."""
        required = [quote_fts(p) for p in self.every]
        required += [f"NEAR({' '.join(quote_fts(w) for w in words.split())}, {n})" for words, n in self.near]
        if self.any_of:
            required.append("(" + " OR ".join(quote_fts(t) for t in self.any_of) + ")")
        return " AND ".join(required)


def keyword_match(query: Query, operator: str = "or") -> Match:
    """Every phrase and proximity group required, and the other words any-of (operator "or") or all ("and")."""
    if operator == "and":
        return every_word(query)
    return Match(query.phrases, query.terms, query.near)


def escape_fts(query: Query) -> str:
    """An FTS5 MATCH expression: every phrase required, the other words any-of."""
    return keyword_match(query).fts()


def phrase_filter(query: Query) -> Match | None:
    """What passages must match for the query's exact phrases and proximity groups, if it has any."""
    return Match(query.phrases, near=query.near) if query.phrases or query.near else None


def every_word(query: Query) -> Match:
    """Every phrase, proximity group and word of the query required."""
    return Match(query.phrases + query.terms, near=query.near)


def exact_words(query: Query, operator: str = "or"):
    """A test of a passage's text for the query's words as typed, not stemmed (stem=off): every phrase (its words
    in a row) and proximity group's words, and any (or, with "and", every) other word, case aside."""

    def pattern(words: str) -> re.Pattern:
        return re.compile(r"(?<!\w)" + r"\W+".join(map(re.escape, words.split())) + r"(?!\w)", re.IGNORECASE)

    required = [pattern(p) for p in query.phrases] + [pattern(w) for words, _ in query.near for w in words.split()]
    some = [pattern(t) for t in query.terms]
    if operator == "and":
        required, some = required + some, []
    return lambda text: all(p.search(text) for p in required) and (not some or any(p.search(text) for p in some))
