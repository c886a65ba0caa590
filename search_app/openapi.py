"""The OpenAPI 3.1 document, generated from the parameter declarations (params.py) and the response models
(schemas.py), served at /api/openapi.json with a readable page at /api/docs (no CDN: rendered here)."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import Blueprint, current_app, jsonify, render_template
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from index.models import passage_key
from search_app import exports, schemas
from search_app.councils import MOST_COMPARED, SORTS
from search_app.params import CONTEXT_READS, DOCUMENT_FILTERS, PARAMETERS, Param

bp = Blueprint("openapi", __name__)
CATALOGUE_FORMAT = Param(
    {"type": "string", "enum": ["json", "csv"], "default": "json"},
    "json: the catalogue; csv: the same as a download, a row per document.",
)
CITATIONS = Param(
    {"type": "string", "enum": ["full", "short"], "default": "full"},
    "full: each passage followed by its citation and link; short: by a number, the citations listed once at the end.",
)
BUDGET = Param(
    {"type": "integer", "minimum": 1, "default": 1000},
    "Most cl100k_base tokens (at most [server] context_max_tokens, 8,000 by default).",
)


@dataclass(frozen=True)
class Endpoint:
    """One operation: what it takes and what it answers."""

    method: str
    path: str
    summary: str
    response: type[BaseModel] | None
    parameters: dict[str, Param] = field(default_factory=dict)
    body: type[BaseModel] | None = None
    errors: tuple[int, ...] = (400, 503)
    downloads: tuple[str, ...] = ()  # other media types of a 200 (exports)
    in_path: dict[str, Param] = field(default_factory=dict)  # parameters in the path, {name}


PASSAGE_INDEX = Param({"type": "string"}, "Read this kept index version (the current or the previous one).")
PASSAGE_DOCUMENT = Param({"type": "string"}, "Only this document's passages (its id).")
PASSAGE_KEY = Param({"type": "string", "pattern": r"^[0-9]{1,6}\.[0-9a-f]{10}$"}, "A passage_key: page.fingerprint.",
                    required=True)  # fmt: skip
COUNCIL_NAME = Param({"type": "string"}, "The council, as /api/councils names it.", required=True)
COUNCIL_TABLE = {
    "sort": Param({"type": "string", "enum": list(SORTS), "default": "council"}, "The column to sort by."),
    "order": Param({"type": "string", "enum": ["asc", "desc"], "default": "asc"}, "Ascending or descending."),
    "format": Param({"type": "string", "enum": ["json", "csv"], "default": "json"}, "json, or csv to download."),
}
COMPARE = {
    "local_authority": Param(
        {"type": "string", "pattern": r"\S", "maxItems": MOST_COMPARED},
        "A council (1 to 6; one the collection does not hold is named as such).",
        repeatable=True,
        required=True,
    ),
    "q": Param({"type": "string", "maxLength": 500}, "A question: each council's best passages for it."),
    "mode": PARAMETERS["mode"],
    "k": Param({"type": "integer", "minimum": 1, "maximum": 10, "default": 3}, "Passages per council."),
    "require": PARAMETERS["require"],
}
SEARCH_PARAMETERS = dict(PARAMETERS)
CONTEXT_PARAMETERS = {n: PARAMETERS[n] for n in CONTEXT_READS} | {"budget": BUDGET, "citations": CITATIONS}
ENDPOINTS = (
    Endpoint("get", "/api/search", "Search passages: filters, facets, grouping, folding, paging and exports.",
             schemas.SearchResponse, SEARCH_PARAMETERS, errors=(400, 404, 410, 429, 503),
             downloads=tuple(media.split(";")[0] for media, _ in exports.FORMATS.values())),
    Endpoint("post", "/api/search/batch", "Run up to 100 searches in one request; one bad query does not fail the rest.",
             schemas.BatchResponse, body=schemas.BatchRequest, errors=(400, 413, 415, 429, 503)),
    Endpoint("get", "/api/context", "The best passages, folded, with citations, within a token budget (for LLMs).",
             schemas.ContextResponse, CONTEXT_PARAMETERS, errors=(400, 410, 429, 503)),
    Endpoint("get", "/api/documents", "The catalogue, with the document filters; format=csv downloads it.",
             schemas.Catalogue, {n: PARAMETERS[n] for n in DOCUMENT_FILTERS} | {"format": CATALOGUE_FORMAT},
             downloads=("text/csv",)),
    Endpoint("get", "/api/passages", "Every passage of an index version as JSON Lines (streamed), to join on "
             "document_id.", None, {"index": PASSAGE_INDEX, "document": PASSAGE_DOCUMENT}, errors=(400, 410, 429, 503),
             downloads=("application/x-ndjson",)),
    Endpoint("get", "/api/passages/{key}", "One passage by its lasting key.", schemas.PassageRecord,
             {"index": PASSAGE_INDEX, "document": PASSAGE_DOCUMENT}, errors=(400, 404, 410, 503),
             in_path={"key": PASSAGE_KEY}),
    Endpoint("get", "/api/councils", "Every council with an Ofsted report: latest grades, dates, reports; format=csv "
             "downloads it.", schemas.CouncilTable, COUNCIL_TABLE, downloads=("text/csv",)),
    Endpoint("get", "/api/councils/{name}", "A council's reports with their grades over time, and what needs to "
             "improve.", schemas.CouncilPage, {}, errors=(400, 404, 503), in_path={"name": COUNCIL_NAME}),
    Endpoint("get", "/api/compare", "Councils side by side: grades, and their best passages for a question.",
             schemas.Comparison, COMPARE),
    Endpoint("get", "/healthz", "The index version and counts.", schemas.Health, errors=(503,)),
    Endpoint("get", "/api/openapi.json", "This document.", None, errors=()),
)  # fmt: skip
MODELS = (schemas.Error, schemas.BatchRequest) + tuple(e.response for e in ENDPOINTS if e.response)
STATUS = {400: "Bad request", 404: "Not found", 405: "Method not allowed", 410: "Index version gone",
          413: "Body too large", 415: "Not JSON", 429: "Too many expensive requests from this client (Retry-After)",
          500: "Internal error", 503: "No index published"}  # fmt: skip


def parameter(name: str, param: Param, where: str = "query") -> dict:
    items = param.schema | {"enum": [*param.schema["enum"], ""]} if "enum" in param.schema else param.schema
    items = dict(items)
    most = {"maxItems": items.pop("maxItems")} if "maxItems" in items else {}
    schema = {"type": "array", "items": items, **most} if param.repeatable else param.schema  # "" is no filter
    out = {"name": name, "in": where, "required": param.required, "description": param.description, "schema": schema}
    return out | ({"style": "form", "explode": True} if param.repeatable else {})


def reference(model: type[BaseModel]) -> dict:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def json_content(schema: dict) -> dict:
    return {"content": {"application/json": {"schema": schema}}}


def operation(endpoint: Endpoint) -> dict:
    answer = reference(endpoint.response) if endpoint.response else {"type": "object"}
    responses = {
        "200": {"description": "OK"}
        | (json_content(answer) if endpoint.response or not endpoint.downloads else {"content": {}})
    }
    for media in endpoint.downloads:
        responses["200"]["content"][media] = {"schema": {"type": "string"}}
    for status in (*endpoint.errors, 405, 500):
        responses[str(status)] = {"description": STATUS[status]} | json_content(reference(schemas.Error))
    name = endpoint.path.strip("/").replace("/", "_").replace(".", "_").replace("{", "").replace("}", "")
    out = {
        "summary": endpoint.summary,
        "operationId": f"{endpoint.method}_{name}",
        "parameters": [parameter(n, p, "path") for n, p in endpoint.in_path.items()]
        + [parameter(n, p) for n, p in endpoint.parameters.items()],
        "responses": responses,
    }
    if endpoint.body:
        out["requestBody"] = {"required": True} | json_content(reference(endpoint.body))
    return out


def openapi_document(base_url: str, context_max_tokens: int = 8000, catalogue: dict[str, set[str]] | None = None) -> dict:
    """The whole OpenAPI 3.1 document; the context budget's maximum as configured, and the values the collection
    holds for its publisher, document and local_authority filters ("" is no filter)."""
    _, definitions = models_json_schema([(m, "serialization") for m in MODELS], ref_template="#/components/schemas/{model}")
    paths: dict = {}
    for endpoint in ENDPOINTS:
        paths.setdefault(endpoint.path, {})[endpoint.method] = operation(endpoint)
    listed = (p for name, path in paths.items() if name != "/api/compare" for op in path.values() for p in op["parameters"])
    for param in listed:  # /api/compare names any council, and says which the collection does not hold
        if param["name"] == "budget":
            param["schema"] = param["schema"] | {"maximum": context_max_tokens}
        if param["name"] in (catalogue or {}):
            values = {"enum": [*sorted(catalogue[param["name"]]), ""]}
            schema = param["schema"]
            param["schema"] = schema | {"items": schema["items"] | values} if "items" in schema else schema | values
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Children's social care search",
            "version": "1",
            "description": "Hybrid search over reviews, guidance, Ofsted inspection reports and survey write-ups about "
            "children's social care in England. Every result is a verbatim passage with its citation.",
        },
        "servers": [{"url": base_url}],
        "paths": paths,
        "components": {"schemas": definitions.get("$defs", {})},
    }


def this_document() -> dict:
    """The document for this app's public address and settings."""
    searcher = current_app.extensions["searcher"]
    values = searcher.catalogue() | {"index": searcher.searchable()}  # the versions kept: any other is gone (410)
    spec = openapi_document(current_app.config["BASE_URL"], current_app.config["SETTINGS"].context_max_tokens, values)
    store = searcher.current().store
    if first := next((store.document_passages(name)[:1] for name in sorted(store.documents)), None):
        key = spec["paths"]["/api/passages/{key}"]["get"]["parameters"][0]
        key["examples"] = {"a passage": {"value": passage_key(first[0])}}  # so a client can try one that exists
    if councils := sorted(searcher.councils(searcher.current())):
        name = spec["paths"]["/api/councils/{name}"]["get"]["parameters"][0]
        name["examples"] = {"a council": {"value": councils[0]}}
    return spec


@bp.get("/api/openapi.json")
def document():
    return jsonify(this_document())


@bp.get("/api/docs")
def docs():
    return render_template("api_docs.html", spec=this_document(), endpoints=ENDPOINTS)
