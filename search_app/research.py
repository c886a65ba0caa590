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
from search_app.api import dump, hit_url, run_search, search_response, searcher
from search_app.limits import expensive
from search_app.params import number, read_request
from search_app.schemas import BatchRequest

bp = Blueprint("research", __name__)


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
            answers.append(search_response(run_search(args), args, schemas.BatchAnswer, id=query.id))
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
    budget = request.args.get("budget", "1000")
    asked = read_request(request.args, searcher().catalogue(), extra=("budget",))
    budget = number("budget", budget) if budget.strip() else 1000
    most = searcher().config.context_max_tokens
    if not 1 <= budget <= most or len(request.args.getlist("budget")) > 1:
        raise QueryError(f"budget must be one whole number of tokens between 1 and {most} ([server] context_max_tokens).")
    results = searcher().search(replace(asked, k=searcher().config.max_k, offset=0, group=False, fold=True))
    text, passages = fit_context(results.hits, budget)
    answer = schemas.ContextResponse(query=results.query.text, index=results.version, budget=budget,
                                     tokens=count_tokens(text), text=text, passages=passages)  # fmt: skip
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


def fit_context(hits: list[Hit], budget: int) -> tuple[str, list[schemas.ContextPassage]]:
    """The best passages in rank order, each followed by its citation, as long as the whole fits `budget` tokens."""
    blocks, passages = [], []
    for hit in hits:
        block = f"{hit.passage.text}\n— {citation(hit)}. {hit_url(hit, external=True)}"
        if count_tokens("\n\n".join([*blocks, block])) > budget:
            break
        blocks.append(block)
        passages.append(schemas.ContextPassage(rank=hit.rank, passage_id=hit.passage.id, text=hit.passage.text,
                                               citation=citation(hit), url=hit_url(hit, external=True)))  # fmt: skip
    return "\n\n".join(blocks), passages
