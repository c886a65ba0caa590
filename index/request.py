"""One search as asked for: made by the parameter parser (search_app/params.py) or by a script, and taken whole by
the search, the exports, batch, context and the evaluation, so a new parameter is one new field here."""

from __future__ import annotations

from dataclasses import KW_ONLY, dataclass

from index.filters import Filters

MODES = ("hybrid", "keyword", "semantic")
MAX_RESULTS = 1000  # the ranked list a query can page through


@dataclass(frozen=True)
class SearchRequest:
    """The question and how to rank, narrow and cut its results; every field but `q` is named when given."""

    q: str
    _: KW_ONLY
    k: int | None = None  # page size; None: [search] default_k
    mode: str = "hybrid"
    offset: int = 0
    filters: Filters = Filters()
    group: bool = False  # one entry per document instead of per passage
    fold: bool = True  # near-duplicate passages shown once, with "also in"
    version: str = ""  # a kept index version; "": the published one
    named: bool = True  # a council named in the query: its Ofsted reports first
    everything: bool = False  # the whole ranked list (up to its limit), not grouped: for exports
