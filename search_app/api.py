"""JSON endpoints: /api/search, /api/documents, /healthz."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, current_app, jsonify, request, url_for

from index.models import Document, Hit, Passage
from index.query import QueryError
from index.search import Results, citation
from search_app.params import read_params

bp = Blueprint("api", __name__)


def searcher():
    return current_app.extensions["searcher"]


def document_json(document: Document) -> dict:
    """A document's metadata for the API; inspection facts where known."""
    out = {
        "id": document.id,
        "title": document.title,
        "publisher": document.publisher,
        "date": document.date,
        "kind": document.kind,
    }
    if document.local_authority:
        out["local_authority"] = document.local_authority
    if document.inspection_start:
        out["inspection"] = {"start": document.inspection_start, "end": document.inspection_end}
    if document.judgements:
        out["judgements"] = document.judgements
    return out


def external_url(endpoint: str, **values) -> str:
    """An absolute link on the configured public address ([server] base_url), never on the request's Host."""
    return current_app.config["BASE_URL"] + url_for(endpoint, **values)


def passage_url(passage: Passage, external: bool = False) -> str:
    """The link that opens a passage, marked, in its document."""
    link = external_url if external else url_for
    return link("pages.document", document_id=passage.document_id, passage=passage.id, _anchor=f"passage-{passage.id}")


def hit_url(hit: Hit, external: bool = False) -> str:
    return passage_url(hit.passage, external)


def hit_json(hit: Hit) -> dict:
    """One result for the API."""
    passage = hit.passage
    out = {
        "rank": hit.rank,
        "score": hit.score,
        "passage_id": passage.id,
        "text": passage.text,
        "document": document_json(hit.document),
        "page": passage.page,
        "page_label": passage.page_label,
        "section": passage.section,
        "citation": citation(hit),
        "url": hit_url(hit, external=True),
        "matched_by": list(hit.matched_by),
        "also_in": [
            {"passage_id": p.id, "document": {"id": d.id, "title": d.title}, "page": p.page, "page_label": p.page_label,
             "url": passage_url(p, external=True)}
            for p, d in hit.also
        ],
    }  # fmt: skip
    if passage.roles:
        out["role"], out["roles"] = passage.roles[0], list(passage.roles)
    if passage.section_judgement:
        out["section_judgement"] = passage.section_judgement
    return out


def notice(results: Results) -> str:
    """What the user should know about how the results were found, or ""."""
    if results.meaning_only:
        return "No passage contains these words: the results are found by meaning alone, and may be unrelated."
    if not results.total:
        return "No passage matched. Try fewer or other words, or remove a filter."
    return ""


def page_link(results: Results, offset: int) -> str | None:
    """The API URL of the page at `offset`, or None when there is none."""
    limit = results.documents if results.grouped else results.total
    if offset < 0 or offset >= limit or offset == results.offset:
        return None
    args = request.args.to_dict(flat=False) | {"offset": [str(offset)]}
    return current_app.config["BASE_URL"] + request.path + "?" + urlencode(args, doseq=True)


def results_json(results: Results) -> dict:
    """A search's JSON: the page, the facts about the whole ranked list, and how to page through it."""
    out = {
        "query": results.query.text,
        "mode": results.mode,
        "index": results.version,
        "total": results.total,
        "documents": results.documents,
        "offset": results.offset,
        "k": results.k,
        "filters": results.filters.as_dict(),
        "match": "meaning only" if results.meaning_only else "words" if results.total else "none",
        "notice": notice(results),
        "suggestion": results.suggestion,
        "next": page_link(results, results.offset + results.k),
        "previous": page_link(results, max(0, results.offset - results.k)),
        "facets": results.facets,
        "results": [hit_json(hit) for hit in results.hits],
    }
    if results.grouped:
        out["groups"] = [
            {"document": document_json(g.document), "count": g.count, "passages": [hit_json(h) for h in g.hits]}
            for g in results.groups
        ]
    return out


def run_search(args) -> Results:
    """The search a query string asks for (the page and the API read the same parameters)."""
    params = read_params(args, searcher().catalogue())
    return searcher().search(params.q, params.k, params.mode, params.offset, params.filters, params.group, params.fold)


@bp.get("/api/search")
def search():
    return jsonify(results_json(run_search(request.args)))


@bp.get("/api/documents")
def documents():
    filters = read_params(request.args, searcher().catalogue()).filters
    if filters.role:
        raise QueryError("role applies to passages, not documents: search with it instead.")
    docs = [d for d in searcher().documents() if filters.admits(d)]
    return jsonify(
        {
            "count": len(docs),
            "filters": filters.as_dict(),
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
