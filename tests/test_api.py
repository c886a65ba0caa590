"""The API researchers build on: its OpenAPI document, a Schemathesis contract run, batch, context, versions,
CORS and caching (fixture corpus, test-double embedder)."""

from __future__ import annotations

import json
import re

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openapi_spec_validator import validate
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from index.search import Searcher
from ingest.build import build_index
from ingest.chunking import count_tokens
from search_app import create_app
from search_app.openapi import ENDPOINTS
from tests.conftest import fake_config, make_corpus

CONTRACT_CASES = 60  # generated cases per operation
# Every check but "positive data acceptance": a schema-valid query may still be refused with a 400 ("AND OR NOT"
# has only common words; a publisher must exist), as the document says.
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          response_headers_conformance]  # fmt: skip


@pytest.fixture(scope="module")
def app(fake_built, fake_searcher):
    return create_app({"CONFIG_FILE": str(fake_built[0].source), "TESTING": True}, searcher=fake_searcher)


@pytest.fixture(scope="module")
def client(app):
    return app.test_client()


def test_the_openapi_document_is_valid_openapi_3_1(client):
    spec = client.get("/api/openapi.json").get_json()
    assert spec["openapi"] == "3.1.0"
    validate(spec)


def test_every_api_route_is_in_the_document(app, client):
    spec = client.get("/api/openapi.json").get_json()
    routes = {(re.sub(r"<(\w+)>", r"{\1}", rule.rule), method.lower()) for rule in app.url_map.iter_rules()
              for method in rule.methods
              if (rule.rule.startswith("/api/") or rule.rule == "/healthz") and method in ("GET", "POST")
              and rule.rule != "/api/docs"}  # fmt: skip
    documented = {(path, method) for path, operations in spec["paths"].items() for method in operations}
    assert routes == documented


def test_the_search_parameters_in_the_document_are_the_parsers(client):
    from search_app.params import PARAMETERS

    spec = client.get("/api/openapi.json").get_json()
    names = [p["name"] for p in spec["paths"]["/api/search"]["get"]["parameters"]]
    assert names == list(PARAMETERS)


def test_the_docs_page_works_offline(client):
    page = client.get("/api/docs").get_data(as_text=True)
    assert "GET /api/search" in page and "POST /api/search/batch" in page and "/api/openapi.json" in page
    scripts = re.findall(r"<script[^>]*>", page)
    assert all('src="/static/' in tag for tag in scripts) and "cdn" not in page.lower() and "https://" not in page


@pytest.fixture(scope="module")
def api_schema(app):
    return schemathesis.openapi.from_wsgi("/api/openapi.json", app)


@pytest.mark.parametrize(
    "endpoint, mode",
    [(e, m) for e in ENDPOINTS for m in GenerationMode if m == GenerationMode.POSITIVE or e.parameters or e.body],
    ids=lambda value: value.value if isinstance(value, GenerationMode) else f"{value.method.upper()} {value.path}",
)
def test_api_contract(api_schema, endpoint, mode):
    """Schemathesis cases for each operation: no server error; every answer matches its schema, status and
    content type; errors have the one shape. (Its pytest plugin does not load under pytest 9, so the
    operation's Hypothesis strategy is run directly.)"""
    operation = api_schema[endpoint.path][endpoint.method.upper()]
    seen = []

    @settings(max_examples=CONTRACT_CASES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(case=operation.as_strategy(mode))
    def run(case):
        response = case.call()
        seen.append(response.status_code)
        case.validate_response(response, checks=CHECKS)
        assert response.status_code < 500
        if response.status_code >= 400:
            body = response.json()
            assert set(body) == {"error"} and set(body["error"]) == {"status", "message"}

    run()
    print(f"{endpoint.method.upper()} {endpoint.path} ({mode.value}): {len(seen)} cases, statuses {sorted(set(seen))}")
    assert len(seen) >= (10 if endpoint.parameters or endpoint.body else 1)


@pytest.mark.parametrize("path, method", [("/api/nothing", "get"), ("/api/search", "delete"), ("/healthz", "put")])
def test_404_and_405_have_the_one_error_shape(client, path, method):
    response = getattr(client, method)(path)
    body = response.get_json()
    assert response.status_code in (404, 405) and body["error"]["status"] == response.status_code


def batch(client, queries) -> tuple[int, dict]:
    response = client.post("/api/search/batch", json={"queries": queries})
    return response.status_code, response.get_json()


def test_a_batch_answers_each_query_in_order_and_one_bad_query_fails_alone(client):
    queries = [
        {"id": "a", "q": "foster carers", "k": 3},
        {"id": "b", "q": "", "k": 3},
        {"id": "c", "q": "care leavers", "kind": ["guidance"], "mode": "keyword"},
        {"id": "d", "q": "care", "kind": "novel"},
        {"id": "e", "q": "care", "index": "19990101T000000-1"},
    ]
    status, body = batch(client, queries)
    assert status == 200 and [r["id"] for r in body["results"]] == ["a", "b", "c", "d", "e"]
    assert [r.get("error", {}).get("status") for r in body["results"]] == [None, 400, None, 400, 410]
    single = client.get("/api/search?q=care+leavers&kind=guidance&mode=keyword").get_json()
    assert body["results"][2]["results"] == single["results"] and body["results"][2]["total"] == single["total"]
    assert body["index"] == single["index"]


@pytest.mark.parametrize(
    "payload, status, words",
    [
        ({"queries": [{"id": str(n), "q": "care"} for n in range(101)]}, 400, "at most 100"),
        ({"queries": []}, 400, "queries"),
        ({"queries": [{"q": "care"}]}, 400, "queries.0.id"),
        ({"nothing": 1}, 400, "queries"),
        ({"queries": [{"id": "x", "q": "care", "k": {"a": 1}}]}, 200, "must be text"),
    ],
)
def test_bad_batches_are_refused_with_a_clear_message(client, payload, status, words):
    response = client.post("/api/search/batch", json=payload)
    assert response.status_code == status and words in json.dumps(response.get_json())
    assert client.post("/api/search/batch", data="q=care").status_code == 415


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(budget=st.integers(min_value=1, max_value=3000), q=st.sampled_from(["care leavers", "foster carers", "homes"]))
def test_the_context_never_exceeds_its_budget(client, budget, q):
    body = client.get(f"/api/context?q={q}&budget={budget}").get_json()
    assert body["tokens"] == count_tokens(body["text"]) <= budget
    assert [p["rank"] for p in body["passages"]] == sorted(p["rank"] for p in body["passages"])
    for passage in body["passages"]:
        assert passage["text"] in body["text"] and passage["citation"] in body["text"]


def test_the_context_takes_the_search_filters_and_refuses_paging(client):
    body = client.get("/api/context?q=care&budget=2000&kind=inspection").get_json()
    assert body["passages"] and all("Ofsted" in p["citation"] for p in body["passages"])
    assert client.get("/api/context?q=care&k=5").status_code == 400
    assert client.get("/api/context?q=care&budget=0").status_code == 400


def test_a_kept_index_version_can_be_searched_and_a_gone_one_is_a_410(tmp_path, fake_embedder):
    corpus = make_corpus(tmp_path)
    config = fake_config(tmp_path, corpus)
    first = build_index(config, fake_embedder).version
    (corpus / "new.txt").write_text("Kinship carers asked for respite breaks.")
    second = build_index(config, fake_embedder).version
    client = create_app({"CONFIG_FILE": str(config.source)}, searcher=Searcher(config, fake_embedder)).test_client()
    old = client.get(f"/api/search?q=respite+breaks&mode=keyword&index={first}").get_json()
    new = client.get("/api/search?q=respite+breaks&mode=keyword").get_json()
    assert old["index"] == first and new["index"] == second and old["total"] < new["total"]
    assert f"index={second}" in client.get("/api/search?q=care&k=1").get_json()["next"]
    (corpus / "other.txt").write_text("Another note.")
    build_index(config, fake_embedder)
    gone = client.get(f"/api/search?q=care&index={first}")
    assert gone.status_code == 410 and "not kept any more" in gone.get_json()["error"]["message"]
    assert client.get("/api/search?q=care&index=../../etc").status_code == 400  # never a version: a bad request


def test_cors_on_the_api(client):
    response = client.get("/api/search?q=care", headers={"Origin": "https://notebook.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    preflight = client.options("/api/search/batch", headers={
        "Origin": "https://notebook.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "Content-Type"})  # fmt: skip
    assert preflight.status_code == 200 and "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert "Access-Control-Allow-Origin" not in client.get("/", headers={"Origin": "https://x.example"}).headers


def test_document_pages_and_originals_have_an_etag_and_cache_control(client):
    page = client.get("/documents/practice-note")
    assert page.headers["ETag"] and "max-age=300" in page.headers["Cache-Control"]
    again = client.get("/documents/practice-note", headers={"If-None-Match": page.headers["ETag"]})
    assert again.status_code == 304
    other = client.get("/documents/practice-note?passage=1")
    assert other.headers["ETag"] != page.headers["ETag"]
    original = client.get("/documents/fostering-report/file")
    assert original.headers["ETag"] and "max-age=300" in original.headers["Cache-Control"]


def test_results_carry_passage_id_and_pdf_url(client):
    body = client.get("/api/search?q=foster+carers&k=20").get_json()
    pdfs = [r for r in body["results"] if r["document"]["id"] == "fostering-report"]
    assert pdfs and pdfs[0]["pdf_url"].endswith(f"/documents/fostering-report/file#page={pdfs[0]['page']}")
    texts = [r for r in body["results"] if r["document"]["id"] == "practice-note"]
    assert all(r["pdf_url"] is None for r in texts) and all(isinstance(r["passage_id"], int) for r in body["results"])


def test_a_weak_answer_says_so(client):
    body = client.get("/api/search?q=banana+bread+recipe").get_json()
    assert body["results"] and body["low_confidence"] is True
    assert client.get("/api/search?q=care+leavers").get_json()["low_confidence"] is False


@pytest.mark.parametrize(
    "path, name",
    [("/api/documents?q=care", "q"), ("/api/documents?k=5", "k"), ("/api/documents?index=bogus", "index"),
     ("/api/documents?mode=keyword", "mode"), ("/api/context?q=care&format=csv", "format"),
     ("/api/context?q=care&fold=off", "fold")],
)  # fmt: skip
def test_an_endpoint_refuses_what_it_does_not_read(client, path, name):
    refused = client.get(path)
    assert refused.status_code == 400 and f"Unknown parameter {name!r}" in refused.get_json()["error"]["message"]


def test_a_query_string_that_is_not_utf8_is_refused_not_searched(client):
    refused = client.get("/api/search?q=%ED%A0%80")
    assert refused.status_code == 400 and "not valid UTF-8" in refused.get_json()["error"]["message"]
    assert client.get("/api/search?q=caf%C3%A9+care").status_code == 200


def test_a_405_says_which_methods_and_a_body_over_1_mb_is_a_json_413(client):
    answer = client.post("/api/search?q=care")
    assert answer.status_code == 405 and "GET" in answer.headers["Allow"] and answer.get_json()["error"]["status"] == 405
    big = client.post("/api/search/batch", data=b"x" * (2 << 20), content_type="application/json")
    assert big.status_code == 413 and big.get_json()["error"]["status"] == 413


def test_the_context_skips_a_passage_too_long_for_what_is_left_and_says_when_nothing_fits(client):
    whole = client.get("/api/context?q=care+leavers&budget=8000").get_json()
    sizes = [count_tokens(f"{p['text']}\n— {p['citation']}. {p['url']}") for p in whole["passages"]]
    budget = min(sizes[0] - 1, max(sizes[1:]) + 5)  # the best passage does not fit; a later one does
    packed = client.get(f"/api/context?q=care+leavers&budget={budget}").get_json()
    assert packed["passages"] and packed["passages"][0]["rank"] > whole["passages"][0]["rank"]
    assert packed["tokens"] == count_tokens(packed["text"]) <= budget and not packed["notice"]
    empty = client.get("/api/context?q=care+leavers&budget=5").get_json()
    assert not empty["passages"] and empty["notice"].startswith("No passage fits within 5 tokens")


def test_short_citations_number_the_passages_and_list_the_sources_once(client):
    short = client.get("/api/context?q=care+leavers&budget=600&citations=short").get_json()
    full = client.get("/api/context?q=care+leavers&budget=600").get_json()
    assert short["citations"] == "short" and short["text"].startswith("[1] ") and "\nSources:\n[1] " in short["text"]
    assert len(short["passages"]) >= len(full["passages"]) and short["tokens"] <= 600
    assert client.get("/api/context?q=care&citations=long").status_code == 400


def test_the_catalogue_downloads_as_csv_with_pages_and_passages_per_document(client):
    import csv
    import io

    catalogue = client.get("/api/documents?kind=inspection").get_json()["documents"]
    download = client.get("/api/documents?kind=inspection&format=csv")
    assert download.mimetype == "text/csv" and "catalogue.csv" in download.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(download.get_data().decode("utf-8-sig"))))
    assert [(r["id"], int(r["pages"]), int(r["passages"])) for r in rows] == [
        (d["id"], d["pages"], d["passages"]) for d in catalogue
    ]
    assert all(d["passages"] > 0 and d["pages"] > 0 for d in catalogue)
    assert rows[0]["judgement"] == catalogue[0]["judgements"]["overall"] and rows[0]["inspection_start"]
    assert client.get("/api/documents?format=ris").status_code == 400


def test_what_the_schema_allows_is_answered_not_refused(client):
    """Schema-valid requests that find nothing are answers with a notice, not 400s (Schemathesis, all checks)."""
    common = client.get("/api/search?q=AND+OR+NOT").get_json()
    assert common["total"] == 0 and common["results"] == [] and "only common words" in common["notice"]
    swapped = client.get("/api/search?q=care&date_from=2025&date_to=2024").get_json()
    assert swapped["total"] == 0 and swapped["notice"].startswith("date_from is after date_to")
    assert client.get("/api/documents?date_from=2025&date_to=2024").get_json()["count"] == 0
    body = client.get("/api/search?q=care+leavers&mode=keyword&k=100&offset=995").get_json()
    assert body["offset"] == 995 and len(body["results"]) <= 5  # the last page is cut at 1,000, not refused
    assert client.get("/api/search?q=care&offset=1000").status_code == 400


def test_the_document_lists_the_values_the_collection_holds(app, client):
    spec = client.get("/api/openapi.json").get_json()
    parameters = {p["name"]: p["schema"] for p in spec["paths"]["/api/search"]["get"]["parameters"]}
    searcher = app.extensions["searcher"]
    assert set(parameters["publisher"]["items"]["enum"]) == searcher.catalogue()["publisher"] | {""}
    assert set(parameters["index"]["enum"]) == searcher.index.kept() | {""}
    assert parameters["q"]["minLength"] == 1 and "" in parameters["kind"]["items"]["enum"]


def test_a_date_of_spaces_is_refused_as_the_document_says(client):
    assert client.get("/api/search?q=care&date_from=+").status_code == 400
    assert client.get("/api/search?q=care&date_from=").status_code == 200  # the form's empty field: no limit


def test_a_kept_build_of_an_older_format_is_gone_not_a_server_error(tmp_path, fake_embedder):
    """After an upgrade the build kept for --rollback is of the older format: searching it was a 503 (Schemathesis
    found it through the document's list of versions, which listed it)."""
    corpus = make_corpus(tmp_path)
    config = fake_config(tmp_path, corpus)
    first = build_index(config, fake_embedder).version
    (corpus / "new.txt").write_text("Kinship carers asked for respite breaks.")
    build_index(config, fake_embedder)
    manifest = config.index / "builds" / first / "manifest.json"
    data = json.loads(manifest.read_text())
    data["format"] -= 1
    manifest.write_text(json.dumps(data))
    client = create_app({"CONFIG_FILE": str(config.source)}, searcher=Searcher(config, fake_embedder)).test_client()
    gone = client.get(f"/api/search?q=care&index={first}")
    assert gone.status_code == 410 and "older version of this service" in gone.get_json()["error"]["message"]
    listed = client.get("/api/openapi.json").get_json()["paths"]["/api/search"]["get"]["parameters"]
    (index,) = [p for p in listed if p["name"] == "index"]
    assert first not in index["schema"]["enum"]
