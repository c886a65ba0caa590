"""Marking query words in passage text, with everything else escaped."""

from __future__ import annotations

import re
from functools import lru_cache

from markupsafe import Markup, escape

from index.query import Query

SUFFIXES = ("ations", "ation", "ings", "ing", "ies", "ied", "ers", "es", "ed", "er", "s")


def stem(word: str) -> str:
    """A crude stem, so 'placements' marks 'placement' and 'placed' marks 'places'."""
    word = word.lower()
    for suffix in SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


@lru_cache(maxsize=256)
def pattern_for(query: Query) -> re.Pattern | None:
    """One regex matching the query's phrases (spacing-tolerant) and words with their endings."""
    parts = [r"\s+".join(map(re.escape, phrase.split())) for phrase in query.phrases]
    parts += [re.escape(stem(term)) + r"\w*" for term in query.terms]
    return re.compile(r"\b(" + "|".join(parts) + r")", re.IGNORECASE) if parts else None


def highlight(text: str, query: Query) -> Markup:
    """`text` escaped, with query matches wrapped in <mark>."""
    pattern = pattern_for(query)
    if pattern is None:
        return escape(text)
    out, pos = [], 0
    for match in pattern.finditer(text):
        out += [escape(text[pos : match.start()]), "<mark>", escape(match.group()), "</mark>"]
        pos = match.end()
    out.append(escape(text[pos:]))
    return Markup("".join(out))  # every piece of the text escaped above; the tags are ours
