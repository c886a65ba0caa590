"""Loaders: each format's text, pages and headings, and a clear error for each kind of bad file."""

from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter

from index.models import Hit
from index.search import citation
from ingest import html, pdf, text
from ingest.chunking import Settings, chunk_document
from ingest.corpus import load_document, scan_corpus
from ingest.errors import LoadError
from ingest.layout import clean_line
from tests.conftest import FIXTURES, GENERATED_PAGES
from tests.pdfgen import make_pdf


def test_html_keeps_content_and_headings_and_drops_boilerplate():
    doc = html.load(FIXTURES / "children-commissioner-blog.html")
    assert doc.title == "Ending unregulated accommodation for under-16s"
    assert "illegal to place children under 16 in unregulated accommodation" in doc.text
    assert "unsafe & isolating" in doc.text
    assert "Some had moved more than five times in a year." in doc.text
    assert "SHOULD_NOT_APPEAR" not in doc.text
    assert "color: red" not in doc.text
    assert [h.title for h in doc.headings] == [
        "Ending unregulated accommodation for under-16s",
        "What we heard from young people",
    ]
    for heading in doc.headings:
        assert doc.text[heading.start : heading.start + len(heading.title)] == heading.title


def test_markdown_headings():
    doc = text.load(FIXTURES / "practice-note.md")
    assert [h.title for h in doc.headings] == ["Practice note: life story work", "Keeping memory boxes"]
    assert doc.title == "Practice note: life story work"


def test_windows_1252_text_is_decoded():
    doc = text.load(FIXTURES / "care-leaver-cafe-cp1252.txt")
    assert "monthly café" in doc.text and "advisers – a relaxed" in doc.text and "£30" in doc.text


def test_plain_text_headings_and_single_page():
    doc = text.load(Path("corpus/seed/care-crisis-review-professionals-survey.txt"))
    titles = [h.title for h in doc.headings]
    assert "Barriers to partnership" in titles and "Survey methods" in titles
    assert [(p.number, p.start, p.end) for p in doc.pages] == [(1, 0, len(doc.text))]


def test_pdf_pages_map_to_text_and_running_lines_are_dropped(tmp_path):
    doc = pdf.load(make_pdf(tmp_path / "r.pdf", GENERATED_PAGES))
    assert [p.number for p in doc.pages] == [1, 2, 3]
    for page, lines in zip(doc.pages, GENERATED_PAGES):
        on_page = doc.text[page.start : page.end]
        assert lines[2] in on_page  # body text is on its own page
        assert "Fostering report 2024" not in on_page and "Page " not in on_page  # header and footer gone
    assert [h.title for h in doc.headings] == ["Placement sufficiency", "Kinship care", "Advocacy"]


def test_pdf_lines_are_unwrapped_into_sentences(tmp_path):
    doc = pdf.load(make_pdf(tmp_path / "r.pdf", GENERATED_PAGES))
    assert "fewer new carers are being recruited each year." in doc.text


def test_real_pdf_page_text_matches_pypdf():
    path = Path("corpus/ofsted-ilacs/ofsted_ilacs_2024-07-12_nottinghamshire.pdf")
    doc = pdf.load(path)
    reader = PdfReader(path)
    assert len(doc.pages) == len(reader.pages)
    raw = " ".join(reader.pages[8].extract_text().split())
    assert "plans are being progressed to open five children’s homes" in raw
    assert "plans are being progressed to open five children’s homes" in doc.text[doc.pages[8].start : doc.pages[8].end]


@pytest.mark.parametrize(
    "content, problem",
    [
        (b"", "empty file"),
        (b"\x00\x01binary junk" * 50, "not a PDF"),
        (b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog", "corrupt or truncated PDF"),
    ],
)
def test_bad_pdfs_raise_clear_errors(tmp_path, content, problem):
    path = tmp_path / "bad.pdf"
    path.write_bytes(content)
    with pytest.raises(LoadError) as error:
        pdf.load(path)
    assert problem in str(error.value) and "bad.pdf" in str(error.value)


def test_encrypted_pdf(tmp_path):
    writer = PdfWriter(clone_from=make_pdf(tmp_path / "plain.pdf", GENERATED_PAGES))
    writer.encrypt(user_password="secret", algorithm="RC4-128")
    path = tmp_path / "locked.pdf"
    with path.open("wb") as handle:
        writer.write(handle)
    with pytest.raises(LoadError, match="encrypted PDF; supply a decrypted copy"):
        pdf.load(path)


def test_pdf_without_text_needs_ocr(tmp_path):
    with pytest.raises(LoadError, match="OCR is off"):
        pdf.load(make_pdf(tmp_path / "scan.pdf", [[], []]))


@pytest.mark.parametrize("loader, name", [(text.load, "empty.txt"), (html.load, "empty.html")])
def test_empty_files(tmp_path, loader, name):
    (tmp_path / name).write_bytes(b"")
    with pytest.raises(LoadError, match="empty file"):
        loader(tmp_path / name)


def test_metadata_sidecar_applies_and_scan_ignores_notes(tmp_path):
    (tmp_path / "_notes").mkdir()
    (tmp_path / "_notes" / "README.md").write_text("not a document")
    (tmp_path / "report.txt").write_text("Children in care\n\nA long enough body of text about care.")
    (tmp_path / "report.toml").write_text('title = "Care report"\npublisher = "Council"\nkind = "report"\n')
    (tmp_path / "data.pptx").write_bytes(b"junk")
    scan = scan_corpus(tmp_path)
    assert scan.documents == [tmp_path / "report.txt"] and scan.ignored == [tmp_path / "data.pptx"]
    doc = load_document(scan.documents[0], tmp_path).documents[0]
    assert (doc.id, doc.title, doc.publisher, doc.kind, doc.path) == (
        "report",
        "Care report",
        "Council",
        "report",
        "report.txt",
    )


def test_bad_metadata_kind_is_reported(tmp_path):
    (tmp_path / "r.txt").write_text("Some text about care.")
    (tmp_path / "r.toml").write_text('kind = "novel"\n')
    with pytest.raises(LoadError, match="unknown kind 'novel'"):
        load_document(tmp_path / "r.txt", tmp_path)


@pytest.mark.parametrize(
    "sidecar, problem",
    [
        ("date = 5", "date should be text in double quotes, got int 5"),
        ('title = ["a", "b"]', "title should be text in double quotes, got list ['a', 'b']"),
        ('date = "May 2024"', "date 'May 2024' should be YYYY, YYYY-MM or YYYY-MM-DD"),
        ('date = "2024-13"', "date '2024-13' should be YYYY, YYYY-MM or YYYY-MM-DD"),
        ('source = "javascript:alert(1)"', "source 'javascript:alert(1)' should be a web address"),
        ("[title]\nx = 1", "title should be text in double quotes, got dict"),
        ('titel = "typo"', "unknown key 'titel'"),
        ('title = "unclosed', "invalid TOML"),
    ],
)
def test_sidecar_values_are_checked_with_one_clear_line(tmp_path, sidecar, problem):
    (tmp_path / "r.txt").write_text("Some text about care.")
    (tmp_path / "r.toml").write_text(sidecar + "\n")
    with pytest.raises(LoadError) as raised:
        load_document(tmp_path / "r.txt", tmp_path)
    message = str(raised.value)
    assert message.startswith(f"{tmp_path / 'r.toml'}: ") and problem in message and "\n" not in message
    assert "fix the metadata file" in message


def test_sidecar_dates_may_be_toml_dates_and_keep_their_precision(tmp_path):
    (tmp_path / "r.txt").write_text("Some text about care.")
    (tmp_path / "r.toml").write_text("date = 2024-05-07\n")
    assert load_document(tmp_path / "r.txt", tmp_path).documents[0].date == "2024-05-07"
    (tmp_path / "r.toml").write_text('date = "2024-05"\n')
    assert load_document(tmp_path / "r.txt", tmp_path).documents[0].date == "2024-05"


def test_links_out_of_the_corpus_are_reported_and_not_followed(tmp_path):
    corpus, outside = tmp_path / "corpus", tmp_path / "outside"
    (corpus / "sub").mkdir(parents=True)
    outside.mkdir()
    (outside / "secret.txt").write_text("root:x:0:0")
    (outside / "folder").mkdir()
    (outside / "folder" / "inner.txt").write_text("more secrets")
    (corpus / "real.txt").write_text("Children in care.")
    (corpus / "passwd.txt").symlink_to("/etc/passwd")
    (corpus / "secret.txt").symlink_to(outside / "secret.txt")
    (corpus / "linked-folder").symlink_to(outside / "folder")
    (corpus / "inner-folder").symlink_to(corpus / "sub")
    (corpus / "alias.txt").symlink_to(corpus / "real.txt")  # inside the corpus: read (and found a duplicate)
    (corpus / "dangling.txt").symlink_to(tmp_path / "nothing.txt")
    scan = scan_corpus(corpus)
    assert scan.documents == [corpus / "alias.txt", corpus / "real.txt"]
    refused = {path.name: reason for path, reason in scan.refused.items()}
    assert set(refused) == {"passwd.txt", "secret.txt", "linked-folder", "inner-folder", "dangling.txt"}
    assert refused["passwd.txt"].startswith("a link to /etc/passwd, outside the corpus folder; not followed")
    assert "a link to a folder; not followed" in refused["inner-folder"]


def test_a_sidecar_linked_from_outside_is_refused(tmp_path):
    (tmp_path / "corpus").mkdir()
    (tmp_path / "meta.toml").write_text('title = "Leaked"\n')
    (tmp_path / "corpus" / "r.txt").write_text("Some text about care.")
    (tmp_path / "corpus" / "r.toml").symlink_to(tmp_path / "meta.toml")
    with pytest.raises(LoadError, match="a link to outside the corpus folder"):
        load_document(tmp_path / "corpus" / "r.txt", tmp_path / "corpus")


def test_document_without_metadata_gets_a_title(tmp_path):
    (tmp_path / "untitled-note.txt").write_text("\n\nFoster care allowances in 2024\n\nThe allowance rose by 6.88 per cent.")
    assert load_document(tmp_path / "untitled-note.txt", tmp_path).documents[0].title == "Foster care allowances in 2024"


def test_printed_page_labels_are_kept_beside_physical_pages(tmp_path):
    writer = PdfWriter(
        clone_from=make_pdf(
            tmp_path / "plain.pdf",
            [
                ["Contents", "Summary of the inspection findings."],
                ["Foreword", "Leaders welcomed the inspectors."],
                ["Findings", "Care leavers have personal advisers."],
                ["Annex", "Methodology of the inspection."],
            ],
        )
    )
    writer.set_page_label(0, 1, style="/r")
    writer.set_page_label(2, 3, style="/D", start=1)
    writer.write(tmp_path / "labelled.pdf")
    doc = pdf.load(tmp_path / "labelled.pdf")
    assert [(p.number, p.label) for p in doc.pages] == [(1, "i"), (2, "ii"), (3, "1"), (4, "2")]
    settings = Settings(160, 40, lambda text: True)
    passage = next(p for p in chunk_document(doc, settings) if "personal advisers" in p.text)
    assert (passage.page, passage.page_label) == (3, "1")
    hit = Hit(passage, doc, 1.0, 1, ("keyword",))
    assert citation(hit).endswith(", p. 1")  # people cite the printed label; links open physical page 3


def test_private_use_bullets_become_bullets():
    assert clean_line("\uf0a7 The Adoption and Children Act 2002") == "• The Adoption and Children Act 2002"
    assert clean_line("a \uf0d8 b") == "a • b"


def test_an_ofsted_judgement_heading_set_over_two_lines_labels_the_paragraphs_under_it(tmp_path):
    """In 15 reports the heading 'The experiences and progress of children who need help and / protection:
    requires improvement to be good' wrapped, was missed, and its paragraphs kept 'What needs to improve?'."""
    page = [
        "What needs to improve?",
        "- Services to children out of hours.",
        "- Waiting time for early help support.",
        "The experiences and progress of children who need help and",
        "protection: requires improvement to be good",
        "1. Despite some strong areas of practice in help and protection, not all children in",
        "the borough receive a consistently effective service from their social workers.",
        "2. Children aged 16 and 17 years who present as homeless receive an effective,",
        "rapid response and are placed in appropriate accommodation to meet their needs.",
    ]
    doc = pdf.load(make_pdf(tmp_path / "ofsted.pdf", [page]))
    titles = [h.title for h in doc.headings]
    wrapped = "The experiences and progress of children who need help and protection: requires improvement to be good"
    assert titles == ["What needs to improve?", wrapped]
    heading = next(h for h in doc.headings if h.title == wrapped)
    assert doc.text.index("2. Children aged 16") > heading.start > doc.text.index("Waiting time")


def test_an_ofsted_judgement_heading_without_its_the_is_a_heading(tmp_path):
    """Lewisham's report (and others of its year) head its judgements 'Experiences and progress of …: good', without
    'The': its help and protection paragraphs were labelled 'What needs to improve?', and the check against
    pdftotext missed it, reading the same wording."""
    page = [
        "What needs to improve?",
        "- Tracking arrangements for children who are subject to pre-proceedings.",
        "Experiences and progress of children who need help and protection: good",
        "1. Leaders reviewed early help services in 2020 and following a new strategy,",
        "ensured that they were better targeted at need.",
        "2. Contacts and referrals are managed within a timely and effective system.",
    ]
    doc = pdf.load(make_pdf(tmp_path / "ofsted.pdf", [page]))
    heading = "Experiences and progress of children who need help and protection: good"
    assert [h.title for h in doc.headings] == ["What needs to improve?", heading]
