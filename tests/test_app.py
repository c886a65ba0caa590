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
        f"2024-07-12, p. {hit['page']}"
    )


@pytest.mark.parametrize(
    "query, status, message",
    [
        ("q=", 400, "Empty query"),
        ("q=" + "a" * 10_000, 400, "too long"),
        ('q="', 400, "no words"),
        ("q=AND OR NOT", 400, "only common words"),
        ("q=care&mode=fuzzy", 400, "Unknown mode"),
        ("q=care&k=0", 400, "k must be between"),
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
    response = client.get("/?q=%22")
    assert response.status_code == 400 and b"no words to search for" in response.data
    assert client.get("/").status_code == 200


def test_document_page_marks_the_linked_passage_and_links_the_pdf(client):
    hit = client.get("/api/search?q=five children's homes&mode=keyword").get_json()["results"][0]
    page = client.get(hit["url"].replace("http://127.0.0.1:8000", ""))
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    passage_id = hit["url"].split("passage=")[1].split("#")[0]
    assert f'<mark id="passage-{passage_id}">' in body
    assert f"#page={hit['page']}" in body
    original = client.get(f"/documents/{hit['document']['id']}/file")
    assert original.status_code == 200 and original.data.startswith(b"%PDF")


def test_catalogue_and_health(client, fake_built):
    catalogue = client.get("/api/documents").get_json()
    assert catalogue["count"] == fake_built[1].totals()["documents"]
    assert {"id", "title", "publisher", "date", "kind", "source", "url"} <= set(catalogue["documents"][0])
    health = client.get("/healthz").get_json()
    assert health["status"] == "ok" and health["passages"] == fake_built[1].totals()["passages"]
