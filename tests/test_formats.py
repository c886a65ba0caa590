"""Every format a newsroom receives, made with the real tools (tests/officegen.py): Word, OpenDocument, RTF,
spreadsheets, email with attachments, archives, scans read by OCR; and the broken and hostile ones, each one line."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from rapidfuzz.distance import Levenshtein

from index.search import Searcher
from ingest.__main__ import main
from ingest.build import build_index
from ingest.check import check_index
from ingest.corpus import load_document
from ingest.errors import LoadError
from ingest.members import Limits
from search_app import create_app
from tests import officegen as make
from tests.conftest import ROOT, fake_config


def app(config, embedder):
    return create_app({"CONFIG_FILE": str(config.source), "TESTING": True}, searcher=Searcher(config, embedder))


PDF = ROOT / "corpus/crown-copyright-ogl/dfe_local-offer-guidance-care-leavers_2025-02.pdf"


def only(path: Path, limits: Limits = Limits()):
    bundle = load_document(path, path.parent, limits)
    assert len(bundle.documents) == 1 and not bundle.failed
    return bundle.documents[0]


@pytest.mark.parametrize("maker", [make.word, make.odt, make.rtf])
def test_word_processor_files_keep_paragraphs_and_headings(tmp_path, maker):
    suffix = {make.word: ".docx", make.odt: ".odt", make.rtf: ".rtf"}[maker]
    document = only(maker(tmp_path / f"reply{suffix}"))
    assert [h.title for h in document.headings][:2] == ["Care leavers", "Homeless young people"]
    assert make.LEAVERS in document.text and make.HOMELESS in document.text
    assert document.locator == "paragraph"
    if maker is make.word:
        assert document.title == "Response to a request under the Freedom of Information Act"
        assert "Year | Referrals\n\n2024 | 312" in document.text  # a table row is a line of its cells


def test_spreadsheet_groups_carry_their_sheet_rows_and_header(tmp_path):
    document = only(make.xlsx(tmp_path / "leavers.xlsx"))
    labels = [page.label for page in document.pages]
    assert labels[0] == "Leavers, rows 2–8" and labels[-1] == "Notes, row 2"
    for page in document.pages:
        block = document.text[page.start : page.end]
        assert block.startswith(f"{page.label}\n") and block.splitlines()[1] in (
            "Council | Care leavers | Advisers | Note",
            "Topic | Finding",
        )
    assert "Council 40 | 140 | 5 | not in touch" in document.text
    assert "=B2*2" not in document.text  # formulas are never read as text


def test_every_spreadsheet_passage_starts_with_its_rows_and_the_header(tmp_path, fake_embedder):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    make.xlsx(corpus / "leavers.xlsx")
    config = fake_config(tmp_path, corpus)
    build_index(config, fake_embedder)
    _, passages = Searcher(config, fake_embedder).document("leavers")
    assert len(passages) == 7  # one per group of rows: the chunker never had to cut one
    for passage in passages:
        label, header = passage.text.splitlines()[:2]
        assert label == passage.page_label and header in ("Council | Care leavers | Advisers | Note", "Topic | Finding")


def test_ods_filler_rows_are_counted_not_spelled_out(tmp_path):
    document = only(make.ods(tmp_path / "leavers.ods"))
    assert [page.label for page in document.pages] == ["Leavers, rows 2–6"]
    assert "Council 5 | 105 | 5 | in touch" in document.text and len(document.text) < 400


def test_csv_is_a_sheet_named_after_the_file(tmp_path):
    document = only(make.csv_file(tmp_path / "leavers.csv"))
    assert document.pages[0].label == "leavers, rows 2–8" and document.locator == "rows"


def test_email_message_and_attachments_are_documents_linked_to_it(tmp_path):
    reply = make.word(tmp_path / "reply.docx")
    (tmp_path / "inbox").mkdir()
    message = make.email(tmp_path / "inbox/foi.eml", {"figures.docx": reply.read_bytes(), "note.txt": b"Advisers note."})
    bundle = load_document(message, tmp_path, Limits())
    own, docx_file, note = bundle.documents
    assert own.title == "FOI 2024/118: care leavers' advisers" and own.date == "2024-05-14"
    assert own.sender == "Press Office <press@kent.example.gov.uk>" and own.recipients == "newsdesk@paper.example.co.uk"
    assert make.LEAVERS in own.text
    assert (docx_file.path, docx_file.id, docx_file.parent) == ("inbox/foi.eml/figures.docx", "foi:figures.docx", "foi")
    assert docx_file.headings and note.text == "Advisers note." and note.parent == "foi"


def test_outlook_message_and_attachments_are_documents_linked_to_it(tmp_path):
    reply = make.word(tmp_path / "reply.docx")
    source = make.email(tmp_path / "source.eml", {"figures.docx": reply.read_bytes(), "note.txt": b"Advisers note."})
    bundle = load_document(make.outlook(tmp_path / "foi.msg", source), tmp_path, Limits())
    own, docx_file, note = bundle.documents
    assert (own.title, own.date, own.sender) == ("FOI 2024/118: care leavers' advisers", "2024-05-14", "Press Office")
    assert "newsdesk@paper.example.co.uk" in own.recipients and make.LEAVERS in own.text
    assert (docx_file.id, docx_file.parent, note.text) == ("foi:figures.docx", "foi", "Advisers note.")
    assert [h.title for h in docx_file.headings][:1] == ["Care leavers"]


def test_html_only_email_is_read_as_text(tmp_path):
    document = only(make.email(tmp_path / "m.eml", {}, html=True))
    assert document.text == make.LEAVERS


def test_email_with_fifty_attachments_gives_fifty_one_documents(tmp_path):
    attachments = {f"note-{i}.txt": f"Attachment {i} on care leavers.".encode() for i in range(50)}
    bundle = load_document(make.email(tmp_path / "m.eml", attachments), tmp_path, Limits())
    assert len(bundle.documents) == 51 and {d.parent for d in bundle.documents[1:]} == {"m"}
    with pytest.raises(LoadError, match=r"50 attachments or members, over the limit of 10 \(\[limits\] max_members\)"):
        load_document(tmp_path / "m.eml", tmp_path, Limits(members=10))


def test_archive_members_nested_archives_and_hostile_names(tmp_path):
    inner = make.archive(tmp_path / "inner.zip", {"a.txt": b"Inner note on fostering."})
    make.archive(
        tmp_path / "pack.zip",
        {"letters/reply.docx": make.word(tmp_path / "r.docx").read_bytes(), "inner.zip": inner.read_bytes(),
         "../../escape.txt": b"Zip slip text.", "__MACOSX/._r.docx": b"junk", "tool.exe": b"MZ"},
    )  # fmt: skip
    (tmp_path / "r.docx").unlink()
    inner.unlink()
    bundle = load_document(tmp_path / "pack.zip", tmp_path, Limits())
    assert [(d.path, d.id) for d in bundle.documents] == [
        ("pack.zip/letters/reply.docx", "pack:letters:reply.docx"),
        ("pack.zip/inner.zip/a.txt", "pack:inner.zip:a.txt"),
        ("pack.zip/escape.txt", "pack:escape.txt"),  # never outside the archive
    ]
    assert bundle.ignored == ["pack.zip/tool.exe"] and not bundle.failed
    deep = load_document(tmp_path / "pack.zip", tmp_path, Limits(depth=1))
    assert "nested 2 deep, deeper than [limits] max_archive_depth (1)" in deep.failed["pack.zip/inner.zip/a.txt"]


HOSTILE = {
    "bomb.zip": "'zeros.txt' unpacks to 1,0",  # … times its packed size, over [limits] max_archive_ratio
    "locked.docx": "password-protected; save a copy without the password",
    "macro.docx": "macro-enabled (it holds macros, which are never run here)",
    "report.docm": "a macro-enabled Word document; save it as .docx",
    "old.doc": "an old binary Word document; save it as .docx",
    "cut.docx": "damaged or truncated",
    "cut.xlsx": "damaged or truncated",
    "cut.zip": "damaged or truncated archive",
    "fake.rtf": "not an RTF file (no {\\rtf header)",
    "empty.eml": "empty file",
    "broken.msg": "not a readable Outlook message",
}


def hostile_corpus(corpus: Path) -> None:
    reply = make.word(corpus.parent / "reply.docx")
    make.zip_bomb(corpus / "bomb.zip")
    make.password_protected(corpus / "locked.docx", reply)
    make.macro_enabled(corpus / "macro.docx", reply)
    (corpus / "report.docm").write_bytes((corpus / "macro.docx").read_bytes() + b"\0")  # not a copy of macro.docx
    (corpus / "old.doc").write_bytes(make.OLE_HEAD + b"an old Word file")
    make.truncated(corpus / "cut.docx", reply)
    make.truncated(corpus / "cut.xlsx", make.xlsx(corpus.parent / "sheet.xlsx"))
    make.truncated(corpus / "cut.zip", make.archive(corpus.parent / "a.zip", {"a.txt": b"Some text here." * 50}))
    (corpus / "fake.rtf").write_text("not rtf at all")
    (corpus / "empty.eml").write_bytes(b"")
    (corpus / "broken.msg").write_bytes(make.OLE_HEAD + b"\0" * 600)


def test_every_hostile_file_gets_one_clear_line_and_the_rest_is_indexed(tmp_path, fake_model, capsys):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    hostile_corpus(corpus)
    make.word(corpus / "good.docx")
    config = fake_config(tmp_path, corpus)
    assert main(["--config", str(config.source)]) == 1
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    for name, words in HOSTILE.items():
        line = next((x for x in out.splitlines() if x.startswith(f"FAILED   {name}:")), None)
        assert line is not None and words in line, (name, line)
    assert "ADDED    good.docx" in out


def test_containers_are_ingested_reused_and_updated_as_one_file(tmp_path, fake_embedder):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    reply = make.word(tmp_path / "reply.docx")
    make.email(corpus / "foi.eml", {"figures.docx": reply.read_bytes(), "bad.docx": b"PK\x03\x04 cut"})
    make.archive(corpus / "pack.zip", {"a.txt": b"A note on kinship care allowances.", "b.csv": b"x,y\n1,2\n"})
    (corpus / "pack.toml").write_text('publisher = "Kent County Council"\nkind = "report"\n')
    config = fake_config(tmp_path, corpus)
    report = build_index(config, fake_embedder)
    statuses = {f.path: (f.status.value, f.reason[:40]) for f in report.files}
    assert statuses["foi.eml"][0] == "added" and statuses["pack.zip"][0] == "added"
    assert statuses["foi.eml/bad.docx"] == ("failed", "damaged or truncated (File is not a zip ")
    searcher = Searcher(config, fake_embedder)
    documents = {d.path: d for d in searcher.documents()}
    assert set(documents) == {"foi.eml", "foi.eml/figures.docx", "pack.zip/a.txt", "pack.zip/b.csv"}
    assert documents["pack.zip/a.txt"].publisher == "Kent County Council"  # the archive's sidecar applies within
    assert documents["foi.eml/figures.docx"].parent == "foi" and documents["foi.eml"].sender.startswith("Press Office")
    found = app(config, fake_embedder).test_client().get("/api/search?q=appointed four more advisers&mode=keyword")
    result = found.get_json()["results"][0]
    assert result["document"]["id"] == "foi:figures.docx"
    assert result["page_label"] == "¶ 1–3" and result["citation"].endswith(", ¶ 1–3")  # up to the next heading
    assert check_index(config) == []
    again = build_index(config, fake_embedder)  # unchanged: reused whole, the member's failure still reported
    assert not again.published and {f.path: f.status.value for f in again.files}["foi.eml/bad.docx"] == "failed"
    make.archive(corpus / "pack.zip", {"a.txt": b"A note on kinship care allowances."})
    third = build_index(config, fake_embedder)
    assert {f.path: f.status.value for f in third.files}["pack.zip"] == "updated"
    assert {d.path for d in Searcher(config, fake_embedder).documents()} == {
        "foi.eml", "foi.eml/figures.docx", "pack.zip/a.txt"
    }  # fmt: skip


def test_api_and_pages_show_where_a_member_came_from(tmp_path, fake_embedder, fake_model):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    make.email(corpus / "foi.eml", {"figures.xlsx": make.xlsx(tmp_path / "f.xlsx").read_bytes()})
    config = fake_config(tmp_path, corpus)
    build_index(config, fake_embedder)
    client = app(config, fake_embedder).test_client()
    result = client.get("/api/search?q=Council 12 advisers&mode=keyword").get_json()["results"][0]
    assert result["document"]["id"] == "foi:figures.xlsx" and result["document"]["parent"] == "foi"
    assert result["page_label"].startswith("Leavers, rows ") and result["citation"].endswith(
        "attachment to the email “FOI 2024/118: care leavers' advisers” from Press Office <press@kent.example.gov.uk> "
        f"sent 2024-05-14, {result['page_label']}"
    )
    page = client.get("/documents/foi:figures.xlsx")
    assert page.status_code == 200 and b'Attached to <a href="/documents/foi">' in page.data
    message = client.get("/documents/foi").data.decode()
    assert "Email from Press Office" in message and 'href="/documents/foi:figures.xlsx">figures.xlsx</a>' in message


@pytest.mark.ocr
def test_scanned_pdf_page_is_read_by_ocr_close_to_its_text_layer(tmp_path, fake_embedder, fake_model):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    make.scan(corpus / "scan.pdf", PDF, page=3, dpi=200)
    make.scan(corpus / "scan-image.png", PDF, page=3, dpi=200)
    config = fake_config(tmp_path, corpus)
    layer = only(PDF)
    truth = layer.text[layer.pages[2].start : layer.pages[2].end]
    for name in ("scan.pdf", "scan-image.png"):
        read = only(corpus / name, Limits(ocr=True, seconds=120))
        assert Levenshtein.normalized_distance(" ".join(read.text.split()), " ".join(truth.split())) < 0.05
        assert read.ocr_words and all(0 <= c <= 100 for _, _, c in read.ocr_words)
    build_index(config, fake_embedder)
    client = app(config, fake_embedder).test_client()
    results = client.get("/api/search?q=local offer for its care leavers&mode=keyword&k=20").get_json()["results"]
    scanned = [r for r in results if r["document"]["id"] == "scan"]
    assert scanned and all(r["ocr"] and 50 < r["confidence"] <= 100 for r in scanned)
    assert (
        "ocr_confidence"
        in client.get("/api/search?q=local offer for its care leavers&mode=keyword&format=csv").data.decode()
    )
    page = client.get(f"/documents/scan/pages/1.png?key={scanned[0]['passage_key']}")
    assert page.status_code == 200
    pixels = np.asarray(Image.open(io.BytesIO(page.data)).convert("RGB")).astype(int)
    red, green, blue = pixels[..., 0], pixels[..., 1], pixels[..., 2]
    assert ((red > 200) & (green > 150) & (green < 230) & (blue < 120)).sum() > 500  # the highlight's yellow
    assert main(["--config", str(config.source), "--audit"]) == 0


@pytest.mark.ocr
def test_each_frame_of_a_scanned_tiff_is_a_page(tmp_path):
    document = only(make.tiff(tmp_path / "scans.tif", PDF, [3, 4]), Limits(ocr=True, seconds=120))
    assert [page.label for page in document.pages] == ["1", "2"] and document.locator == "page"
    assert "local offer" in document.text[: document.pages[0].end].lower()
    assert "Health and wellbeing" in document.text[document.pages[1].start :]


def test_images_without_ocr_get_one_line(tmp_path):
    with pytest.raises(LoadError, match="an image, and OCR is off; install tesseract-ocr and set"):
        load_document(make.scan(tmp_path / "page.png", PDF, page=3, dpi=50), tmp_path, Limits(ocr=False))


def test_zip_members_past_their_header_are_refused(tmp_path):
    path = make.archive(tmp_path / "liar.zip", {"a.txt": b"Care leavers " * 100, "b.txt": b"Kinship care note."})
    data = bytearray(path.read_bytes())
    central = data.find(b"PK\x01\x02")
    data[central + 24 : central + 28] = (10).to_bytes(4, "little")  # the directory says a.txt unpacks to 10 bytes
    path.write_bytes(bytes(data))
    bundle = load_document(path, tmp_path, Limits())
    assert [d.path for d in bundle.documents] == ["liar.zip/b.txt"]
    assert bundle.failed["liar.zip/a.txt"].startswith("damaged inside the archive (Bad CRC-32 for file 'a.txt')")
