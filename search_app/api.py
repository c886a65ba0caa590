"""JSON endpoints: /api/search (and its exports), /api/documents, /healthz; the JSON of a search."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from urllib.parse import urlencode

from flask import Blueprint, current_app, jsonify, request, stream_with_context, url_for
from pydantic import BaseModel
from werkzeug.datastructures import MultiDict

from index.councils import councils_not_held
from index.filters import date_span
from index.models import Document, Hit, Passage, passage_key
from index.query import QueryError
from index.request import MAX_RESULTS, SearchRequest
from index.results import Results
from index.search import UnknownPassage, citation
from ingest.findings import criticised
from search_app import exports, schemas
from search_app.limits import held
from search_app.params import DOCUMENT_FILTERS, cursor, read_request

bp = Blueprint("api", __name__)


def searcher():
    return current_app.extensions["searcher"]


def document_info(document: Document, model: type[schemas.DocumentInfo] = schemas.DocumentInfo, **more):
    """A document's metadata for the API; inspection facts where known."""
    known = {
        "publisher_url": document.publisher_url,
        "local_authority": document.local_authority,
        "inspection": document.inspection_start
        and schemas.Inspection(start=document.inspection_start, end=document.inspection_end),
        "judgements": document.judgements,
        "parent": document.parent,
        "sender": document.sender,
        "recipients": document.recipients,
    }
    core = {name: getattr(document, name) for name in ("id", "title", "publisher", "date", "kind", "path")}
    return model(**core, **{name: value for name, value in known.items() if value}, **more)


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


def hit_result(hit: Hit) -> schemas.Result:
    """One result for the API."""
    passage, document, url = hit.passage, hit.document, hit_url(hit, external=True)
    pdf_url = external_url("pages.original", document_id=document.id, _anchor=f"page={passage.page}")
    speakers = {"role": passage.roles[0], "roles": list(passage.roles), "quotes": quotes(passage)} if passage.roles else {}
    graded = {"section_judgement": passage.section_judgement} if passage.section_judgement else {}
    if passage.finding:
        graded |= {"finding": passage.finding, "criticisms": [
            schemas.Criticism(text=passage.text[start:end], start=start, end=end, phrase=phrase)
            for start, end, phrase in criticised(passage)
        ]}  # fmt: skip
    return schemas.Result(
        rank=hit.rank, score=hit.score, passage_id=passage.id, passage_key=passage_key(passage), text=passage.text,
        document=document_info(document), page=passage.page, page_label=passage.page_label, section=passage.section,
        ocr=passage.ocr, confidence=passage.confidence,
        citation=citation(hit), reference=exports.reference(document, passage.page_label, url),
        url=url, pdf_url=pdf_url if document.is_pdf else None, matched_by=list(hit.matched_by),
        also_in=[schemas.Place(passage_id=p.id, document=schemas.PlaceDocument(id=d.id, title=d.title), page=p.page,
                               page_label=p.page_label, url=passage_url(p, external=True)) for p, d in hit.also],
        **speakers, **graded,
    )  # fmt: skip


def quotes(passage: Passage) -> list[schemas.Quote]:
    return [schemas.Quote(text=passage.text[a:b], start=a, end=b, role=role) for a, b, role in passage.quotes]


def hit_json(hit: Hit) -> dict:
    """One result as JSON (a row of the JSON Lines export)."""
    return dump(hit_result(hit))


def dump(answer: BaseModel) -> dict:
    """An answer model as JSON: the fields it was given (optional ones left out are absent, not null)."""
    return answer.model_dump(mode="json", exclude_unset=True)


def notices(results: Results) -> list[str]:
    """Everything the user should know about the results: a council the question names that the collection
    holds no report about, then how the results were found."""
    held = set(searcher().councils(searcher().build(results.version)))
    missing = councils_not_held(results.query.text, held)
    said = []
    if missing:
        said.append(f"No Ofsted report about {' or '.join(missing)} is in this collection, so the results come from "
                    f"other documents; the {len(held)} councils with reports are listed at /councils.")  # fmt: skip
    return said + ([main] if (main := notice(results)) else [])


def notice(results: Results) -> str:
    """What the user should know about how the results were found, or ""."""
    if results.said:
        return results.said
    if not results.total and (swapped := dates_swapped(results.filters)):
        return swapped
    if results.meaning_only:
        return "No passage contains these words: the results are found by meaning alone, and may be unrelated."
    if not results.total and (unquoted := roles_never_quoted(results.filters.role)):
        return unquoted
    if not results.total:
        return "No passage matched. Try fewer or other words, or remove a filter."
    if results.weak:
        return ("Weak matches: no passage is close to this question in meaning or holds all its words. "
                "The corpus may not cover it; try other words.")  # fmt: skip
    return ""


def dates_swapped(filters) -> str:
    """A notice when date_from is after date_to (no date falls between them), or ""."""
    if filters.date_from and filters.date_to and date_span(filters.date_from)[0] > date_span(filters.date_to)[1]:
        return "date_from is after date_to, so no document's date falls between them: swap them."
    return ""


def roles_never_quoted(roles: tuple[str, ...]) -> str:
    """A notice when no passage of the collection quotes any of `roles` (so no words could match), or ""."""
    quoted = Counter(role for held in searcher().current().store.facts.roles.values() for role in held)
    if not roles or any(quoted[role] for role in roles):
        return ""
    listed = ", ".join(f"{role} ({count})" for role, count in quoted.most_common())
    return (f"No passage in this collection quotes a {' or '.join(roles)}: the roles quoted, with their passages, "
            f"are {listed or 'none'}.")  # fmt: skip


def page_offset(results: Results, offset: int) -> int | None:
    """`offset` if a page starts there (another than this one), else None."""
    limit = results.documents if results.grouped else results.total
    if results.k == 0 or offset < 0 or offset >= limit or offset == results.offset:
        return None
    return offset


def page_link(results: Results, args: MultiDict, asked: SearchRequest, offset: int | None) -> str | None:
    """The /api/search URL of the page at `offset` of the search `args` asked for (by cursor past the first
    1,000), or None when there is none."""
    if offset is None:
        return None
    query = {name: values for name, values in args.to_dict(flat=False).items() if name not in ("cursor", "offset")}
    if offset < MAX_RESULTS:
        query |= {"offset": [str(offset)], "index": [results.version]}
    else:
        query = {name: values for name, values in query.items() if name != "index"}
        query |= {"cursor": [cursor(asked, results.version, offset)]}
    return external_url("api.search") + "?" + urlencode(query, doseq=True)


def match_kind(results: Results) -> str:
    if not results.total:
        return "none"
    return "meaning only" if results.meaning_only else "meaning" if results.mode == "semantic" else "words"


def search_response(
    results: Results,
    args: MultiDict,
    asked: SearchRequest,
    model: type[schemas.SearchResponse] = schemas.SearchResponse,
    **more,
) -> schemas.SearchResponse:
    """A search's answer: the page, the counts over every match, and how to page through it."""
    grouped = {}
    if results.aggregations:
        grouped["aggregations"] = {
            name: [schemas.Bucket(value=v, passages=p, documents=d) for v, p, d in rows]
            for name, rows in results.aggregations.items()
        }
    if results.grouped:
        grouped["groups"] = [
            schemas.Group(document=document_info(g.document), count=g.count, passages=[hit_result(h) for h in g.hits])
            for g in results.groups
        ]
    following = page_offset(results, results.offset + results.k)
    said = notices(results)
    return model(
        **more,
        query=results.query.text, mode=results.mode, index=results.version, total=results.total,
        total_relation="eq" if results.exact else "gte", passages=results.matched, documents=results.documents,
        offset=results.offset, k=results.k, filters=results.filters.as_dict(), match=match_kind(results),
        notice=said[0] if said else "", notices=said, low_confidence=results.weak, suggestion=results.suggestion,
        named_councils=list(results.named), next=page_link(results, args, asked, following),
        previous=page_link(results, args, asked, page_offset(results, max(0, results.offset - results.k))),
        cursor=following is not None and cursor(asked, results.version, following) or None, facets=results.facets,
        results=[hit_result(hit) for hit in results.hits], **grouped,
    )  # fmt: skip


def run_search(args: MultiDict, everything: bool = False) -> tuple[Results, SearchRequest]:
    """The search a query string asks for (the page and the API read the same parameters), and the request; with
    `everything`, every match (not grouped) for an export."""
    asked = read_request(args, searcher().catalogue())
    return searcher().search(replace(asked, everything=True) if everything else asked), asked


@bp.get("/api/search")
def search():
    form = request.args.get("format", "json")
    if form == "json" or form not in exports.FORMATS:  # a bad format is refused by the parameter check
        results, asked = run_search(request.args)
        return jsonify(dump(search_response(results, request.args, asked)))
    with held():
        results, _ = run_search(request.args, everything=True)
    return export(results, form)


def export(results: Results, form: str):
    """Every match as a download, written as it is read (the first [server] export_max_rows of them)."""
    most = searcher().config.export_max_rows
    rows = replace(results, rows=results.rows[:most])
    hits = searcher().each_hit(rows)  # the search ran under the client's hold; writing is bounded by export_max_rows
    if form == "csv":
        text = exports.csv_lines(exports.csv_row(hit, hit_url(hit, external=True)) | {"citation": citation(hit)}
                                 for hit in hits)  # fmt: skip
    elif form == "jsonl":
        text = (exports.jsonl_text([hit_json(hit)]) for hit in hits)
    elif form == "ris":
        text = (exports.ris_text([hit], {hit.passage.id: hit_url(hit, external=True)}) for hit in hits)
    else:
        hits = list(hits)
        pages = {hit.document.id: external_url("pages.document", document_id=hit.document.id) for hit in hits}
        text = exports.bibtex_text(hits, pages)
    name = exports.filename(results.query.text, exports.FORMATS[form][1])
    if not isinstance(text, str):
        text = stream_with_context(text)
    response = download(text, form, name, results.version)
    response.headers["X-Total-Count"] = str(len(results.rows))
    response.headers["X-Export-Rows"] = str(len(rows.rows))
    return response


def download(text, form: str, name: str, version: str):
    """`text` (or its chunks) as a file to save, of export format `form`, naming the index version it came from."""
    response = current_app.response_class(text, content_type=exports.FORMATS[form][0])
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["X-Index-Version"] = version
    return response


@bp.get("/api/documents")
def documents():
    args = request.args
    filters = read_request(args, searcher().catalogue(), only=(*DOCUMENT_FILTERS, "role", "finding", "format")).filters
    form = args.get("format", "json")
    if form not in ("json", "csv"):
        raise QueryError(f"format for /api/documents is json or csv, got {form!r}.")
    counts = {entry.id: entry for entry in searcher().current().manifest.documents.values()}
    kept, found = catalogued(filters)
    docs = [
        document_info(d, schemas.CatalogueDocument, source=d.source, licence=d.licence,
                      pages=counts[d.id].pages, passages=counts[d.id].passages, with_finding=found.get(d.id),
                      url=external_url("pages.document", document_id=d.id))
        for d in kept
    ]  # fmt: skip
    if form == "csv":
        return catalogue_csv(docs)
    return jsonify(dump(schemas.Catalogue(count=len(docs), filters=filters.as_dict(), documents=docs)))


def catalogued(filters) -> tuple[list[Document], dict[str, int]]:
    """The documents the catalogue lists under `filters`, and with `finding` how many passages of it each holds
    (only documents holding some are listed); QueryError for `role`, which it cannot apply."""
    if filters.role:
        raise QueryError("role applies to passages, not documents: search with it instead.")
    found = searcher().current().store.facts.with_finding(filters.finding) if filters.finding else {}
    kept = [d for d in searcher().documents() if filters.admits(d) and (not filters.finding or d.id in found)]
    return kept, found


def catalogue_csv(docs: list[schemas.CatalogueDocument]):
    """The catalogue as a CSV download: a row per document, with its grade, visit dates, pages and passages."""
    rows = []
    for d in docs:
        inspection = d.inspection or schemas.Inspection(start="", end="")
        rows.append(d.model_dump(exclude={"inspection", "judgements"}) | {
            "judgement": (d.judgements or {}).get("overall", ""), "inspection_start": inspection.start,
            "inspection_end": inspection.end})  # fmt: skip
    return download(exports.csv_text(rows, exports.CATALOGUE_COLUMNS), "csv", "catalogue.csv", searcher().current().version)


def passage_record(passage: Passage) -> dict:
    return dump(schemas.PassageRecord(
        passage_id=passage.id, passage_key=passage_key(passage), document_id=passage.document_id, page=passage.page,
        page_end=passage.page_end, page_label=passage.page_label, section=passage.section,
        section_judgement=passage.section_judgement, roles=list(passage.roles), finding=passage.finding,
        tokens=passage.tokens,
        text=passage.text, url=passage_url(passage, external=True)))  # fmt: skip


def passages_of(args: MultiDict, reads: tuple[str, ...]):
    """The build an /api/passages request names (`index`, else the published one), and its `document` filter."""
    for name in args:
        if name not in reads or len(args.getlist(name)) > 1:
            raise QueryError(f"Parameter {name[:40]!r} for this endpoint: give each of {', '.join(reads)} at most once.")
    version = args.get("index", "").strip()
    if version and version not in searcher().searchable():
        raise QueryError(f"index {version[:60]!r} cannot be read: the versions that can are "
                         f"{', '.join(sorted(searcher().searchable()))}.")  # fmt: skip
    build = searcher().build(version)
    document = args.get("document", "").strip()
    if document and document not in build.store.documents:
        raise QueryError(f"No document {document[:60]!r} is in this index version: see /api/documents.")
    return build, document


@bp.get("/api/passages")
def passages():
    """Every passage of an index version (or of one document) as JSON Lines, streamed, in document and text order."""
    build, document = passages_of(request.args, ("index", "document"))
    names = [document] if document else sorted(build.store.documents)
    lines = (exports.jsonl_text([passage_record(p)]) for name in names for p in build.store.document_passages(name))
    return download(stream_with_context(lines), "jsonl", "passages.jsonl", build.version)


@bp.get("/api/passages/<key>")
def passage(key: str):
    """One passage by its lasting key (page.fingerprint), in the published index or a kept `index` version; with
    `document` where the key is in several documents."""
    build, document = passages_of(request.args, ("index", "document"))
    page = key.split(".")[0]
    if not page.isdigit():
        raise QueryError(f"{key[:40]!r} is not a passage key: they look like 12.3f9a0c1b2d (page.fingerprint).")
    found = [p for p in build.store.page_passages(int(page))
             if passage_key(p) == key and document in ("", p.document_id)]  # fmt: skip
    if not found:
        raise UnknownPassage(f"No passage with key {key[:40]!r} in index {build.version}: keys come from results' "
                             "passage_key, and a passage whose words changed has a new one.")  # fmt: skip
    if len({p.document_id for p in found}) > 1:
        raise QueryError(f"Passage key {key!r} is in {len(found)} documents ({', '.join(p.document_id for p in found)}): "
                         "name one with document=.")  # fmt: skip
    return jsonify(passage_record(found[0]))


@bp.get("/healthz")
def health():
    index = searcher().current()
    counts = {name: index.store.count(name) for name in ("documents", "passages")}
    return jsonify(dump(schemas.Health(status="ok", index=index.version, **counts)))
