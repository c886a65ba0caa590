"""Exports of a whole result set (CSV, JSON Lines, RIS, BibTeX) and the reference to paste (fixture corpus)."""

from __future__ import annotations

import csv
import datetime
import io
import json

import bibtexparser
import pytest
import rispy

from index.models import Document, Hit, Passage
from search_app import create_app, exports
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
    data = client.get(f"/api/search?{QUERY}&format=csv&k=5").get_data()
    assert data.startswith(b"\xef\xbb\xbfrank,score,quote,")  # a byte-order mark: Excel reads UTF-8, not cp1252
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    results = everything(client)
    assert len(rows) == len(results) >= 100  # the whole set, not the page of 5
    assert [(int(r["rank"]), r["quote"].removeprefix("'")) for r in rows] == [(r["rank"], r["text"]) for r in results]
    assert [(int(r["passage_id"]), r["passage_key"], r["document_id"], r["kind"], float(r["score"])) for r in rows] == [
        (r["passage_id"], r["passage_key"], r["document"]["id"], r["document"]["kind"], r["score"]) for r in results
    ]
    first = next(r for r in rows if r["local_authority"])
    assert first["judgement"] in ("outstanding", "good", "requires improvement", "inadequate")
    assert all(r["link"].startswith("http://127.0.0.1:8000/documents/") and r["citation"] for r in rows)


def test_json_lines_are_the_api_results(client):
    lines = client.get(f"/api/search?{QUERY}&format=jsonl").get_data(as_text=True).splitlines()
    assert [json.loads(line) for line in lines] == everything(client)


def test_ris_has_a_record_per_passage_with_its_quote_page_and_link(client):
    results = everything(client)
    text = client.get(f"/api/search?{QUERY}&format=ris").get_data(as_text=True)
    assert text.lstrip().startswith("TY  - ")  # no "1." line before a record
    ris = rispy.loads(text)
    assert [(e["title"], e["urls"][-1]) for e in ris] == [(r["document"]["title"], r["url"]) for r in results]
    assert [e["abstract"] for e in ris] == [" ".join(r["text"].splitlines()) for r in results]
    pdf = next(r for r in results if r["pdf_url"])
    assert ris[results.index(pdf)]["start_page"] == pdf["page_label"]


def test_bibtex_has_one_entry_per_document_with_its_pages(client):
    results = everything(client)
    documents = list(dict.fromkeys(r["document"]["id"] for r in results))
    library = bibtexparser.parse_string(client.get(f"/api/search?{QUERY}&format=bibtex").get_data(as_text=True))
    assert len(library.entries) == len(documents) and not library.failed_blocks
    assert len({entry.key for entry in library.entries}) == len(documents)
    assert all(entry["url"].startswith("http") for entry in library.entries)  # a plain url, not \\url{…}


HOSTILE = [
    '=HYPERLINK("http://evil.example/","click")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1", "\r=1+1", "Title\nER  - \nTY  - JOUR\nUR  - http://evil.example/", "Publisher\r\nAU  - Mallory",
    "Brace}, url = {http://evil.example/", "Line\u2028separator\x85next",
]  # fmt: skip


def hostile_hits(value: str, count: int = 1) -> list[Hit]:
    """Hits whose title, publisher and text all carry `value`, as a hostile metadata sidecar could make them."""
    hits = []
    for n in range(1, count + 1):
        document = Document(f"d{n}", f"d{n}.pdf", value, publisher=value, date="2024", kind="report")
        passage = Passage(document.id, value, 0, len(value), 1, 1, value, 5, "1", n)
        hits.append(Hit(passage, document, 0.5, n, ("keyword",)))
    return hits


@pytest.mark.parametrize("value", HOSTILE)
def test_no_hostile_value_becomes_a_formula_or_a_record_of_its_own(value):
    hits = hostile_hits(value)
    links = {hit.passage.id: "http://127.0.0.1:8000/documents/d1?passage=1#passage" for hit in hits}
    row = next(csv.DictReader(io.StringIO(exports.csv_text([exports.csv_row(hits[0], links[1])]).removeprefix("\ufeff"))))
    for name in ("quote", "title", "publisher", "section"):
        assert not row[name].startswith(exports.FORMULA_START) and row[name].removeprefix("'") == value, name
    ris = rispy.loads(exports.ris_text(hits, links))
    assert len(ris) == 1 and ris[0]["title"] == exports.one_line(value).strip() and ris[0]["urls"] == [links[1]]
    assert ris[0]["authors"] == [exports.one_line(value).strip()]  # rispy strips what a value starts with
    library = bibtexparser.parse_string(exports.bibtex_text(hits, {"d1": "http://127.0.0.1:8000/documents/d1"}))
    assert len(library.entries) == 1 and not library.failed_blocks
    assert set(library.entries[0].fields_dict) == {"title", "institution", "year", "url", "pages"}
    assert library.entries[0]["url"] == "http://127.0.0.1:8000/documents/d1"


def test_bibtex_keys_never_run_out():
    """Every document of one publisher and year gets a key of its own, however many there are."""
    hits = hostile_hits("Ofsted", 200)
    library = bibtexparser.parse_string(exports.bibtex_text(hits, {hit.document.id: "http://x/" for hit in hits}))
    assert len({entry.key for entry in library.entries}) == 200 and not library.failed_blocks


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


@pytest.mark.office
def test_libreoffice_opens_a_hostile_csv_export_with_no_formula_in_it(tmp_path):
    """The CSV export opened by a real spreadsheet (LibreOffice headless, Debian libreoffice-calc): every hostile
    value is text, none a formula; and the same values written raw would have been formulas (the oracle works)."""
    hits = [hostile_hits(value)[0] for value in HOSTILE]
    rows = [exports.csv_row(hit, "http://127.0.0.1:8000/") for hit in hits]
    (tmp_path / "export.csv").write_text(exports.csv_text(rows), encoding="utf-8")
    raw = io.StringIO()
    csv.writer(raw).writerows([["a"], *([value] for value in HOSTILE)])
    (tmp_path / "raw.csv").write_text(raw.getvalue(), encoding="utf-8")
    assert formulas(tmp_path, "export") == [] and formulas(tmp_path, "raw")


def formulas(folder, name: str) -> list[str]:
    """The formulas LibreOffice finds in `folder/name.csv` (read as UTF-8 CSV, first line a header)."""
    import re
    import subprocess

    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{folder}/profile", "--headless", "--infilter=CSV:44,34,76,1",
         "--convert-to", "fods", "--outdir", str(folder), str(folder / f"{name}.csv")],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    return re.findall(r'table:formula="([^"]*)"', (folder / f"{name}.fods").read_text(encoding="utf-8"))
