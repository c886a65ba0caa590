"""Following a council: /councils (every council with an Ofsted report, sortable, as CSV too), /councils/<name>
(its reports' grades over time, what needs to improve, a search of its reports) and /compare (councils side by
side for a question); the same as JSON under /api/. Built from the catalogue's inspection facts, which ingest reads
from each report's own judgement table; a council may have many reports."""

from __future__ import annotations

from dataclasses import replace

from flask import Blueprint, jsonify, render_template, request, url_for
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import NotFound

from index.filters import Filters
from index.models import GRADES, Document
from index.query import OnlyCommonWords, QueryError, parse_query
from index.request import SearchRequest
from search_app import exports, schemas
from search_app.api import document_info, download, dump, external_url, hit_result, searcher
from search_app.params import choice

bp = Blueprint("councils", __name__)
AREAS = {"overall": "Overall", "leaders": "Leaders", "help_and_protection": "Help and protection",
         "children_in_care": "Children in care", "care_leavers": "Care leavers"}  # fmt: skip
SORTS = ("council", "reports", "inspected", "published", *AREAS)
COLUMNS = ("council", "reports", "overall", "leaders", "help_and_protection", "children_in_care", "care_leavers",
           "inspection_start", "inspection_end", "published", "document_id", "url")  # fmt: skip
MOST_COMPARED = 6
IMPROVE = "What needs to improve?"


def reports_by_council() -> dict[str, list[Document]]:
    """Each council's Ofsted reports, oldest inspection first."""
    found: dict[str, list[Document]] = {}
    for document in searcher().documents():
        if document.kind == "inspection" and document.local_authority:
            found.setdefault(document.local_authority, []).append(document)
    return {name: sorted(reports, key=lambda d: (d.inspection_start or d.date, d.id)) for name, reports in found.items()}


def row(name: str, reports: list[Document]) -> dict:
    """A council's line of the table: its latest report's grades and dates, and how many reports."""
    latest = reports[-1]
    return {"council": name, "reports": len(reports), **grades(latest), "inspection_start": latest.inspection_start,
            "inspection_end": latest.inspection_end, "published": latest.date, "document_id": latest.id,
            "url": external_url("councils.council", name=name)}  # fmt: skip


def grades(report: Document) -> dict[str, str]:
    """A report's grade in each judgement area ("" where it gives none)."""
    return {area: report.judgements.get(area, "") for area in AREAS}


def rank(grade: str) -> int:
    """Best grade first; no grade last."""
    return GRADES.index(grade) if grade in GRADES else len(GRADES)


def sorted_rows(rows: list[dict], by: str, order: str) -> list[dict]:
    """The table sorted by a column (grades best first, dates oldest first, then by council), or descending."""
    keys = {"council": lambda r: r["council"].lower(), "reports": lambda r: r["reports"],
            "inspected": lambda r: r["inspection_start"], "published": lambda r: r["published"]}  # fmt: skip
    key = keys.get(by) or (lambda r: rank(r[by]))
    ordered = sorted(sorted(rows, key=lambda r: r["council"].lower()), key=key)
    return ordered[::-1] if order == "desc" else ordered


def table_args() -> tuple[str, str, str]:
    """sort, order and format of a /councils request; QueryError naming anything else."""
    args = request.args
    for name in args:
        if name not in ("sort", "order", "format") or len(args.getlist(name)) > 1:
            raise QueryError(f"Parameter {name[:40]!r}: /councils takes sort ({', '.join(SORTS)}), order (asc, desc) "
                             "and format (html, json, csv), each once.")  # fmt: skip
    by, order, form = args.get("sort", "council"), args.get("order", "asc"), args.get("format", "default")
    if by not in SORTS or order not in ("asc", "desc") or form not in ("default", "html", "json", "csv"):
        raise QueryError(f"sort is one of {', '.join(SORTS)}; order asc or desc; format html, json or csv.")
    return by, order, form


def council_table(form_default: str):
    by, order, form = table_args()
    rows = sorted_rows([row(name, reports) for name, reports in reports_by_council().items()], by, order)
    form = form_default if form == "default" else form
    if form == "csv":
        return download(exports.csv_text(rows, COLUMNS), "csv", "councils.csv", searcher().current().version)
    if form == "json":
        return jsonify(dump(schemas.CouncilTable(count=len(rows), sort=by, order=order, councils=rows)))
    links = {column: url_for("councils.councils", sort=column, order="desc" if by == column and order == "asc" else "asc")
             for column in SORTS}  # fmt: skip
    return render_template("councils.html", rows=rows, by=by, order=order, links=links, areas=AREAS)


@bp.get("/councils")
def councils():
    return council_table("html")


@bp.get("/api/councils")
def councils_json():
    return council_table("json")


def movement(before: str, after: str) -> str:
    """How a grade moved between two reports: up, down, same, or "" when either is missing."""
    if before not in GRADES or after not in GRADES:
        return ""
    return "same" if before == after else "up" if rank(after) < rank(before) else "down"


def council_facts(name: str) -> dict:
    """A council's reports with their grades and how each moved, and its "What needs to improve?" passages."""
    held = reports_by_council()
    reports = held.get(name)
    if not reports:
        raise NotFound(f"No Ofsted report about {name[:60]!r} is in this collection; the {len(held)} councils are "
                       "listed at /councils.")  # fmt: skip
    store = searcher().current().store
    timeline, improve = [], []
    for n, report in enumerate(reports):
        now = grades(report)
        moved = {area: movement(grades(reports[n - 1])[area], now[area]) for area in AREAS} if n else {}
        timeline.append({"document": dump(document_info(report)), "grades": now, "moved": moved,
                         "url": external_url("pages.document", document_id=report.id)})  # fmt: skip
        for passage in store.document_passages(report.id):
            if passage.section == IMPROVE:
                improve.append({"document_id": report.id, "page": passage.page, "page_label": passage.page_label,
                                "text": passage.text, "citation": f"{report.title}, {report.publisher}, {report.date}, "
                                f"p. {passage.page_label or passage.page}"})  # fmt: skip
    page = schemas.CouncilPage(council=name, reports=timeline, needs_to_improve=improve,
                               search=external_url("pages.index", local_authority=name))  # fmt: skip
    return dump(page)


@bp.get("/councils/<name>")
def council(name: str):
    if request.args:
        raise QueryError("A council's page takes no parameters; search its reports with the form on it.")
    facts = council_facts(name)
    return render_template("council.html", facts=facts, areas=AREAS)


@bp.get("/api/councils/<name>")
def council_json(name: str):
    if request.args:
        raise QueryError("/api/councils/<name> takes no parameters.")
    return jsonify(council_facts(name))


def compared(args: MultiDict) -> dict:
    """Councils side by side: each one's latest grades and its best passages for the question, if one is asked;
    a council the collection does not hold is named as such."""
    for name in args:
        repeated = name != "local_authority" and len(args.getlist(name)) > 1
        if name not in ("local_authority", "q", "mode", "k", "require") or repeated:
            raise QueryError(f"Parameter {name[:40]!r}: /compare takes local_authority (2 to {MOST_COMPARED}), and q, "
                             "mode, k (1-10) and require once each.")  # fmt: skip
    asked = list(dict.fromkeys(v.strip(" ") for v in args.getlist("local_authority") if v.strip(" ")))
    if not 1 <= len(asked) <= MOST_COMPARED:
        raise QueryError(f"Give between 1 and {MOST_COMPARED} councils as local_authority=… (repeated).")
    q, mode = args.get("q", "").strip(), choice("mode", args.get("mode", "hybrid"), {})
    k = args.get("k", "3").strip()
    if not k.isdigit() or not 1 <= int(k) <= 10:
        raise QueryError("k for /compare is the passages per council, 1 to 10.")
    require = choice("require", args.get("require", ""), {})
    if q:
        try:  # refused whether or not a council it would search is held
            parse_query(q, searcher().config.max_query_chars)
        except OnlyCommonWords:
            pass
    held = reports_by_council()
    canonical = {name.lower(): name for name in held}
    columns = []
    for value in asked:
        name = canonical.get(value.lower())
        if name is None:
            columns.append({"council": value, "held": False,
                            "notice": f"No Ofsted report about {value} is in this collection; see /councils."})  # fmt: skip
            continue
        column = {"council": name, "held": True, "latest": row(name, held[name])}
        if q:
            request_ = SearchRequest(q, mode=mode, k=int(k), filters=Filters(local_authority=(name,)), require=require,
                                     named=False)  # fmt: skip
            results = searcher().search(request_)
            holding = searcher().search(replace(request_, mode="keyword", k=0, fold=False))  # a meaning search ranks all
            column |= {"total": holding.total, "passages": [dump(hit_result(hit)) for hit in results.hits]}
        columns.append(column)
    return dump(schemas.Comparison(query=q, mode=mode, councils=columns))


@bp.get("/compare")
def compare():
    facts = compared(request.args) if request.args else None  # no councils asked for yet: the form alone
    return render_template("compare.html", facts=facts, councils=sorted(reports_by_council()), areas=AREAS)


@bp.get("/api/compare")
def compare_json():
    return jsonify(compared(request.args))
