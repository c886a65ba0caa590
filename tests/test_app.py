"""The web app through Flask's test client, on the fixture corpus indexed with the hashing test double."""

import pytest

from search_app import create_app


@pytest.fixture(scope="module")
def client(fake_built, fake_searcher):
    app = create_app({"CONFIG_FILE": str(fake_built[0].source), "TESTING": True}, searcher=fake_searcher)
    return app.test_client()


def test_api_search_shape(client):
    response = client.get("/api/search?q=children's homes Nottinghamshire&k=3")
    assert response.status_code == 200
    body = response.get_json()
    assert body["query"] == "children's homes Nottinghamshire" and body["mode"] == "hybrid"
    assert len(body["results"]) == 3
    first = body["results"][0]
    assert set(first) >= {"rank", "score", "text", "document", "page", "section", "citation", "url"}
    assert set(first["document"]) >= {"id", "title", "publisher", "date", "kind"}
    assert [r["rank"] for r in body["results"]] == [1, 2, 3]
    assert first["url"].startswith("http://127.0.0.1:8000/documents/")


def test_citation_names_title_publisher_date_and_page(client):
    results = client.get("/api/search?q=five children's homes&mode=keyword").get_json()["results"]
    hit = next(r for r in results if r["document"]["id"] == "ofsted_ilacs_2024-07-12_nottinghamshire")
    assert hit["citation"] == (
        f"Inspection of Nottinghamshire County Council local authority children’s services, Ofsted, "
        f"published 2024-07-12, inspected 2024-05-20 to 2024-05-24, p. {hit['page']}"
    )


@pytest.mark.parametrize(
    "query, status, message",
    [
        ("q=", 400, "Empty query"),
        ("q=" + "a" * 10_000, 400, "too long"),
        ("q=care&mode=fuzzy", 400, "Unknown mode"),
        ("q=care&k=101", 400, "k must be between"),
        ("q=care&k=ten", 400, "whole number"),
        ("", 400, "Empty query"),
    ],
)
def test_api_bad_input_is_a_json_4xx(client, query, status, message):
    response = client.get(f"/api/search?{query}")
    assert response.status_code == status
    error = response.get_json()["error"]
    assert error["status"] == status and message in error["message"]


def test_unknown_document_and_route(client):
    response = client.get("/documents/no-such-document")
    assert response.status_code == 404 and b"No document with id" in response.data
    assert client.get("/api/nothing").get_json()["error"]["status"] == 404


def test_search_page_highlights_and_escapes(client):
    response = client.get("/?q=hostels <script>alert(1)</script>")
    assert response.status_code == 200
    assert b"<script>alert(1)</script>" not in response.data
    assert b"&lt;script&gt;" in response.data
    assert b"<mark>hostels</mark>" in response.data


def test_search_page_error_is_shown(client):
    response = client.get("/?q=care&k=ten")
    assert response.status_code == 400 and b"whole number" in response.data
    no_words = client.get("/?q=%22")  # nothing to search for: said, not an error
    assert no_words.status_code == 200 and b"no words to search for" in no_words.data
    assert client.get("/").status_code == 200


def test_document_page_marks_the_linked_passage_and_links_the_pdf(client):
    hit = client.get("/api/search?q=five children's homes&mode=keyword").get_json()["results"][0]
    page = client.get(hit["url"].replace("http://127.0.0.1:8000", ""))
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    passage_id = hit["url"].split("passage=")[1].split("#")[0]
    assert f'<mark id="passage" class="passage" tabindex="-1"><span id="passage-{passage_id}">' in body
    assert f"#page={hit['page']}" in body
    original = client.get(f"/documents/{hit['document']['id']}/file")
    assert original.status_code == 200 and original.data.startswith(b"%PDF")


def test_catalogue_and_health(client, fake_built):
    catalogue = client.get("/api/documents").get_json()
    assert catalogue["count"] == fake_built[1].totals()["documents"]
    assert {"id", "title", "publisher", "date", "kind", "source", "url"} <= set(catalogue["documents"][0])
    health = client.get("/healthz").get_json()
    assert health["status"] == "ok" and health["passages"] == fake_built[1].totals()["passages"]


def test_a_wrong_or_foreign_passage_id_gets_a_visible_notice(client):
    page = client.get("/documents/practice-note?passage=99999999").get_data(as_text=True)
    assert "This document has no passage &#39;99999999&#39;" in page and '<mark id="passage"' not in page


def test_a_result_opens_with_a_way_back_the_citation_and_the_query_words_marked(client):
    results = client.get("/?q=memory+boxes&mode=keyword").get_data(as_text=True)
    link = results.split('<p class="cite"><a href="')[1].split('"')[0].replace("&amp;", "&")
    page = client.get(link).get_data(as_text=True)
    assert "Back to results" in page and 'href="/?q=memory+boxes' in page and "Cite as:" in page
    assert "<mark>memory</mark>" in page.lower() and 'tabindex="-1"' in page
    assert "Available at: http://" in page and "Copy citation" in page
    evil = client.get("/documents/practice-note?back=//evil.example/").get_data(as_text=True)
    assert "evil.example" not in evil and "Back to results" not in evil


def test_an_old_link_still_opens_the_same_words_after_the_document_changes(tmp_path, fake_embedder):
    from index.search import Searcher
    from ingest.build import build_index
    from tests.conftest import fake_config

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    words = "Kinship carers told the review that allowances differ between neighbouring councils. " * 3
    filler = " ".join(f"Sentence {n} is about placements, visits and plans for children." for n in range(30))
    (corpus / "note.md").write_text(f"# Notes\n\n{filler}\n\n# Allowances\n\n{words}\n")
    (corpus / "other.txt").write_text("Another document about advocacy.")
    config = fake_config(tmp_path, corpus)
    build_index(config, fake_embedder)
    client = create_app({"CONFIG_FILE": str(config.source)}, searcher=Searcher(config, fake_embedder)).test_client()
    old = client.get("/api/search?q=allowances+differ&mode=keyword&k=1").get_json()["results"][0]
    old_link = old["url"].replace("http://127.0.0.1:8000", "")
    (corpus / "note.md").write_text(f"# Notes\n\nA new opening.\n\n{filler}\n\n# Allowances\n\n{words}\n")
    build_index(config, fake_embedder)  # the document is re-extracted: its passages get new row ids
    new = client.get("/api/search?q=allowances+differ&mode=keyword&k=1").get_json()["results"][0]
    assert new["passage_id"] != old["passage_id"] and new["passage_key"] == old["passage_key"]
    page = client.get(old_link).get_data(as_text=True)
    assert f'<span id="passage-{new["passage_id"]}">' in page and "no longer" not in page
    marked = page.split('<mark id="passage"')[1].split("</mark>")[0]
    assert "allowances differ between neighbouring councils" in marked
    (corpus / "note.md").write_text("# Notes\n\nThe allowances paragraph was withdrawn.\n")
    build_index(config, fake_embedder)
    page = client.get(old_link).get_data(as_text=True)
    assert "no longer in this version of the document; the nearest passage" in page and '<mark id="passage"' in page


def test_a_query_of_no_word_is_answered_with_a_notice(client):
    """Schema-valid (it has a character other than white space), so an answer, not a 400 (Schemathesis)."""
    body = client.get('/api/search?q="').get_json()
    assert body["total"] == 0 and "no words to search for" in body["notice"]
    assert client.get("/api/search?q=%E3%80%80").status_code == 400  # ideographic space only: empty


def test_a_number_with_a_control_character_around_it_is_read_not_a_500(client):
    """Hypothesis found k=0\\x1f: str.strip() takes the unit separator, int() does not (it was a 500)."""
    assert client.get("/api/search?q=care&k=3%1F").get_json()["k"] == 3


def test_a_question_naming_a_council_not_held_says_so(client):
    """'how do Kent and Essex differ…' was answered from other councils' reports in silence."""
    body = client.get("/api/search?q=how+do+Kent+and+Essex+differ+in+support+for+disabled+children").get_json()
    assert body["notices"][0].startswith("No Ofsted report about Essex or Kent is in this collection")
    assert body["notice"] == body["notices"][0] and "/councils" in body["notice"]
    held = client.get("/api/search?q=Nottinghamshire+care+leavers").get_json()
    assert not any("No Ofsted report" in said for said in held["notices"])
    assert "No Ofsted report about Essex or Kent" in client.get("/?q=Kent+and+Essex").get_data(as_text=True)


def test_facets_name_their_unit_and_show_every_value(client, monkeypatch):
    """The council facet showed 8 of 44 councils with no way to see the rest, and no unit (the fixture corpus
    has 6 documents: 3 are shown at once here)."""
    from search_app import pages

    monkeypatch.setattr(pages, "FACETS_SHOWN", 3)
    page = client.get("/?q=care&k=10").get_data(as_text=True)
    assert 'Local authority <span class="unit">(passages)</span>' in page
    documents = client.get("/api/search?q=care&k=0").get_json()["facets"]["document"]
    assert len(documents) > 3 and f"<summary>All {len(documents)}</summary>" in page
    assert "(documents)" in client.get("/documents").get_data(as_text=True)
