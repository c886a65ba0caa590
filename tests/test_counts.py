"""Numbers a researcher can publish: counts over every match, aggregations, cursors, matching options, bulk
passages and streamed exports, on the fixture corpus (test double), checked against FTS5 and regular expressions
read independently of the search."""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3

import pytest

from index.backends.embedded.folders import DATABASE, current_build
from index.request import MAX_RESULTS, SearchRequest
from tests.test_filters import NOTTS, api, build_filters_corpus  # noqa: F401  (the same fixture corpus)
from tests.test_filters import built as built  # noqa: F401
from tests.test_filters import client as client  # noqa: F401


def fts_ids(config, expression: str) -> set[int]:
    """Passages FTS5 itself matches for `expression`, read from the published index file."""
    with sqlite3.connect(current_build(config.index) / DATABASE) as db:
        return {row[0] for row in db.execute("SELECT rowid FROM passages_fts WHERE passages_fts MATCH ?", (expression,))}


def texts(config) -> dict[int, tuple[str, str]]:
    """Every passage's (document id, text)."""
    with sqlite3.connect(current_build(config.index) / DATABASE) as db:
        return {i: (d, t) for i, d, t in db.execute("SELECT id, document_id, text FROM passages")}


def test_keyword_counts_are_every_match_as_fts5_counts_them(built, client):
    config, _ = built
    body = api(client, "q=leavers+adviser+housing&mode=keyword&k=0&fold=off")
    expected = fts_ids(config, '"leavers" OR "adviser" OR "housing"')
    assert body["results"] == [] and body["total_relation"] == "eq"
    assert body["total"] == body["passages"] == len(expected) > 10
    by_document = sum(api(client, f"q=leavers+adviser+housing&mode=keyword&k=0&fold=off&document={d}")["total"]
                      for d in body["facets"]["document"])  # fmt: skip
    assert by_document == len(expected)
    owners = {texts(config)[i][0] for i in expected}
    assert body["documents"] == len(owners) and sum(body["facets"]["document"].values()) == len(expected)


def test_folded_total_counts_each_near_duplicate_once(client):
    folded, unfolded = (api(client, f"q=%22present+as+homeless%22&mode=keyword&fold={f}") for f in ("on", "off"))
    assert (folded["total"], unfolded["total"]) == (1, 2) and folded["passages"] == unfolded["passages"] == 2


def test_aggregations_count_every_match_in_passages_and_documents(built, client):
    config, _ = built
    body = api(client, "q=care&mode=keyword&k=0&fold=off&aggs=kind&aggs=local_authority,judgement&aggs=month&aggs=year")
    every = texts(config)
    matched = fts_ids(config, '"care"')
    documents = {d.id: d for d in built[1].current().store.documents.values()}
    kinds: dict[str, list] = {}
    for i in matched:
        if documents[every[i][0]].kind:
            kinds.setdefault(documents[every[i][0]].kind, []).append(every[i][0])
    assert {b["value"]: (b["passages"], b["documents"]) for b in body["aggregations"]["kind"]} == {
        kind: (len(owners), len(set(owners))) for kind, owners in kinds.items()
    }
    (council,) = body["aggregations"]["local_authority,judgement"]
    assert council["value"] == "Nottinghamshire | good" and council["documents"] == 1
    assert council["passages"] == sum(1 for i in matched if every[i][0] == NOTTS)
    months = [b["value"] for b in body["aggregations"]["month"]]
    assert months == sorted(months) and sum(b["passages"] for b in body["aggregations"]["year"]) <= len(matched)


def test_an_aggregation_the_service_does_not_know_is_refused(client):
    for bad in ("council", "role,kind", "month,"):
        response = client.get(f"/api/search?q=care&aggs={bad}")
        assert response.status_code == 400 and "aggs" in response.get_json()["error"]["message"]


def test_a_cursor_pages_through_the_same_list_as_offsets(client):
    query = "q=care&mode=keyword&fold=off&k=7"
    by_offset, offset = [], 0
    while True:
        page = api(client, f"{query}&offset={offset}")
        by_offset += [r["passage_id"] for r in page["results"]]
        if page["next"] is None:
            break
        offset += 7
    by_cursor, page = [], api(client, query)
    while True:
        by_cursor += [r["passage_id"] for r in page["results"]]
        if page["cursor"] is None:
            break
        page = api(client, f"{query}&cursor={page['cursor']}")
    assert by_cursor == by_offset and len(by_cursor) == page["total"] == len(set(by_cursor))


def test_a_cursor_of_another_search_or_a_forged_one_finds_no_page(client):
    cursor = api(client, "q=care&mode=keyword&k=2")["cursor"]
    for query in (f"q=adoption&mode=keyword&k=2&cursor={cursor}", "q=care&mode=keyword&cursor=bm90IGEgY3Vyc29y"):
        response = client.get(f"/api/search?{query}")
        assert response.status_code == 404 and "cursor" in response.get_json()["error"]["message"]


def test_past_the_first_thousand_the_next_link_is_a_cursor(built, client):
    """The fixture corpus has fewer than 1,000 matches, so the link is checked where the list would go on."""
    from search_app.params import cursor

    asked = SearchRequest("care", mode="keyword", k=5)
    token = cursor(asked, built[1].current().version, MAX_RESULTS + 5)
    page = client.get(f"/api/search?q=care&mode=keyword&k=5&cursor={token}").get_json()
    assert page["offset"] == MAX_RESULTS + 5 and page["results"] == [] and page["total"] < MAX_RESULTS


def test_operator_and_keeps_only_passages_holding_every_word(built, client):
    config, _ = built
    every = api(client, "q=care+leavers+adviser&mode=keyword&operator=and&k=0&fold=off")
    some = api(client, "q=care+leavers+adviser&mode=keyword&k=0&fold=off")
    assert every["total"] == len(fts_ids(config, '"care" AND "leavers" AND "adviser"')) < some["total"]


def test_stem_off_matches_the_words_as_typed(built, client):
    config, _ = built
    stemmed = api(client, "q=assessed&mode=keyword&k=0&fold=off")
    typed = api(client, "q=assessed&mode=keyword&k=0&fold=off&stem=off")
    exact = [i for i in fts_ids(config, '"assessed"') if re.search(r"(?<!\w)assessed(?!\w)", texts(config)[i][1], re.I)]
    assert typed["total"] == len(exact) < stemmed["total"]


def test_proximity_finds_words_near_each_other(built, client):
    config, _ = built
    near = api(client, 'q="care leavers"~5&mode=keyword&k=0&fold=off')
    assert near["total"] == len(fts_ids(config, 'NEAR("care" "leavers", 5)')) > 0
    response = client.get('/api/search?q="care leavers"~500&mode=keyword')
    assert response.status_code == 400 and "Proximity" in response.get_json()["error"]["message"]


def test_require_keyword_keeps_a_narrowed_meaning_search_to_the_words(client):
    loose = api(client, f"q=recipe+for+banana+bread&document={NOTTS}&k=0")
    strict = api(client, f"q=recipe+for+banana+bread&document={NOTTS}&k=0&require=keyword")
    assert loose["total"] > 0 and strict["total"] == 0 and strict["match"] == "none"


def test_a_semantic_search_says_it_matched_by_meaning(client):
    body = api(client, "q=care&mode=semantic&k=1")
    assert body["match"] == "meaning" and body["total_relation"] in ("eq", "gte")


def test_every_passage_of_a_version_as_json_lines_and_one_by_its_key(built, client):
    config, _ = built
    response = client.get("/api/passages")
    rows = [json.loads(line) for line in response.get_data(as_text=True).splitlines()]
    assert response.status_code == 200 and response.headers["X-Index-Version"] == built[1].current().version
    assert {r["passage_id"]: (r["document_id"], r["text"]) for r in rows} == texts(config)
    hit = api(client, "q=care+leavers&k=1")["results"][0]
    one = client.get(f"/api/passages/{hit['passage_key']}?document={hit['document']['id']}").get_json()
    assert (one["passage_id"], one["text"], one["url"]) == (hit["passage_id"], hit["text"], hit["url"])
    assert client.get("/api/passages/1.0000000000").status_code == 404
    assert client.get("/api/passages?q=care").status_code == 400


def test_an_export_streams_every_match_not_only_the_first_page(built, client):
    response = client.get("/api/search?q=care&mode=keyword&fold=off&format=csv")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    total = api(client, "q=care&mode=keyword&fold=off&k=0")["total"]
    assert len(rows) == total == int(response.headers["X-Total-Count"])
    assert [int(r["rank"]) for r in rows] == list(range(1, total + 1))


@pytest.mark.parametrize("form", ["csv", "jsonl", "ris"])
def test_an_export_is_cut_at_export_max_rows_and_says_so(built, form):
    from dataclasses import replace

    from index.search import Searcher
    from search_app import create_app

    config, searcher = built
    small = Searcher(replace(config, export_max_rows=3), searcher.embedder)
    app = create_app({"CONFIG_FILE": str(config.source), "TESTING": True}, searcher=small)
    response = app.test_client().get(f"/api/search?q=care&mode=keyword&format={form}")
    assert response.headers["X-Export-Rows"] == "3" and int(response.headers["X-Total-Count"]) > 3
    body = response.get_data(as_text=True)
    rows = {"csv": lambda: len(list(csv.DictReader(io.StringIO(body)))), "jsonl": lambda: body.count("\n"),
            "ris": lambda: body.count("ER  -")}  # fmt: skip
    assert rows[form]() == 3


def test_the_document_count_is_every_document_however_few_values_a_facet_lists(built, client, monkeypatch):
    """Facets list each field's commonest values; the count of documents must not be read from that list."""
    from index import facts

    every = api(client, "q=care&mode=keyword&k=0")
    monkeypatch.setattr(facts, "FACET_VALUES", 2)
    monkeypatch.setattr(facts.Facts.facets, "__defaults__", (2,))
    cut = api(client, "q=care&mode=keyword&k=0")
    assert len(cut["facets"]["document"]) == 2 < every["documents"] == cut["documents"]
