"""Councils named in a query: their Ofsted reports come first, ranked for the rest of the query."""

from __future__ import annotations

import re

from index.backends.base import Store
from index.england import COUNCILS
from index.filters import Filters
from index.query import Match, Query, QueryError, parse_query
from index.request import MAX_RESULTS

SHORT_NAME = re.compile(r",| and | upon |-on-")  # 'Southend' for Southend-on-Sea, 'Brighton' for Brighton and Hove


def short_name(council: str) -> str:
    """The first part of a council's name: 'Southend' for Southend-on-Sea, 'Brighton' for Brighton and Hove."""
    return SHORT_NAME.split(council)[0].strip()


def named_councils(text: str, councils: dict[str, bool]) -> dict[str, str]:
    """The councils `text` names, each with the name as written: a council's name or its short name, as a whole
    word, with its capital letters unless `councils` says the name may be typed in lower case ('Reading' is
    the council, 'reading' is not; 'salford' is Salford)."""
    named = {}
    for council, lower_case in sorted(councils.items()):
        flags = re.I if lower_case else 0
        for name in dict.fromkeys((council, short_name(council))):
            if len(name) >= 4 and (found := re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text, flags)):
                named[council] = found.group()
                break
    return named


def councils_not_held(text: str, held: set[str]) -> list[str]:
    """The English councils `text` names (as written, with their capitals, as whole words) that the collection
    holds no Ofsted report about: 'Kent and Essex' -> ['Essex', 'Kent'] when neither is held."""
    return [
        council
        for council in COUNCILS
        if council not in held and re.search(rf"(?<![\w-]){re.escape(council)}(?![\w-])", text)
    ]


def without_names(query: Query, names: list[str], max_chars: int) -> Query:
    """The query with `names` taken out (they chose the documents; the rest says what to find in them), or the
    query itself when nothing searchable would be left."""
    text = query.text
    for name in names:
        text = re.sub(rf"(?<![\w-]){re.escape(name)}(?:['’]s)?(?![\w-])", " ", text)
    try:
        return parse_query(text, max_chars)
    except QueryError:
        return query


def lower_case_names(store: Store) -> dict[str, bool]:
    """The councils the build's Ofsted reports are about, each with whether its name may be typed in lower case:
    when at least half the passages holding its short name are in its own reports."""
    names = {}
    for council in sorted({d.local_authority for d in store.documents.values() if d.local_authority}):
        holding = Match((short_name(council),))
        everywhere = len(store.match(holding, MAX_RESULTS))
        own = len(store.match(holding, MAX_RESULTS, Filters(local_authority=(council,))))
        names[council] = 0 < everywhere <= 2 * own
    return names
