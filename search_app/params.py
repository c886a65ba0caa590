"""The search parameters, read once for both the page and the API: unknown, repeated or bad ones are refused."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from dataclasses import dataclass, replace

from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import NotFound

from index.filters import Filters, date_span
from index.models import FINDINGS, GRADES, KINDS
from index.query import QueryError
from index.request import AGGREGATIONS, MAX_RESULTS, MODES, SearchRequest
from ingest.metadata import ROLES

FORMATS = ("json", "csv", "jsonl", "ris", "bibtex")
CHOICES = {"kind": KINDS, "judgement": GRADES, "role": ROLES, "finding": FINDINGS, "mode": MODES,
           "group": ("document", ""), "format": FORMATS, "operator": ("or", "and"), "require": ("keyword", "")}  # fmt: skip
SWITCH = {"on": True, "true": True, "1": True, "yes": True, "off": False, "false": False, "0": False, "no": False}
CATALOGUED = {  # filters whose values come from the collection: what an unknown one means, and where the list is
    "local_authority": "No Ofsted report about {value!r} is in this collection",
    "publisher": "No document from a publisher {value!r} is in this collection",
    "document": "No document {value!r} is in this collection",
}
LISTED = {"local_authority": "/documents?kind=inspection", "publisher": "/documents", "document": "/documents"}
NUMBER = re.compile(r"[0-9]{1,6}")
DOCUMENT_FIELDS = "|".join(name for name in AGGREGATIONS if name not in ("role", "finding"))
AGGS_PATTERN = rf"^(role|finding|({DOCUMENT_FIELDS})(,({DOCUMENT_FIELDS}))*)$"
# YYYY, YYYY-MM or a real YYYY-MM-DD; empty is no limit (the search form sends its empty date fields)
DATE_SCHEMA = {
    "type": "string",
    "anyOf": [{"pattern": r"^[0-9]{4}(-(0[1-9]|1[0-2]))?$"}, {"format": "date"}, {"maxLength": 0}],
}


@dataclass(frozen=True)
class Param:
    """One query parameter: its JSON Schema and meaning (the parser and the OpenAPI document both read these)."""

    schema: dict
    description: str
    repeatable: bool = False
    required: bool = False


# Every search parameter, declared once.
PARAMETERS = {
    "q": Param(
        {"type": "string", "minLength": 1, "maxLength": 500, "pattern": r"\S"},
        'The question or words; "exact words" in double quotes form a phrase. A query with no word to search for '
        "(only punctuation, or only common words) is answered with no results and a notice.",
        required=True,
    ),
    "mode": Param(
        {"type": "string", "enum": list(MODES), "default": "hybrid"},
        "How passages are matched and ranked. keyword: passages holding the words (see operator and stem), by "
        "BM25; total is exact. semantic: the passages nearest in meaning, whatever words they use: every passage "
        "is near to some degree, so total counts the nearest ranked (total_relation gte when more are as near). "
        "hybrid: both lists fused: the passages holding the words plus the 100 nearest in meaning; total is "
        "exact. With filters that leave few passages, the nearest in meaning are all of them: add require=keyword "
        "to keep only passages holding the words.",
    ),
    "k": Param({"type": "integer", "minimum": 0, "maximum": 100, "default": 10}, "Page size; 0: counts only."),
    "offset": Param(
        {"type": "integer", "minimum": 0, "maximum": MAX_RESULTS - 1, "default": 0},
        "Where the page starts, up to 999; page on past it with `cursor`.",
    ),
    "cursor": Param(
        {"type": "string", "maxLength": 400},
        "The `cursor` of the previous page's answer: the next page of the same search on the same index version, "
        "however deep (give it instead of index; an offset with it skips that many more).",
    ),
    "operator": Param(
        {"type": "string", "enum": ["or", "and"], "default": "or"},
        "Keyword matching: or, a passage holding any of the words (words found in over half of all passages are "
        "left out); and, every word. Quoted phrases are always required.",
    ),
    "stem": Param(
        {"type": "string", "enum": ["on", "off"], "default": "on"},
        "on: words match by their stems ('sufficiency' finds 'sufficient'); off: only as typed (case aside).",
    ),
    "require": Param(
        {"type": "string", "enum": ["keyword"]},
        "keyword: hybrid and semantic searches keep only passages the keyword matching holds.",
    ),
    "added_since": Param(
        {"type": "string", "anyOf": [{"pattern": r"^[0-9]{8}T[0-9]{6}(\.[0-9]{6})?-[0-9]+$"}, *DATE_SCHEMA["anyOf"]]},
        "Only documents first indexed, or changed, after this index version (the `index` of an earlier answer) "
        "or on or after this date (YYYY, YYYY-MM or YYYY-MM-DD): what is new since you last looked.",
    ),
    "aggs": Param(
        {"type": "string", "pattern": AGGS_PATTERN},
        f"Count every match by these fields ({', '.join(AGGREGATIONS)}; year and month are date histograms), in "
        "passages and documents; document fields joined by commas count each combination "
        "(local_authority,judgement: each council with its grade). With k=0 nothing else is fetched.",
        True,
    ),
    "kind": Param({"type": "string", "enum": list(KINDS)}, "Keep documents of these kinds.", True),
    "publisher": Param({"type": "string"}, "Keep documents from these publishers.", True),
    "document": Param({"type": "string"}, "Keep these documents (ids).", True),
    "local_authority": Param({"type": "string"}, "Keep Ofsted reports about these councils.", True),
    "judgement": Param({"type": "string", "enum": list(GRADES)}, "Keep Ofsted reports with this overall grade.", True),
    "role": Param({"type": "string", "enum": list(ROLES)}, "Keep passages quoting a respondent in this role.", True),
    "finding": Param(
        {"type": "string", "enum": list(FINDINGS)},
        "Keep passages of Ofsted reports with this finding: weakness (a shortcoming stated: each 'What needs to "
        "improve?' point, or a sentence with a critical phrase such as 'not all', 'too many', 'does not'), "
        "strength (a favourable judgement and no shortcoming) or neutral (no judgement).",
        True,
    ),
    "date_from": Param(DATE_SCHEMA, "Earliest document date: YYYY, YYYY-MM or YYYY-MM-DD."),
    "date_to": Param(DATE_SCHEMA, "Latest document date: YYYY, YYYY-MM or YYYY-MM-DD."),
    "group": Param({"type": "string", "enum": ["document"]}, "One entry per document, with up to 3 passages."),
    "fold": Param({"type": "string", "enum": ["on", "off"], "default": "on"}, "Show near-duplicate passages once."),
    "named": Param(
        {"type": "string", "enum": ["on", "off"], "default": "on"},
        "on: when the query names a council ('Salford', 'Southend'; 'Reading' with its capital letter), its Ofsted "
        "reports come first, ranked for the rest of the query; off: every document ranked together.",
    ),
    "index": Param({"type": "string"}, "Search this kept index version (the current or the previous one)."),
    "format": Param(
        {"type": "string", "enum": list(FORMATS), "default": "json"},
        "json: a page of results; csv, jsonl (a row per passage), ris, bibtex (an entry per document cited): every "
        "match as a download, in rank order (a semantic search: its first 1,000; at most [server] export_max_rows), "
        "whatever k, offset, cursor, group and aggs say (they shape a JSON page).",
    ),
}
SINGLE = tuple(name for name, param in PARAMETERS.items() if not param.repeatable)
FILTERS = ("kind", "publisher", "document", "local_authority", "judgement", "role", "finding")
DOCUMENT_FILTERS = ("kind", "publisher", "document", "local_authority", "judgement", "date_from", "date_to")
CONTEXT_READS = tuple(
    name for name in PARAMETERS if name not in ("k", "offset", "cursor", "group", "fold", "format", "aggs")
)
REPEATABLE = tuple(name for name, param in PARAMETERS.items() if param.repeatable)


def number(name: str, value: str) -> int:
    if not NUMBER.fullmatch(value.strip()):
        raise QueryError(f"{name} must be a whole number written with the digits 0-9, got {value[:20]!r}.")
    return int(value.strip())  # strip() also takes control characters int() refuses ("0\x1f")


def choice(name: str, value: str, catalogue: dict[str, set[str]]) -> str:
    """A filter value checked against its vocabulary (or the catalogue's values), in its canonical spelling."""
    allowed = CHOICES.get(name) or sorted(catalogue.get(name, ()))
    canonical = {v.lower(): v for v in allowed}
    if value.strip().lower() not in canonical:
        if name in CATALOGUED:
            raise QueryError(f"{CATALOGUED[name].format(value=value[:60])}: the {len(allowed)} in this collection are "
                             f"listed at {LISTED[name]} (as JSON at /api{LISTED[name]}).")  # fmt: skip
        raise QueryError(f"Unknown {name} {value[:60]!r}: use one of {', '.join(allowed)}.")
    return canonical[value.strip().lower()]


def read_aggs(value: str) -> str:
    """An aggregation asked for: a field, or document fields joined by commas (each once)."""
    fields = [field.strip().lower() for field in value.split(",")]
    if not re.fullmatch(AGGS_PATTERN, ",".join(fields)):
        raise QueryError(f"Unknown aggs {value[:60]!r}: use one of {', '.join(AGGREGATIONS)}, or document fields "
                         "joined by commas (role and finding stand alone).")  # fmt: skip
    return ",".join(dict.fromkeys(fields))


def read_date(name: str, value: str) -> str:
    if not date_span(value)[0]:
        raise QueryError(f"{name} must be a date written YYYY, YYYY-MM or YYYY-MM-DD, got {value[:20]!r}.")
    return value


def read_request(
    args: MultiDict,
    catalogue: dict[str, set[str]],
    ignore: tuple[str, ...] = (),
    extra: tuple[str, ...] = (),
    only: tuple[str, ...] = (),
) -> SearchRequest:
    """The search a query string asks for; QueryError naming the parameter for anything unknown, repeated or bad.
    `extra` names an endpoint's own parameters, read by it (`format`, checked here, is read by the exports);
    `ignore` ones are allowed and not read; with `only`, just those (and `extra`) are taken: an endpoint refuses
    what it does not read."""
    known = (only or SINGLE + REPEATABLE) + extra
    for name in args:
        if name in ignore:
            continue
        if name not in known:
            raise QueryError(f"Unknown parameter {name[:40]!r}: use {', '.join(known)}.")
        if name not in REPEATABLE and len(args.getlist(name)) > 1:
            raise QueryError(f"Parameter {name!r} was given {len(args.getlist(name))} times; give it once.")
    get = args.get
    chosen = {
        name: tuple(dict.fromkeys(choice(name, v, catalogue) for v in args.getlist(name) if v.strip()))
        for name in REPEATABLE
        if name != "aggs"
    }
    aggs = tuple(dict.fromkeys(read_aggs(v) for v in args.getlist("aggs") if v.strip()))
    dates = {name: read_date(name, get(name)) for name in ("date_from", "date_to") if get(name, "")}  # "" is no limit
    switches = {name: get(name, "on").strip().lower() for name in ("fold", "named", "stem")}
    for name, value in switches.items():
        if value not in SWITCH:
            raise QueryError(f"{name} must be on or off, got {value[:20]!r}.")
    choice("format", get("format") or "json", catalogue)
    offset = number("offset", get("offset")) if get("offset", "").strip() else 0
    if offset >= MAX_RESULTS:
        raise QueryError(f"offset must be between 0 and {MAX_RESULTS - 1}; page on past it with the previous "
                         "page's cursor.")  # fmt: skip
    asked = SearchRequest(
        get("q", ""),
        k=number("k", get("k")) if get("k", "").strip() else None,
        offset=offset,
        mode=choice("mode", get("mode") or "hybrid", catalogue),
        filters=Filters(**{name: chosen[name] for name in FILTERS}, **dates),
        group=choice("group", get("group", ""), catalogue) == "document",
        fold=SWITCH[switches["fold"]],
        version=get("index", "").strip(),
        named=SWITCH[switches["named"]],
        operator=choice("operator", get("operator") or "or", catalogue),
        stem=SWITCH[switches["stem"]],
        require=choice("require", get("require", ""), catalogue),
        aggs=aggs,
        added_since=get("added_since", "").strip(),
    )
    if get("cursor", "").strip():  # with offset: that many more on from the cursor
        return follow(asked, get("cursor").strip(), get("index", "").strip())
    return asked


def fingerprint(asked: SearchRequest) -> str:
    """What a cursor must come back with: the search, whatever the page size, start and aggregations."""
    search = replace(asked, k=None, offset=0, version="", aggs=())
    return hashlib.sha256(repr(search).encode()).hexdigest()[:16]


def cursor(asked: SearchRequest, version: str, offset: int) -> str:
    """An opaque token for the page at `offset` of the search `asked`, on index `version`."""
    token = json.dumps({"index": version, "offset": offset, "search": fingerprint(asked)}, separators=(",", ":"))
    return base64.urlsafe_b64encode(token.encode()).decode().rstrip("=")


def follow(asked: SearchRequest, token: str, version: str) -> SearchRequest:
    """The request a cursor continues: its index version and start; NotFound for a cursor this service did not give
    or that belongs to another search, QueryError for an `index` beside it that is not its own."""
    try:
        found = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        where, offset, search = str(found["index"]), int(found["offset"]), str(found["search"])
    except (ValueError, TypeError, KeyError, binascii.Error):  # as Elasticsearch answers a search_after it lost
        raise NotFound("No page for this cursor: pass the `cursor` of the previous page as it came.") from None
    if search != fingerprint(asked) or offset < 0:
        raise NotFound("No page for this cursor in this search: it belongs to another (keep q, mode and the filters "
                       "as they were), or start over without a cursor.")  # fmt: skip
    if version and version != where:
        raise QueryError(f"cursor pages through index {where}, not {version[:60]!r}: leave out index.")
    return replace(asked, offset=offset + asked.offset, version=where)
