"""HTML pages: the search form with results, and a document with a passage marked."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import replace
from urllib.parse import parse_qs

from flask import Blueprint, abort, current_app, make_response, render_template, request, send_file, url_for

from index.models import FINDINGS, passage_key
from index.query import QueryError, parse_query
from index.request import MAX_RESULTS, MODES
from index.search import citation
from ingest.findings import criticised
from search_app import api, exports
from search_app.api import catalogued, hit_url, notices, passage_url, searcher
from search_app.highlight import highlight
from search_app.limits import expensive
from search_app.params import read_request

bp = Blueprint("pages", __name__)


FACET_LABELS = {
    "kind": "Kind",
    "publisher": "Publisher",
    "local_authority": "Local authority",
    "judgement": "Ofsted overall judgement",
    "role": "Speaker role",
    "finding": "Ofsted finding",
    "year": "Year",
    "document": "Document",
}
PAGE_SIZES = (10, 20, 50, 100)
CHART_WIDTH, CHART_HEIGHT = 640, 120  # the timeline's drawing, in SVG units (it scales to the page)
CACHE_SECONDS = 300
FACETS_SHOWN = 8
MARKED = 12  # words and phrases of the search a document page marks, at most
MARK_NEAR = 3  # pages either side of the passage on which a long document's page marks them


def url_with(**changes) -> str:
    """This page's URL with some parameters changed (None removes one)."""
    args = request.args.to_dict(flat=False)
    for name, value in changes.items():
        args.pop(name, None)
        if value is not None:
            args[name] = [str(v) for v in value] if isinstance(value, (list, tuple)) else [str(value)]
    return url_for(request.endpoint, **args)


def elsewhere(endpoint: str, **more) -> str:
    """This page's search at another endpoint (a download, a feed): its parameters without the page's own."""
    args = {k: v for k, v in request.args.to_dict(flat=False).items() if k not in ("k", "offset", "group", "format")}
    return url_for(endpoint, **args, **more)


def timeline(results) -> dict | None:
    """When the matches were said: bins by year (by month when they fall within three years), each with its
    passages, documents, the bar's place in the chart and a link keeping only that year or month."""
    years = results.aggregations.get("year", [])
    if not years:
        return None
    monthly = len(years) <= 3
    rows = results.aggregations["month"] if monthly else fill_years(years)
    most = max(passages for _, passages, _ in rows)
    width = CHART_WIDTH / len(rows)
    bins = [
        {"value": value, "passages": passages, "documents": documents,
         "x": round(n * width, 1), "width": round(max(width - 2, 1), 1),
         "height": round(CHART_HEIGHT * passages / most, 1),
         "link": url_with(date_from=value, date_to=value, offset=None),
         "label": n % max(1, len(rows) // 12) == 0}
        for n, (value, passages, documents) in enumerate(rows)
    ]  # fmt: skip
    return {"unit": "month" if monthly else "year", "bins": bins, "width": CHART_WIDTH, "height": CHART_HEIGHT}


def fill_years(years: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    """Every year from the first to the last, those without a match at 0, so the axis is time."""
    found = {year: row for year, *row in years}
    numbers = [int(year) for year in found if year.isdigit()]
    if not numbers:
        return years
    return [(str(y), *found.get(str(y), (0, 0))) for y in range(min(numbers), max(numbers) + 1)]


def facet_panel(results, filters) -> list[dict]:
    """Facet fields for the template: each value with its count and whether it is selected (documents by title)."""
    titles = {d.id: d.title for d in searcher().documents()}
    panel = []
    for name, label in FACET_LABELS.items():
        counts = results.facets.get(name, {}) if name != "year" else {}
        chosen = set(getattr(filters, name, ()) or ())
        values = list(counts.items())[:FACETS_SHOWN]
        values += [(value, counts.get(value, 0)) for value in sorted(chosen) if value not in dict(values)]
        more = [(value, count) for value, count in counts.items() if value not in dict(values)]  # behind "all"
        if values:
            shown, hidden = ([(v, n, v in chosen, titles.get(v, v) if name == "document" else v) for v, n in rows]
                             for rows in (values, more))  # fmt: skip
            panel.append({"name": name, "label": label, "values": shown, "more": hidden, "unit": "passages"})
    return panel


def named_links(results) -> dict | None:
    """For a query that names councils: their names, and links to keep only their reports or rank all together."""
    if not results.named:
        return None
    return {"councils": " and ".join(results.named), "off": url_with(named="off", offset=None),
            "only": url_with(local_authority=results.named, offset=None)}  # fmt: skip


def quote_opening(words: str, most: int = 8) -> str:
    """The first words of a quotation, without its own opening mark (the page quotes them), to say whose it is."""
    words = words.lstrip("'‘’“”\"").split()
    return " ".join(words[:most]) + (" …" if len(words) > most else "")


def view(hit, query) -> dict:
    reference = exports.reference(hit.document, hit.passage.page_label, hit_url(hit, external=True))
    url = passage_url(hit.passage, back=request.full_path)
    also = [(p, d, passage_url(p, back=request.full_path)) for p, d in hit.also]
    passage = hit.passage
    return {"hit": hit, "text": highlight(passage.text, query), "citation": citation(hit), "url": url,
            "reference": reference, "also": also, "copy_text": f"“{passage.text}” {reference}",
            "criticisms": [(passage.text[a:b], phrase) for a, b, phrase in criticised(passage)],
            "quotes": [(quote_opening(passage.text[a:b]), role) for a, b, role in passage.quotes]}  # fmt: skip


@bp.get("/")
def index():
    args = request.args
    if args.get("format", "json") not in ("", "json") and len(args.getlist("format")) == 1:
        return api.search()  # the page's URL with format=csv (etc.) downloads the same results, as the API does
    context = {"args": args, "modes": MODES, "page_sizes": PAGE_SIZES, "results": None, "error": None}
    status = 200
    if "q" in args:
        try:
            asked = read_request(args, searcher().catalogue())
            results = searcher().search(replace(asked, aggs=tuple(dict.fromkeys((*asked.aggs, "year", "month")))))
            context.update(
                results=results,
                hits=[view(hit, results.query) for hit in results.hits],
                groups=[{"group": g, "hits": [view(h, results.query) for h in g.hits]} for g in results.groups],
                facets=facet_panel(results, results.filters),
                timeline=timeline(results),
                notices=notices(results),
                export_rows=searcher().config.export_max_rows,
                watch=elsewhere("feeds.atom"),  # the Atom feed of this search
                downloads=[
                    (name.upper() if name != "jsonl" else "JSON Lines", elsewhere("api.search", format=name))
                    for name in exports.FORMATS
                ],  # fmt: skip
                suggestion=results.suggestion and url_with(q=results.suggestion, offset=None),
                named=named_links(results),
                previous=url_with(offset=max(0, results.offset - results.k)) if results.offset else None,
                next=url_with(offset=results.offset + results.k)
                if results.offset + results.k < min(MAX_RESULTS, results.documents if results.grouped else results.total)
                else None,
            )
        except QueryError as error:
            context["error"], status = str(error), 400
    return render_template("search.html", **context), status


@bp.get("/documents")
def catalogue():
    """Every document, narrowed by the same document filters as a search."""
    args = request.args
    try:
        filters = read_request(args, searcher().catalogue(), ignore=("q",)).filters
        documents, found = catalogued(filters)
    except QueryError as error:
        return render_template("catalogue.html", args=args, documents=[], error=str(error), facets=[]), 400
    facets = catalogue_facets(documents, filters)
    return render_template("catalogue.html", args=args, documents=documents, error=None, facets=facets,
                           found=found, finding=", ".join(filters.finding))  # fmt: skip


def catalogue_facets(documents, filters) -> list[dict]:
    """Document counts per kind, publisher, local authority and judgement, for the browse page."""
    panel = []
    held = searcher().current().store.facts
    for name in ("kind", "publisher", "local_authority", "judgement", "finding"):
        if name == "finding":  # documents holding passages of each finding
            ids = {d.id for d in documents}
            counts = Counter({f: len(ids.intersection(held.with_finding((f,)))) for f in FINDINGS})
        else:
            counts = Counter(getattr(d, name) if name != "judgement" else d.judgements.get("overall", "") for d in documents)
        chosen = set(getattr(filters, name))
        values = sorted(((v, n) for v, n in counts.items() if v and n), key=lambda pair: (-pair[1], pair[0]))
        rows = [(v, n, v in chosen, v) for v, n in values]
        panel.append({"name": name, "label": FACET_LABELS[name], "values": rows, "more": [], "unit": "documents"})
    return panel


def marked(text: str, words):
    """`text` with `words` (a Query) marked, or as it is when there are none to mark."""
    return highlight(text, words) if words else text


def page_sections(document, target, query=None) -> list[dict]:
    """The document's pages, each split around the target passage (if any), with the query's words marked: on
    every page of a short document, and within MARK_NEAR pages of the passage in a long one (marking costs a pass
    over the text, and a long document's is long)."""
    centre = target.page if target else 1
    everywhere = len(document.pages) <= 4 * MARK_NEAR
    sections = []
    for page in document.pages:
        text = document.text[page.start : page.end]
        words = query if everywhere or abs(page.number - centre) <= MARK_NEAR else None
        if target and page.start <= target.start < page.end:
            a, b = target.start - page.start, target.end - page.start
            parts = [(marked(text[:a], words), False), (marked(text[a:b], words), True), (marked(text[b:], words), False)]
        else:
            parts = [(marked(text, words), False)]
        sections.append({"number": page.number, "label": page.label, "parts": parts})
    return sections


def find_passage(passages: list, key: str, row_id: str) -> tuple[object | None, str]:
    """The passage a link names (by its content key, else its row id), and a notice when it is not exactly there.

    A key whose words are gone marks the nearest passage on its page (or the nearest page) and says so."""
    by_key = {passage_key(p): p for p in passages}
    if key in by_key:
        return by_key[key], ""
    if key:
        page = int(key.split(".")[0]) if key.split(".")[0].isdigit() else 0
        nearest = min(passages, key=lambda p: (abs(p.page - page), p.start), default=None)
        where = f"page {nearest.page}" if nearest else "the document"
        return nearest, (f"The passage this link pointed to is no longer in this version of the document; the nearest "
                         f"passage, on {where}, is marked instead.")  # fmt: skip
    if row_id:
        found = next((p for p in passages if str(p.id) == row_id), None)
        if found is None:
            return None, f"This document has no passage {row_id[:20]!r}: the link is wrong or from another document."
        return found, ""
    return None, ""


def back_link(value: str) -> str:
    """A "Back to results" link, only ever to this site's search page."""
    return value if value.startswith("/?") and "//" not in value and "\\" not in value else ""


def marked_words(back: str):
    """The words to mark: those of the search a "Back to results" link returns to, if it has searchable ones (at
    most MARKED of them: marking costs each word a pass over the whole document)."""
    try:
        words = parse_query(parse_qs(back[2:]).get("q", [""])[0], 500) if back and "q=" in back else None
    except QueryError:  # only common words, or none: nothing to mark, and the page still opens
        return None
    return words and replace(words, terms=words.terms[:MARKED], phrases=words.phrases[:MARKED])


@bp.get("/documents/<document_id>")
def document(document_id: str):
    doc, passages = searcher().document(document_id)
    target, notice = find_passage(passages, request.args.get("key", ""), request.args.get("passage", ""))
    back = back_link(request.args.get("back", ""))
    words = marked_words(back)
    root = current_app.config["SETTINGS"].corpus
    original = (root / doc.path).resolve().is_relative_to(root.resolve()) and (root / doc.path).is_file()
    known = searcher().current().store.documents  # the message an attachment came with, and its attachments
    page = render_template(
        "document.html",
        doc=doc,
        target=target,
        notice=notice,
        back=back,
        sections=page_sections(doc, target, words),
        cite=citation(doc, target.page_label) if target else citation(doc),
        reference=exports.reference(doc, target.page_label, passage_url(target, external=True)) if target else "",
        target_key=passage_key(target) if target else "",
        original=original,
        imaged=doc.paged and original,
        parent=known.get(doc.parent),
        attachments=[d for d in known.values() if d.parent == doc.id],
    )
    return cacheable(make_response(page), searcher().current().version, doc.fingerprint)


def cacheable(response, *keys: str):
    """An ETag from what the response depends on (the index version, the document), and a short public cache;
    a request with a matching If-None-Match gets 304."""
    response.set_etag(hashlib.sha256("\0".join((*keys, request.full_path)).encode()).hexdigest()[:32])
    response.cache_control.public = True
    response.cache_control.max_age = CACHE_SECONDS
    return response.make_conditional(request)


@bp.get("/documents/<document_id>/pages/<int:number>.png")
@expensive
def page_image(document_id: str, number: int):
    """A PDF page rendered with the passage named by `key` (or `passage`) highlighted."""
    doc, passages = searcher().document(document_id)
    if not doc.paged or not 1 <= number <= len(doc.pages):
        abort(404, description=f"{document_id!r} has no page image {number}.")
    target, _ = find_passage(passages, request.args.get("key", ""), request.args.get("passage", ""))
    text = target.text if target and target.page == number else ""
    path = current_app.extensions["renderer"].page(original_path(doc), doc.fingerprint, number, text)
    return send_file(path, mimetype="image/png", max_age=CACHE_SECONDS, etag=True)


def original_path(doc):
    """The document's file in the corpus folder; 404 if it is not there (or not inside it)."""
    root = current_app.config["SETTINGS"].corpus
    path = (root / doc.path).resolve()
    if not path.is_relative_to(root.resolve()) or not path.is_file():
        abort(404, description=f"The original file of {doc.id!r} is not in the corpus folder.")
    return path


@bp.get("/documents/<document_id>/file")
def original(document_id: str):
    doc, _ = searcher().document(document_id)
    if not doc.is_pdf:  # an HTML original served from this origin could run its scripts here
        abort(404, description=f"Only PDF originals are served; the text of {document_id!r} is at /documents/{document_id}.")
    path = original_path(doc)
    response = send_file(path, mimetype="application/pdf", download_name=path.name, max_age=CACHE_SECONDS)
    response.cache_control.public = True
    return response
