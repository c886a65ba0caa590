"""JSON endpoints: /api/search, /api/documents, /healthz."""

from __future__ import annotations

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


def hit_url(hit: Hit, external: bool = False) -> str:
    """The link that opens a hit's passage, marked, in its document."""
    return url_for(
        "pages.document",
        document_id=hit.document.id,
        passage=hit.passage.id,
        _anchor=f"passage-{hit.passage.id}",
        _external=external,
    )


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
    if not value.strip().isdigit():
        raise QueryError(f"k must be a whole number, got {value!r}.")
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
                    "url": url_for("pages.document", document_id=d.id, _external=True),
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
