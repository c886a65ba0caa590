"""JSON endpoints: /api/search, /api/documents, /healthz."""

from __future__ import annotations

import re

from flask import Blueprint, current_app, jsonify, request, url_for

from index.models import Document, Hit
from index.query import QueryError
from index.search import citation

bp = Blueprint("api", __name__)


def searcher():
    return current_app.extensions["searcher"]


def document_json(document: Document) -> dict:
    """A document's metadata for the API."""
    return {
        "id": document.id,
        "title": document.title,
        "publisher": document.publisher,
        "date": document.date,
        "kind": document.kind,
    }


def external_url(endpoint: str, **values) -> str:
    """An absolute link on the configured public address ([server] base_url), never on the request's Host."""
    return current_app.config["BASE_URL"] + url_for(endpoint, **values)


def hit_url(hit: Hit, external: bool = False) -> str:
    """The link that opens a hit's passage, marked, in its document."""
    link = external_url if external else url_for
    return link("pages.document", document_id=hit.document.id, passage=hit.passage.id, _anchor=f"passage-{hit.passage.id}")


def hit_json(hit: Hit) -> dict:
    """One result for the API."""
    return {
        "rank": hit.rank,
        "score": hit.score,
        "text": hit.passage.text,
        "document": document_json(hit.document),
        "page": hit.passage.page,
        "page_label": hit.passage.page_label,
        "section": hit.passage.section,
        "citation": citation(hit),
        "url": hit_url(hit, external=True),
        "matched_by": list(hit.matched_by),
    }


def read_k(value: str | None) -> int | None:
    """The k parameter, or a QueryError that says what a valid one is."""
    if value in (None, ""):
        return None
    if not re.fullmatch(r"[0-9]{1,6}", value.strip()):
        raise QueryError(f"k must be a whole number written with the digits 0-9, got {value[:20]!r}.")
    return int(value)


@bp.get("/api/search")
def search():
    results = searcher().search(request.args.get("q", ""), read_k(request.args.get("k")), request.args.get("mode", "hybrid"))
    return jsonify(
        {
            "query": results.query.text,
            "mode": results.mode,
            "index": results.version,
            "results": [hit_json(hit) for hit in results.hits],
        }
    )


@bp.get("/api/documents")
def documents():
    docs = searcher().documents()
    return jsonify(
        {
            "count": len(docs),
            "documents": [
                document_json(d)
                | {
                    "path": d.path,
                    "source": d.source,
                    "licence": d.licence,
                    "url": external_url("pages.document", document_id=d.id),
                }
                for d in docs
            ],
        }
    )


@bp.get("/healthz")
def health():
    index = searcher().current()
    return jsonify(
        {
            "status": "ok",
            "index": index.version,
            "documents": index.store.count("documents"),
            "passages": index.store.count("passages"),
        }
    )
