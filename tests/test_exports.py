"""Exports of a whole result set (CSV, JSON Lines, RIS, BibTeX) and the reference to paste (fixture corpus)."""

from __future__ import annotations

import csv
import datetime
import io
import json

import bibtexparser
import pytest
import rispy

from index.models import Document
from search_app import create_app
from search_app.exports import reference

QUERY = "q=care+leavers&kind=guidance&kind=inspection&kind=commentary"


@pytest.fixture(scope="module")
def client(fake_built, fake_searcher):
    return create_app({"CONFIG_FILE": str(fake_built[0].source), "TESTING": True}, searcher=fake_searcher).test_client()


def everything(client) -> list[dict]:
    """The whole result set through the JSON API, page by page."""
    results, offset = [], 0
    while True:
        body = client.get(f"/api/search?{QUERY}&k=100&offset={offset}").get_json()
        results += body["results"]
        if not body["next"]:
            return results
        offset += 100


@pytest.mark.parametrize(
    "form, media, extension",
    [("csv", "text/csv", "csv"), ("jsonl", "application/x-ndjson", "jsonl"),
     ("ris", "application/x-research-info-systems", "ris"), ("bibtex", "application/x-bibtex", "bib")],
)  # fmt: skip
def test_exports_have_their_content_type_and_a_file_name(client, form, media, extension):
    response = client.get(f"/api/search?{QUERY}&format={form}")
    assert response.status_code == 200 and response.mimetype == media and response.mimetype_params["charset"] == "utf-8"
    assert response.headers["Content-Disposition"] == f'attachment; filename="search-care-leavers.{extension}"'
    assert response.headers["X-Index-Version"]


def test_csv_has_a_row_per_passage_of_the_whole_result_set(client):
    rows = list(csv.DictReader(io.StringIO(client.get(f"/api/search?{QUERY}&format=csv&k=5").get_data(as_text=True))))
    results = everything(client)
    assert len(rows) == len(results) >= 100  # the whole set, not the page of 5
    assert [(int(r["rank"]), r["quote"]) for r in rows] == [(r["rank"], r["text"]) for r in results]
    first = next(r for r in rows if r["local_authority"])
    assert first["judgement"] in ("outstanding", "good", "requires improvement", "inadequate")
    assert all(r["link"].startswith("http://127.0.0.1:8000/documents/") and r["citation"] for r in rows)


def test_json_lines_are_the_api_results(client):
    lines = client.get(f"/api/search?{QUERY}&format=jsonl").get_data(as_text=True).splitlines()
    assert [json.loads(line) for line in lines] == everything(client)


def test_ris_and_bibtex_have_one_entry_per_document_with_its_pages(client):
    results = everything(client)
    documents = list(dict.fromkeys(r["document"]["id"] for r in results))
    ris = rispy.loads(client.get(f"/api/search?{QUERY}&format=ris").get_data(as_text=True))
    assert [e["title"] for e in ris] == [next(r["document"]["title"] for r in results if r["document"]["id"] == d)
                                         for d in documents]  # fmt: skip
    notts = next(e for e in ris if e["authors"] == ["Ofsted"])
    pages = sorted({r["page_label"] for r in results if r["document"]["publisher"] == "Ofsted"}, key=int)
    assert sorted(notts["notes"][0].removeprefix("Pages cited: ").split(", "), key=int) == pages
    library = bibtexparser.parse_string(client.get(f"/api/search?{QUERY}&format=bibtex").get_data(as_text=True))
    assert len(library.entries) == len(documents) and not library.failed_blocks
    assert len({entry.key for entry in library.entries}) == len(documents)


def test_the_reference_is_harvard_style():
    document = Document("halton", "halton.pdf", "Inspection of Halton local authority children’s services",
                        publisher="Ofsted", date="2024-07-12")  # fmt: skip
    assert reference(document, "5", "https://x.example/d?p=1", datetime.date(2026, 11, 23)) == (
        "Ofsted (2024) Inspection of Halton local authority children’s services, p. 5. "
        "Available at: https://x.example/d?p=1 (Accessed: 23 November 2026)."
    )


def test_the_page_offers_downloads_and_a_citation_to_copy(client):
    page = client.get(f"/?{QUERY}&k=5").get_data(as_text=True)
    assert "format=csv" in page and "format=bibtex" in page and "Download all" in page
    assert 'data-copy="“' in page and "Available at: http://127.0.0.1:8000/documents/" in page
    body = client.get(f"/api/search?{QUERY}&k=1").get_json()
    assert body["results"][0]["reference"].endswith(").")


def yellow_pixels(png: bytes) -> int:
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    return sum(1 for r, g, b in image.get_flattened_data() if r > 230 and 190 < g < 235 and b < 140)


def test_the_original_page_is_rendered_with_the_passage_highlighted(client):
    hit = next(r for r in client.get("/api/search?q=kinship+allowances&k=20&mode=keyword").get_json()["results"]
               if r["document"]["id"] == "fostering-report")  # fmt: skip
    url = f"/documents/fostering-report/pages/{hit['page']}.png?key={hit['passage_key']}"
    marked = client.get(url)
    assert marked.status_code == 200 and marked.mimetype == "image/png" and marked.headers["ETag"]
    plain = client.get(f"/documents/fostering-report/pages/{hit['page']}.png")
    assert yellow_pixels(marked.data) > 500 and yellow_pixels(plain.data) == 0
    other = client.get(f"/documents/fostering-report/pages/1.png?key={hit['passage_key']}")
    assert yellow_pixels(other.data) == 0  # the passage is not on page 1
    assert client.get("/documents/fostering-report/pages/99.png").status_code == 404
    assert client.get("/documents/practice-note/pages/1.png").status_code == 404
    page = client.get(hit["url"].replace("http://127.0.0.1:8000", "")).get_data(as_text=True)
    assert f"/documents/fostering-report/pages/{hit['page']}.png?key={hit['passage_key']}" in page


def test_highlight_boxes_come_from_the_pdfs_own_characters():
    from search_app.pageimage import line_boxes, passage_chars

    page = (
        "Fostering report 2024\r\nKinship care\r\nKinship carers told us that allowances differ between\r\n"
        "neighbouring councils."
    )
    chars = passage_chars(page, "Kinship carers told us that allowances differ between neighbouring councils.")
    assert page[chars[0]] == "K" and page[chars[-1]] == "s" and chars[0] == page.index("Kinship carers")
    assert passage_chars(page, "") == [] and passage_chars(page, "Nothing here at all today") == []
    assert line_boxes([(0, 10, 5, 20), (5, 10, 9, 20), (0, 30, 4, 40)]) == [(0, 10, 9, 20), (0, 30, 4, 40)]


@pytest.mark.parametrize("form", ["", "json", "csv", "ris", "pdf"])
def test_the_page_takes_format_too(client, form):
    response = client.get(f"/?q=care&format={form}")
    if form in ("", "json"):
        assert response.status_code == 200 and response.mimetype == "text/html" and "format=csv" in response.text
    elif form == "pdf":
        assert response.status_code == 400 and "Unknown format" in response.text
    else:
        assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]


def test_the_publishers_page_is_cited_where_known_and_the_source_kept_as_provenance(tmp_path, fake_embedder):
    from index.search import Searcher
    from ingest.build import build_index
    from ingest.corpus import metadata_problems
    from tests.conftest import fake_config

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "local-offer.txt").write_text("Every council must publish a local offer for care leavers.\n", "utf-8")
    (corpus / "local-offer.toml").write_text(
        'title = "Local offer guidance"\npublisher = "Department for Education"\ndate = "2025-02"\n'
        'kind = "guidance"\nsource = "https://github.com/example/scrape/blob/abc/local-offer.txt"\n'
        'publisher_url = "https://www.gov.uk/government/publications/local-offer-guidance"\n',
        "utf-8",
    )
    config = fake_config(tmp_path, corpus)
    build_index(config, fake_embedder)
    app = create_app({"CONFIG_FILE": str(config.source), "TESTING": True}, searcher=Searcher(config, fake_embedder))
    client, page = app.test_client(), "https://www.gov.uk/government/publications/local-offer-guidance"
    hit = client.get("/api/search?q=local+offer").get_json()["results"][0]
    assert hit["document"]["publisher_url"] == page
    assert f"Available at: {page} (Accessed:" in hit["reference"]
    document = client.get("/documents/local-offer").get_data(as_text=True)
    assert f'Publisher\'s page: <a href="{page}"' in document
    assert 'Came to us through: <a href="https://github.com/example/scrape/blob/abc/local-offer.txt"' in document
    rows = list(csv.DictReader(io.StringIO(client.get("/api/search?q=local+offer&format=csv").get_data(as_text=True))))
    assert rows[0]["publisher_url"] == page and rows[0]["link"].startswith("http://127.0.0.1:8000/documents/local-offer")
    entry = rispy.loads(client.get("/api/search?q=local+offer&format=ris").get_data(as_text=True))[0]
    assert entry["urls"][0] == page and entry["urls"][1].startswith("http://127.0.0.1:8000/documents/local-offer")
    assert metadata_problems({"publisher_url": "javascript:alert(1)"}) == [
        "publisher_url 'javascript:alert(1)' should be a web address starting with https://"
    ]
    assert metadata_problems({"publisher_url": "see gov.uk"}) and not metadata_problems({"publisher_url": page})
