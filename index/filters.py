"""Search filters on document and passage metadata, applied before ranking (each backend turns them into its
own condition: index/backends/tables.py filter_where, index/facts.py Facts.mask)."""

from __future__ import annotations

import calendar
import datetime
import re
from dataclasses import dataclass, fields

DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
FACETS = ("kind", "publisher", "document", "local_authority", "judgement", "finding", "role", "year")


def date_span(value: str) -> tuple[str, str]:
    """The first and last day an ISO date of any precision covers: '2024-02' -> ('2024-02-01', '2024-02-29')."""
    match = DATE.fullmatch(value or "")
    if not match:
        return "", ""
    year, month, day = match.groups()
    try:
        if day:
            return datetime.date(int(year), int(month), int(day)).isoformat(), value
        if month:
            last = calendar.monthrange(int(year), int(month))[1]
            return f"{year}-{month}-01", f"{year}-{month}-{last:02d}"
    except ValueError:  # month 13, 30 February
        return "", ""
    return f"{year}-01-01", f"{year}-12-31"


@dataclass(frozen=True)
class Filters:
    """What a search is narrowed to: any of the values within a field, every field given."""

    kind: tuple[str, ...] = ()
    publisher: tuple[str, ...] = ()
    document: tuple[str, ...] = ()
    local_authority: tuple[str, ...] = ()
    judgement: tuple[str, ...] = ()
    role: tuple[str, ...] = ()
    finding: tuple[str, ...] = ()
    date_from: str = ""
    date_to: str = ""

    def __bool__(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self))

    def admits(self, document) -> bool:
        """Whether a document passes the document filters (all but role and finding), as `where` would decide."""
        values = {
            "kind": document.kind,
            "publisher": document.publisher,
            "document": document.id,
            "local_authority": document.local_authority,
            "judgement": document.judgements.get("overall", ""),
        }
        if any(getattr(self, name) and value not in getattr(self, name) for name, value in values.items()):
            return False
        start, end = date_span(document.date)
        if self.date_from and not (end and end >= date_span(self.date_from)[0]):
            return False
        return not (self.date_to and not (start and start <= date_span(self.date_to)[1]))

    def as_dict(self) -> dict:
        """The filters that are set, for the API's `filters`."""
        return {f.name: list(v) if isinstance(v, tuple) else v for f in fields(self) if (v := getattr(self, f.name))}
