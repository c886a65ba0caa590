"""Search filters on document and passage metadata, as one SQL condition applied before ranking."""

from __future__ import annotations

import calendar
import datetime
import re
from dataclasses import dataclass, fields

DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
# filter field -> the column it tests (d: documents, r: passage_roles)
COLUMNS = {
    "kind": "d.kind",
    "publisher": "d.publisher",
    "document": "d.id",
    "local_authority": "d.local_authority",
    "judgement": "d.judgement",
    "role": "r.role",
}
FACETS = (*COLUMNS, "year")


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
    date_from: str = ""
    date_to: str = ""

    def __bool__(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self))

    def where(self) -> tuple[str, list]:
        """An SQL condition on passages p joined to documents d, and its parameters ("TRUE" when unfiltered)."""
        clauses, params = [], []
        for name, column in COLUMNS.items():
            values = getattr(self, name)
            if not values:
                continue
            marks = ", ".join("?" * len(values))
            if name == "role":
                clauses.append(f"p.id IN (SELECT r.passage_id FROM passage_roles r WHERE r.role IN ({marks}))")
            else:
                clauses.append(f"{column} IN ({marks})")
            params += list(values)
        if self.date_from:
            clauses.append("d.date_end >= ?")
            params.append(date_span(self.date_from)[0])
        if self.date_to:
            clauses.append("d.date_start <= ? AND d.date_start != ''")
            params.append(date_span(self.date_to)[1])
        return " AND ".join(clauses) or "TRUE", params

    def admits(self, document) -> bool:
        """Whether a document passes the document filters (all but role), as `where` would decide."""
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
