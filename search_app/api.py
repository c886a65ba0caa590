"""JSON endpoints: /api/search (and its exports), /api/documents, /healthz; the JSON of a search."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, current_app, jsonify, request, url_for
from werkzeug.datastructures import MultiDict

from index.models import Document, Hit, Passage, passage_key
from index.query import QueryError
from index.results import Results
from index.search import citation
from search_app import exports
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
    if document.publisher_url:
        out["publisher_url"] = document.publisher_url
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


def passage_url(passage: Passage, external: bool = False, **extra) -> str:
    """The lasting link that opens a passage, marked, in its document: its content key, and its row id."""
    link = external_url if external else url_for
    return link("pages.document", document_id=passage.document_id, key=passage_key(passage), passage=passage.id,
                **extra, _anchor="passage")  # fmt: skip


def hit_url(hit: Hit, external: bool = False) -> str:
    return passage_url(hit.passage, external)


def hit_json(hit: Hit) -> dict:
    """One result for the API."""
    passage = hit.passage
    out = {
        "rank": hit.rank,
        "score": hit.score,
        "passage_id": passage.id,
        "passage_key": passage_key(passage),
        "text": passage.text,
        "document": document_json(hit.document),
        "page": passage.page,
        "page_label": passage.page_label,
        "section": passage.section,
        "citation": citation(hit),
        "reference": exports.reference(hit.document, passage.page_label, hit_url(hit, external=True)),
        "url": hit_url(hit, external=True),
        "matched_by": list(hit.matched_by),
        "pdf_url": external_url("pages.original", document_id=hit.document.id, _anchor=f"page={passage.page}")
        if hit.document.is_pdf
        else None,
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
    if results.weak:
        return ("Weak matches: no passage is close to this question in meaning or holds all its words. "
                "The corpus may not cover it; try other words.")  # fmt: skip
    return ""


def page_link(results: Results, args: MultiDict, offset: int) -> str | None:
    """The /api/search URL of the page at `offset` of the search `args` asked for, or None when there is none."""
    limit = results.documents if results.grouped else results.total
    if offset < 0 or offset >= limit or offset == results.offset:
        return None
    query = args.to_dict(flat=False) | {"offset": [str(offset)], "index": [results.version]}
    return external_url("api.search") + "?" + urlencode(query, doseq=True)


def results_json(results: Results, args: MultiDict) -> dict:
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
        "low_confidence": results.weak,
        "suggestion": results.suggestion,
        "named_councils": list(results.named),
        "next": page_link(results, args, results.offset + results.k),
        "previous": page_link(results, args, max(0, results.offset - results.k)),
        "facets": results.facets,
        "results": [hit_json(hit) for hit in results.hits],
    }
    if results.grouped:
        out["groups"] = [
            {"document": document_json(g.document), "count": g.count, "passages": [hit_json(h) for h in g.hits]}
            for g in results.groups
        ]
    return out


def run_search(args: MultiDict, everything: bool = False) -> Results:
    """The search a query string asks for (the page and the API read the same parameters); with `everything`,
    the whole result set (up to 1,000 passages, not grouped) for an export."""
    params = read_params(args, searcher().catalogue())
    if everything:
        return searcher().search(params.q, None, params.mode, 0, params.filters, False, params.fold, params.index, True,
                                 named=params.named)  # fmt: skip
    return searcher().search(params.q, params.k, params.mode, params.offset, params.filters, params.group, params.fold,
                             params.index, named=params.named)  # fmt: skip


@bp.get("/api/search")
def search():
    form = request.args.get("format", "json")
    if form == "json" or form not in exports.FORMATS:  # a bad format is refused by the parameter check
        return jsonify(results_json(run_search(request.args), request.args))
    return export(run_search(request.args, everything=True), form)


def export(results: Results, form: str):
    """The whole result set as a download."""
    hits, urls = results.hits, {}
    for hit in hits:
        urls.setdefault(hit.document.id, external_url("pages.document", document_id=hit.document.id))
    if form == "csv":
        text = exports.csv_text([exports.csv_row(hit, hit_url(hit, external=True)) | {"citation": citation(hit)}
                                 for hit in hits])  # fmt: skip
    elif form == "jsonl":
        text = exports.jsonl_text([hit_json(hit) for hit in hits])
    elif form == "ris":
        text = exports.ris_text(hits, urls)
    else:
        text = exports.bibtex_text(hits, urls)
    content_type, extension = exports.FORMATS[form]
    response = current_app.response_class(text, content_type=content_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{exports.filename(results.query.text, extension)}"'
    response.headers["X-Index-Version"] = results.version
    return response


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
