"""Watching a search, with no account: /feed (Atom 1.0, written by feedgen) and /feed.json (JSON Feed 1.1) take
the search's own parameters and list its first page of passages, grouped by document, newest indexed first.

A feed reader shows an entry once: its id is the passage's lasting link (document and content key, no row id), so a
re-ingest that leaves the passage's words alone does not make it new. A meaning search is watchable too: a new
document appears in its feed when one of its passages ranks in the search's first page."""

from __future__ import annotations

import datetime
from dataclasses import replace

from feedgen.feed import FeedGenerator
from flask import Blueprint, current_app, jsonify, request

from index.models import Hit, passage_key
from index.search import citation
from search_app.api import external_url, hit_url, searcher
from search_app.params import PARAMETERS, read_request

bp = Blueprint("feeds", __name__)
FEED_READS = tuple(name for name in PARAMETERS if name not in ("offset", "cursor", "group", "format", "aggs"))
FEED_SIZE = 20  # passages in a feed unless k says otherwise


def watched():
    """The search a feed URL asks for, its hits newest indexed first (then by rank), and when each was indexed."""
    asked = read_request(request.args, searcher().catalogue(), only=FEED_READS)
    results = searcher().search(replace(asked, k=asked.k or FEED_SIZE, offset=0, group=False))
    added = searcher().added(searcher().build(results.version))
    first = {}
    for hit in results.hits:
        first.setdefault(hit.document.id, hit.rank)
    newest = {document: -stamp(added[document]).timestamp() for document in first}
    hits = sorted(results.hits, key=lambda hit: (newest[hit.document.id], first[hit.document.id], hit.rank))
    return results, hits, added


def stamp(iso: str) -> datetime.datetime:
    """An ISO 8601 time as an aware datetime (a time written without its zone is taken as UTC)."""
    moment = datetime.datetime.fromisoformat(iso) if iso else datetime.datetime(2000, 1, 1)
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)


def entry_id(hit: Hit) -> str:
    """The lasting link of a passage: the same across rebuilds while its words are."""
    return external_url("pages.document", document_id=hit.document.id, key=passage_key(hit.passage))


def quoted(hit: Hit) -> str:
    """An entry's text: the quote, then its citation."""
    return f"“{hit.passage.text}”\n— {citation(hit)}"


def describe(results) -> str:
    """'Search: care leavers (keyword; kind: inspection)' for a feed's title."""
    filters = "; ".join(
        f"{name}: {', '.join(v) if isinstance(v, list) else v}" for name, v in results.filters.as_dict().items()
    )
    return f"Search: {results.query.text} ({results.mode}{'; ' + filters if filters else ''})"


def page_url(endpoint: str) -> str:
    """This feed's search as `endpoint` (the results page, or the other feed) on the public address."""
    query = request.query_string.decode()
    return external_url(endpoint) + (f"?{query}" if query else "")


@bp.get("/feed")
def atom():
    results, hits, added = watched()
    feed = FeedGenerator()
    feed.id(page_url("feeds.atom"))
    feed.title(describe(results))
    feed.author({"name": "Children's social care search"})
    feed.link(href=page_url("pages.index"), rel="alternate", type="text/html")
    feed.link(href=page_url("feeds.atom"), rel="self", type="application/atom+xml")
    feed.subtitle(f"The first {len(hits)} passages of this search, newest indexed first (index {results.version}).")
    feed.updated(max((stamp(added[hit.document.id]) for hit in hits), default=stamp(searcher().current().manifest.built)))
    for hit in reversed(hits):  # feedgen lists the last added first
        entry = feed.add_entry()
        entry.id(entry_id(hit))
        entry.title(citation(hit))
        entry.link(href=hit_url(hit, external=True))
        entry.updated(stamp(added[hit.document.id]))
        entry.author({"name": hit.document.publisher or "Anonymous"})
        entry.content(quoted(hit), type="text")
        entry.summary(hit.passage.text[:280])
    response = current_app.response_class(feed.atom_str(pretty=True), content_type="application/atom+xml; charset=utf-8")
    response.headers["X-Index-Version"] = results.version
    return response


@bp.get("/feed.json")
def json_feed():
    results, hits, added = watched()
    items = [
        {
            "id": entry_id(hit),
            "url": hit_url(hit, external=True),
            "title": citation(hit),
            "content_text": quoted(hit),
            "date_published": stamp(added[hit.document.id]).isoformat(),
            "authors": [{"name": hit.document.publisher or "Anonymous"}],
            "_citation": {
                "document": hit.document.id,
                "page": hit.passage.page,
                "page_label": hit.passage.page_label,
                "passage_key": passage_key(hit.passage),
                "rank": hit.rank,
            },  # fmt: skip
        }
        for hit in hits
    ]
    feed = {"version": "https://jsonfeed.org/version/1.1", "title": describe(results),
            "home_page_url": page_url("pages.index"), "feed_url": page_url("feeds.json_feed"),
            "description": f"The first {len(hits)} passages of this search, newest indexed first.",
            "items": items}  # fmt: skip
    response = jsonify(feed)
    response.headers["Content-Type"] = "application/feed+json; charset=utf-8"
    response.headers["X-Index-Version"] = results.version
    return response
