"""Following a story: watched searches as feeds (read by feedparser, as a feed reader would), what is new since a
version or a date, council pages, side by side, and the timeline, on the fixture corpus (test double)."""

from __future__ import annotations

import json

import feedparser
import pytest

from index.search import Searcher
from ingest.build import build_index
from search_app import create_app
from tests.conftest import fake_config, make_corpus

NEW = "Kinship carers told the council that respite breaks were cancelled at short notice, twice in one month."


@pytest.fixture
def growing(tmp_path, fake_embedder):
    """(corpus folder, config, app client, first version) of the fixture corpus, ready to grow."""
    corpus = make_corpus(tmp_path)
    config = fake_config(tmp_path, corpus)
    first = build_index(config, fake_embedder).version
    app = create_app({"CONFIG_FILE": str(config.source), "TESTING": True}, searcher=Searcher(config, fake_embedder))
    return corpus, config, app.test_client(), first


def read_feed(client, query: str):
    response = client.get(f"/feed?{query}")
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    feed = feedparser.parse(response.get_data())
    assert not feed.bozo, feed.bozo_exception
    return feed


def test_a_watched_search_shows_a_new_report_once_and_nothing_twice(growing, fake_embedder):
    corpus, config, client, first = growing
    before = read_feed(client, "q=respite+breaks&mode=keyword&k=20")
    assert before.version == "atom10" and before.feed.title.startswith("Search: respite breaks")
    old_ids = {entry.id for entry in before.entries}
    (corpus / "kinship-note.txt").write_text(NEW)
    build_index(config, fake_embedder)
    after = read_feed(client, "q=respite+breaks&mode=keyword&k=20")
    new = [entry for entry in after.entries if entry.id not in old_ids]
    assert [entry.title.split(",")[0] for entry in new] == ["kinship-note"] or all("kinship" in e.id for e in new)
    assert after.entries[0].id == new[0].id  # newest indexed first
    assert {entry.id for entry in after.entries} - {entry.id for entry in new} == old_ids  # nothing repeated
    assert "respite breaks were cancelled" in new[0].content[0].value and new[0].link.endswith("#passage")
    build_index(config, fake_embedder, rebuild=True)  # a rebuild changes row ids, not the entries
    again = read_feed(client, "q=respite+breaks&mode=keyword&k=20")
    assert [entry.id for entry in again.entries] == [entry.id for entry in after.entries]


def test_a_meaning_search_is_watchable_and_json_feed_says_the_same(growing, fake_embedder):
    corpus, config, client, _ = growing
    (corpus / "kinship-note.txt").write_text(NEW)
    build_index(config, fake_embedder)
    atom = read_feed(client, f"q={NEW}&mode=semantic&k=5")
    body = client.get(f"/feed.json?q={NEW}&mode=semantic&k=5")
    feed = json.loads(body.get_data())
    assert body.mimetype == "application/feed+json" and feed["version"] == "https://jsonfeed.org/version/1.1"
    assert [item["id"] for item in feed["items"]] == [entry.id for entry in atom.entries]
    assert "kinship-note" in feed["items"][0]["id"]


def test_added_since_keeps_only_what_is_new(growing, fake_embedder):
    corpus, config, client, first = growing
    (corpus / "kinship-note.txt").write_text(NEW)
    build_index(config, fake_embedder)
    since = client.get(f"/api/search?q=respite+breaks&mode=keyword&added_since={first}").get_json()
    assert {r["document"]["id"] for r in since["results"]} == {"kinship-note"} and since["total"] >= 1
    everything = client.get("/api/search?q=respite+breaks&mode=keyword&added_since=2000").get_json()
    assert everything["total"] > since["total"]
    nothing = client.get("/api/search?q=respite+breaks&mode=keyword&added_since=2999-01-01").get_json()
    assert nothing["total"] == 0 and "No document was added or changed since 2999-01-01" in nothing["notice"]
    assert client.get("/api/search?q=care&added_since=yesterday").status_code == 400


def test_the_results_page_links_its_feed(growing):
    _, _, client, _ = growing
    page = client.get("/?q=foster+carers&kind=guidance&k=20").get_data(as_text=True)
    assert 'href="/feed?q=foster+carers&amp;kind=guidance"' in page and "Watch this search" in page
    assert 'rel="alternate" type="application/atom+xml"' in page
