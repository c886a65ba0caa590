"""Endpoints for researchers' scripts: many searches in one request, and passages sized for a language model."""

from __future__ import annotations

from dataclasses import replace

from flask import Blueprint, jsonify, request
from pydantic import ValidationError
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import UnsupportedMediaType

from index.models import Hit
from index.query import QueryError
from index.search import IndexGone, UnknownDocument, citation
from ingest.chunking import count_tokens
from search_app import schemas
from search_app.api import dump, external_url, hit_url, run_search, search_response, searcher
from search_app.limits import expensive
from search_app.params import CONTEXT_READS, number, read_request
from search_app.schemas import BatchRequest

bp = Blueprint("research", __name__)
SEPARATOR_TOKENS = 2  # the blank line between blocks, and a citation's own line in the short style


def batch_args(query: dict) -> MultiDict:
    """A batch query's fields as the query string of one search (lists for repeatable parameters)."""
    args = MultiDict()
    for name, value in query.items():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, dict | list) or item is None:
                raise QueryError(f"Parameter {name[:40]!r} must be text, a number or a list of them.")
            args.add(name, str(item).lower() if isinstance(item, bool) else str(item))
    return args


@bp.post("/api/search/batch")
@expensive
def batch():
    if not request.is_json:
        raise UnsupportedMediaType("Send the batch as JSON with Content-Type: application/json.")
    try:
        body = BatchRequest.model_validate(request.get_json(silent=True))
    except RecursionError:  # the JSON decoder's own limit
        raise QueryError('Batch body: JSON nested too deeply; send {"queries": [{"id": ..., "q": ...}]}.') from None
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        raise QueryError(f"Batch {where}: {first['msg']}. Send {{\"queries\": [{{\"id\": ..., \"q\": ...}}]}}, "
                         "at most 100.") from None  # fmt: skip
    check_batch_cost(body)
    answers = []
    for query in body.queries:
        fields = query.model_dump()
        try:
            args = batch_args({k: v for k, v in fields.items() if k != "id"})
            results, asked = run_search(args)
            answers.append(search_response(results, args, asked, schemas.BatchAnswer, id=query.id))
        except (QueryError, IndexGone, UnknownDocument) as error:
            status = 400 if isinstance(error, QueryError) else 410 if isinstance(error, IndexGone) else 404
            answers.append(schemas.BatchFailure(id=query.id, error=schemas.ErrorBody(status=status, message=str(error))))
    return jsonify(dump(schemas.BatchResponse(index=searcher().current().version, results=answers)))


@bp.get("/api/context")
@expensive
def context():
    for name in ("k", "offset", "group"):
        if name in request.args:
            raise QueryError(f"Unknown parameter {name!r} for /api/context: the budget decides how many passages.")
    budget, style = request.args.get("budget", "1000"), request.args.get("citations", "full")
    asked = read_request(request.args, searcher().catalogue(), extra=("budget", "citations"), only=CONTEXT_READS)
    budget = number("budget", budget) if budget.strip() else 1000
    most = searcher().config.context_max_tokens
    if not 1 <= budget <= most or len(request.args.getlist("budget")) > 1:
        raise QueryError(f"budget must be one whole number of tokens between 1 and {most} ([server] context_max_tokens).")
    if style not in ("full", "short") or len(request.args.getlist("citations")) > 1:
        raise QueryError(f"citations must be full or short, got {style[:20]!r}.")
    results = searcher().search(replace(asked, k=searcher().config.max_k, offset=0, group=False, fold=True))
    text, passages = fit_context(results.hits, budget, style)
    notice = "" if passages or not results.hits else nothing_fits(results.hits, budget, style)
    answer = schemas.ContextResponse(query=results.query.text, index=results.version, budget=budget, citations=style,
                                     tokens=count_tokens(text), text=text, notice=notice, passages=passages)  # fmt: skip
    return jsonify(dump(answer))


def check_batch_cost(body: BatchRequest) -> None:
    """QueryError when a batch asks for more results, or more query text, than one request may."""
    config = searcher().config
    results = 0
    for query in body.queries:
        k = (query.model_extra or {}).get("k", config.default_k)
        results += int(k) if isinstance(k, int | str) and str(k).isdigit() else config.default_k  # a bad k fails alone
    if results > config.batch_max_results:
        raise QueryError(f"The batch asks for {results:,} results in all, over the limit of {config.batch_max_results:,} "
                         "([server] batch_max_results): lower k, or send fewer queries per batch.")  # fmt: skip
    characters = sum(len(query.q) for query in body.queries)
    if characters > config.batch_max_chars:
        raise QueryError(f"The batch's queries hold {characters:,} characters in all, over the limit of "
                         f"{config.batch_max_chars:,} ([server] batch_max_chars): send fewer per batch.")  # fmt: skip


def fit_context(hits: list[Hit], budget: int, style: str = "full") -> tuple[str, list[schemas.ContextPassage]]:
    """The best passages in rank order that fit `budget` tokens together, each with its citation: after it (full),
    or as a number with the citations listed once at the end (short). A passage too long for what is left is
    skipped, and a shorter one after it may still fit. Each passage's tokens are counted once; the whole is counted
    exactly at the end (and the last taken dropped while it is over, which joining the blocks can rarely make)."""
    chosen: list[Hit] = []
    used = count_tokens(context_text([], style))
    for hit in hits:
        cost = count_tokens(context_text([hit], style)) + SEPARATOR_TOKENS
        if used + cost <= budget:
            chosen.append(hit)
            used += cost
    while chosen and count_tokens(context_text(chosen, style)) > budget:
        chosen.pop()
    passages = [
        schemas.ContextPassage(rank=hit.rank, passage_id=hit.passage.id, text=hit.passage.text,
                               citation=citation(hit), url=hit_url(hit, external=True))
        for hit in chosen
    ]  # fmt: skip
    return context_text(chosen, style), passages


def context_text(hits: list[Hit], style: str) -> str:
    """The block to paste: each passage with its citation and link (full), or with the number of its source and
    the sources listed once at the end (short: passages citing the same document and page share a number)."""
    if style == "full":
        return "\n\n".join(f"{hit.passage.text}\n— {citation(hit)}. {hit_url(hit, external=True)}" for hit in hits)
    numbers: dict[str, int] = {}
    sources, quotes = [], []
    for hit in hits:
        cited = citation(hit)
        if cited not in numbers:
            numbers[cited] = len(numbers) + 1
            url = external_url("pages.document", document_id=hit.document.id)
            sources.append(f"[{numbers[cited]}] {cited}. {url}")
        quotes.append(f"[{numbers[cited]}] {hit.passage.text}")
    return "\n\n".join(quotes + (["Sources:\n" + "\n".join(sources)] if hits else []))


def nothing_fits(hits: list[Hit], budget: int, style: str) -> str:
    """Why the context is empty although passages matched: the fewest tokens one of them needs."""
    needed = min(count_tokens(context_text([hit], style)) for hit in hits)
    return (f"No passage fits within {budget} tokens with its citation: the shortest of the {len(hits)} found needs "
            f"{needed}. Raise budget, or use citations=short.")  # fmt: skip
