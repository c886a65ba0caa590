"""One search as asked for: made by the parameter parser (search_app/params.py) or by a script, and taken whole by
the search, the exports, batch, context and the evaluation, so a new parameter is one new field here."""

from __future__ import annotations

from dataclasses import KW_ONLY, dataclass

from index.filters import Filters

MODES = ("hybrid", "keyword", "semantic")
MAX_RESULTS = 1000  # the ranked list a page can reach by offset (a cursor goes on past it)
AGGREGATIONS = ("kind", "publisher", "document", "local_authority", "judgement", "role", "finding", "year", "month")


@dataclass(frozen=True)
class SearchRequest:
    """The question and how to rank, narrow and cut its results; every field but `q` is named when given."""

    q: str
    _: KW_ONLY
    k: int | None = None  # page size; None: [search] default_k; 0: counts only
    mode: str = "hybrid"
    offset: int = 0
    filters: Filters = Filters()
    group: bool = False  # one entry per document instead of per passage
    fold: bool = True  # near-duplicate passages shown once, with "also in"
    version: str = ""  # a kept index version; "": the published one
    named: bool = True  # a council named in the query: its Ofsted reports first
    everything: bool = False  # every match (a meaning search: its first MAX_RESULTS), not grouped: for exports
    operator: str = "or"  # keyword matching: a passage holds any ("or") or every ("and") word
    stem: bool = True  # keyword matching by stems ("sufficiency" finds "sufficient"); False: the words as typed
    require: str = ""  # "keyword": a meaning search keeps only passages the keyword matching holds
    aggs: tuple[str, ...] = ()  # counts over every match, in passages and documents, by these (AGGREGATIONS)
    added_since: str = ""  # an index version or a date: only documents first indexed (or changed) after it
