"""HTML pages: the search form with results, and a document with a passage marked."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request, send_file

from index.query import QueryError
from index.search import MODES, citation
from search_app.api import hit_url, read_k, searcher
from search_app.highlight import highlight

bp = Blueprint("pages", __name__)


@bp.get("/")
def index():
    q, mode = request.args.get("q", ""), request.args.get("mode", "hybrid")
    context = {"q": q, "mode": mode, "modes": MODES, "k": request.args.get("k", ""), "results": None, "error": None}
    status = 200
    if q or "q" in request.args:
        try:
            results = searcher().search(q, read_k(request.args.get("k")), mode)
            context["results"] = [
                {
                    "hit": hit,
                    "text": highlight(hit.passage.text, results.query),
                    "citation": citation(hit),
                    "url": hit_url(hit),
                }
                for hit in results.hits
            ]
        except QueryError as error:
            context["error"], status = str(error), 400
    return render_template("search.html", **context), status


def page_sections(document, target) -> list[dict]:
    """The document's pages, each split around the target passage (if any), for the template."""
    sections = []
    for page in document.pages:
        text = document.text[page.start : page.end]
        if target and page.start <= target.start < page.end:
            a, b = target.start - page.start, target.end - page.start
            parts = [(text[:a], False), (text[a:b], True), (text[b:], False)]
        else:
            parts = [(text, False)]
        sections.append({"number": page.number, "label": page.label, "parts": parts})
    return sections


@bp.get("/documents/<document_id>")
def document(document_id: str):
    doc, passages = searcher().document(document_id)
    marked = request.args.get("passage", type=int)
    target = next((p for p in passages if p.id == marked), None)
    return render_template(
        "document.html",
        doc=doc,
        target=target,
        sections=page_sections(doc, target),
        cite=citation(doc, target.page_label) if target else citation(doc),
    )


@bp.get("/documents/<document_id>/file")
def original(document_id: str):
    doc, _ = searcher().document(document_id)
    if not doc.is_pdf:  # an HTML original served from this origin could run its scripts here
        abort(404, description=f"Only PDF originals are served; the text of {document_id!r} is at /documents/{document_id}.")
    root = current_app.config["SETTINGS"].corpus
    path = (root / doc.path).resolve()
    if not path.is_relative_to(root.resolve()) or not path.is_file():
        abort(404, description=f"The original file of {document_id!r} is not in the corpus folder.")
    return send_file(path, mimetype="application/pdf", download_name=path.name)
