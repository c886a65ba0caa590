"""Following a story: watched searches as feeds (read by feedparser, as a feed reader would), what is new since a
version or a date, council pages, side by side, and the timeline, on the fixture corpus (test double)."""

from __future__ import annotations

import email
import email.policy
import json

import feedparser
import pytest

from index.models import GRADES
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


EARLIER = """Inspection of Nottinghamshire local authority children's services

Inspection dates: 1 to 5 March 2021

Judgement Grade
The impact of leaders on social work practice with children and families Requires improvement to be good
The experiences and progress of children who need help and protection Inadequate
The experiences and progress of children in care Good
The experiences and progress of care leavers Requires improvement to be good
Overall effectiveness Requires improvement to be good

What needs to improve?

The timeliness of assessments for children who need help and protection.
"""


@pytest.fixture
def councils(growing, fake_embedder):
    """The fixture corpus with an earlier Nottinghamshire report beside the 2024 one."""
    corpus, config, client, _ = growing
    (corpus / "notts-2021.txt").write_text(EARLIER)
    (corpus / "notts-2021.toml").write_text(
        'title = "Inspection of Nottinghamshire local authority children\'s services"\npublisher = "Ofsted"\n'
        'date = "2021-04-20"\nkind = "inspection"\n'
    )
    assert not build_index(config, fake_embedder).failed
    return client


def test_the_council_table_sorts_and_downloads(councils):
    table = councils.get("/api/councils").get_json()
    (notts,) = [row for row in table["councils"] if row["council"] == "Nottinghamshire"]
    assert notts["reports"] == 2 and notts["overall"] == "good" and notts["inspection_start"] == "2024-05-20"
    by_grade = councils.get("/api/councils?sort=overall&order=desc").get_json()["councils"]
    ranks = [GRADES.index(r["overall"]) if r["overall"] in GRADES else len(GRADES) for r in by_grade]
    assert ranks == sorted(ranks, reverse=True)  # worst first
    csv_text = councils.get("/councils?format=csv").get_data(as_text=True)
    assert csv_text.startswith("\ufeffcouncil,reports,overall") and "Nottinghamshire,2,good" in csv_text
    page = councils.get("/councils?sort=published&order=desc").get_data(as_text=True)
    assert 'aria-sort="descending"' in page and "/councils/Nottinghamshire" in page
    assert councils.get("/councils?sort=colour").status_code == 400


def test_a_council_page_shows_each_grade_moving_over_time(councils):
    facts = councils.get("/api/councils/Nottinghamshire").get_json()
    first, second = facts["reports"]
    assert first["document"]["inspection"]["start"] == "2021-03-01" and first["moved"] == {}
    assert second["grades"]["help_and_protection"] == "good" and second["moved"]["help_and_protection"] == "up"
    assert second["moved"]["leaders"] == "up" and second["moved"]["children_in_care"] == "same"
    assert any("timeliness of assessments" in p["text"] for p in facts["needs_to_improve"])
    page = councils.get("/councils/Nottinghamshire").get_data(as_text=True)
    assert "up ▲" in page and 'name="local_authority" value="Nottinghamshire"' in page
    missing = councils.get("/api/councils/Kent")
    assert missing.status_code == 404 and "No Ofsted report about 'Kent'" in missing.get_json()["error"]["message"]


def test_councils_side_by_side_name_the_one_not_held(councils):
    body = councils.get("/api/compare?local_authority=Nottinghamshire&local_authority=Kent&q=care+leavers&k=2").get_json()
    notts, kent = body["councils"]
    assert notts["held"] and notts["latest"]["overall"] == "good" and 0 < len(notts["passages"]) <= 2
    assert all(p["document"]["local_authority"] == "Nottinghamshire" for p in notts["passages"])
    assert not kent["held"] and "No Ofsted report about Kent" in kent["notice"]
    page = councils.get("/compare?local_authority=Nottinghamshire&local_authority=Kent&q=care+leavers")
    assert page.status_code == 200 and "No Ofsted report about Kent" in page.get_data(as_text=True)
    seven = "&".join(f"local_authority=C{n}" for n in range(7))
    assert councils.get(f"/api/compare?{seven}").status_code == 400


def test_the_timeline_counts_what_the_aggregation_counts_and_links_each_range(councils):
    page = councils.get("/?q=assessments+care&mode=keyword").get_data(as_text=True)
    counted = councils.get("/api/search?q=assessments+care&mode=keyword&k=0&aggs=year&aggs=month").get_json()
    years = counted["aggregations"]["year"] if len(counted["aggregations"]["year"]) > 3 else counted["aggregations"]["month"]
    assert '<figure class="timeline"' in page and "<svg" in page
    for bucket in years:
        label = f"{bucket['value']}: {bucket['passages']} passages in {bucket['documents']} documents"
        assert label in page
    assert f"date_from={years[0]['value']}&amp;date_to={years[0]['value']}" in page


def test_the_digest_emails_what_is_new_once_through_a_real_smtp_server(growing, fake_embedder, tmp_path, capsys):
    from aiosmtpd.controller import Controller

    from search_app import digest
    from tests.servers import free_port, serving

    corpus, config, client, _ = growing
    received = []

    class Keep:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
            received.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
            return "250 OK"

    smtp = Controller(Keep(), hostname="127.0.0.1", port=free_port())
    smtp.start()
    try:
        with serving(client.application) as base:
            client.application.config["BASE_URL"] = base
            command = ["--smtp", f"127.0.0.1:{smtp.port}", "--to", "desk@example.org", "--state",
                       str(tmp_path / "state.json"), "--feed", f"{base}/feed?q=respite+breaks&mode=keyword"]  # fmt: skip
            assert digest.main(command) == 0 and len(received) == 1
            assert received[0]["To"] == "desk@example.org" and "Search: respite breaks" in received[0].get_content()
            assert digest.main(command) == 0 and len(received) == 1  # nothing new: no email
            assert "nothing new" in capsys.readouterr().out
            (corpus / "kinship-note.txt").write_text(NEW)
            build_index(config, fake_embedder)
            assert digest.main(command) == 0 and len(received) == 2
            assert received[1]["Subject"] == "1 new passage in 1 watched search"
            assert "were cancelled at short notice" in received[1].get_content()
            assert digest.main([*command[:-1], f"{base}/api/search?q=x"]) == 2
    finally:
        smtp.stop()
    assert "not a watched search's feed" in capsys.readouterr().err
