"""PDF documents: text per physical page, running headers and footers dropped, lines unwrapped."""

from __future__ import annotations

import logging
import re
import time
from collections import Counter
from pathlib import Path

import pypdfium2
from pypdf import PdfReader

from index.models import Document, Heading, Page
from ingest import ocr
from ingest.errors import LoadError
from ingest.layout import NUMBERED, clean_line, looks_like_heading, title_from_filename
from ingest.metadata import GRADE

logging.getLogger("pypdf").setLevel(logging.ERROR)
MIN_LETTERS = 20  # a page with fewer letters in its text layer, and an image on it, is a scan
EDGE_LINES = 3  # lines at the top and bottom of a page that may be running headers or footers


def open_reader(path: Path) -> PdfReader:
    """A PdfReader, or a LoadError saying why the file cannot be read."""
    data = path.read_bytes()
    if not data:
        raise LoadError(path, "empty file", "remove it or replace it with the full PDF")
    if not data.lstrip()[:5].startswith(b"%PDF"):
        raise LoadError(path, "not a PDF (no %PDF header)", "replace it with the real PDF or fix its extension")
    try:
        reader = PdfReader(path)
        if reader.is_encrypted and not reader.decrypt(""):
            raise LoadError(path, "encrypted PDF", "supply a decrypted copy")
        len(reader.pages)
    except LoadError:
        raise
    except Exception as error:  # pypdf raises many types for damaged files
        raise LoadError(path, f"corrupt or truncated PDF ({cause(error)})", "replace it with a complete copy") from error
    return reader


def cause(error: BaseException) -> str:
    """The most telling reason in an exception chain (pypdf wraps the real one in 'Error reading PDF file')."""
    link = error
    while link is not None:
        if isinstance(link, RecursionError):
            return "its objects are nested too deeply to read"
        link = link.__cause__ or link.__context__
    return str(error)


def check_pages(path: Path, max_pages: int) -> None:
    """Refuse, before extracting, a PDF with more pages than the limit."""
    count = len(open_reader(path).pages)
    if count > max_pages:
        raise LoadError(
            path,
            f"{count:,} pages, over the limit of {max_pages:,} ([limits] max_pages)",
            "raise the limit in config.toml or split the file",
        )


def edge_key(line: str) -> str:
    """A line with digits masked, so 'Page 3 of 9' and 'Page 4 of 9' compare equal."""
    return re.sub(r"\d+", "#", line.lower())


def running_lines(pages: list[list[str]]) -> set[str]:
    """Keys of lines at page edges that repeat on at least half the pages (headers, footers)."""
    if len(pages) < 3:
        return set()
    counts = Counter()
    for lines in pages:
        counts.update({edge_key(line) for line in lines[:EDGE_LINES] + lines[-EDGE_LINES:]})
    return {key for key, n in counts.items() if n >= max(3, len(pages) / 2)}


def strip_edges(lines: list[str], running: set[str]) -> list[str]:
    """A page's lines without running headers, footers and bare page numbers at its edges."""

    def is_furniture(line: str) -> bool:
        return edge_key(line) in running or bool(re.fullmatch(r"(page )?\d{1,4}( of \d{1,4})?", line.lower()))

    while lines and is_furniture(lines[0]):
        lines = lines[1:]
    while lines and is_furniture(lines[-1]):
        lines = lines[:-1]
    return lines


# The headings every Ofsted local authority inspection report (ILACS) uses, in its own words: found whole even
# when set over two lines or in the body's type size.
OFSTED_HEADING = re.compile(
    rf"What needs to improve\?|(?:(?:The )?impact of leaders on social work practice with children and families|"
    rf"(?:The )?experiences and progress of (?:children who need help and protection|children in care(?: and care leavers)?|"
    rf"care leavers)):\s*{GRADE}",
    re.I,
)


def is_heading(previous: str | None, line: str, following: str | None, width: int) -> bool:
    """A short line that ends no sentence, after a finished paragraph and before a capitalised line."""
    return (
        looks_like_heading(line, following)
        and len(line) <= 0.85 * width
        and (previous is None or previous.endswith((".", ":", "?", "!")))
        and following is not None
        and (following[:1].isupper() or following[:1].isdigit() or bool(NUMBERED.match(following)))
    )


def merge_heading_tails(lines: list[str], width: int) -> tuple[list[str], set[int]]:
    """A heading wrapped onto a short lower-case second line becomes one line, as does an Ofsted report's
    judgement heading wrapped anywhere (its wording is fixed: OFSTED_HEADING); returns the lines and the indices
    of the merged headings, and of judgement headings on one line."""
    merged: list[str] = []
    heads: set[int] = set()
    for line in lines:
        previous = merged[-1] if merged else None
        before = merged[-2] if len(merged) > 1 else None
        if previous and OFSTED_HEADING.fullmatch(f"{previous} {line}"):
            merged[-1] = f"{previous} {line}"
            heads.add(len(merged) - 1)
        elif OFSTED_HEADING.fullmatch(line):
            merged.append(line)
            heads.add(len(merged) - 1)
        elif (
            previous
            and line[:1].islower()
            and len(line) <= 0.5 * width
            and not line.endswith(".")
            and looks_like_heading(previous, line + ".")
            and (before is None or before.endswith((".", ":", "?", "!")))
        ):
            merged[-1] = f"{previous} {line}"
            heads.add(len(merged) - 1)
        else:
            merged.append(line)
    return merged, heads


def unwrap(lines: list[str]) -> tuple[str, list[Heading]]:
    """Visual lines joined into paragraphs (new ones at list items, headings and after short lines),
    and the headings found, with offsets into the returned text."""
    if not lines:
        return "", []
    width = sorted(len(line) for line in lines)[len(lines) * 3 // 4]
    lines, heads = merge_heading_tails(lines, width)
    flags = [
        i in heads or is_heading(lines[i - 1] if i else None, line, lines[i + 1] if i + 1 < len(lines) else None, width)
        for i, line in enumerate(lines)
    ]
    out, headings, pos = [], [], 0
    for i, line in enumerate(lines):
        previous = lines[i - 1] if i else ""
        if i == 0:
            sep = ""
        elif (
            flags[i]
            or flags[i - 1]
            or NUMBERED.match(line)
            or (previous.endswith((".", ":", "?", "!")) and len(previous) < 0.8 * width)
        ):
            sep = "\n"
        elif previous.endswith("-") and line[:1].islower():
            sep = ""
        else:
            sep = " "
        pos += len(sep)
        if flags[i]:
            headings.append(Heading(pos, line))
        out.append(sep + line)
        pos += len(line)
    return "".join(out), headings


def outline_headings(reader: PdfReader) -> dict[int, list[str]]:
    """Bookmark titles by 0-based page index (empty when the PDF has no outline)."""
    found: dict[int, list[str]] = {}

    def walk(items):
        for item in items:
            if isinstance(item, list):
                walk(item)
                continue
            try:
                found.setdefault(reader.get_destination_page_number(item), []).append(clean_line(item.title))
            except Exception:  # a bookmark pointing nowhere is not worth failing the document for
                continue

    try:
        walk(reader.outline)
    except Exception:
        return {}
    return found


def locate_titles(text: str, offset: int, titles: list[str]) -> list[Heading]:
    """Bookmark titles found in a page's text, as headings."""
    headings, folded = [], text.lower()
    for title in titles:
        at = folded.find(title.lower()[:60])
        if title and at >= 0:
            headings.append(Heading(offset + at, title))
    return sorted(headings, key=lambda h: h.start)


def page_texts(path: Path) -> list[str]:
    """The text of each page, by PDFium (about fifteen times faster than pypdf here). PDFium joins a word broken
    over two lines with U+FFFE where the hyphen was; it becomes the hyphen again, as pypdf gave it."""
    document = pypdfium2.PdfDocument(path)
    try:
        texts = []
        for page in document:
            textpage = page.get_textpage()
            texts.append(textpage.get_text_range().replace("\ufffe", "-"))
            textpage.close()
            page.close()
        return texts
    finally:
        document.close()


def scanned(document: pypdfium2.PdfDocument, index: int) -> bool:
    """Whether a page without text holds an image: a scan, for OCR (an empty page is left empty)."""
    page = document[index]
    try:
        return any(True for _ in page.get_objects(filter=[pypdfium2.raw.FPDF_PAGEOBJ_IMAGE], max_depth=2))
    finally:
        page.close()


def scan_image(document: pypdfium2.PdfDocument, index: int):
    """A page (0-based) as the image OCR reads: grey, at ocr.DPI (the same at ingest, audit and highlighting)."""
    page = document[index]
    try:
        return page.render(scale=ocr.DPI / 72, grayscale=True).to_pil()
    finally:
        page.close()


def ocr_pages(path: Path, raw: list[list[str]], seconds: float) -> dict[int, ocr.Reading]:
    """Tesseract's reading of each page (0-based index) that has fewer than MIN_LETTERS letters of text and an
    image on it, rendered at ocr.DPI; within `seconds` in all (0: no limit)."""
    document = pypdfium2.PdfDocument(path)
    started, readings = time.monotonic(), {}
    try:
        for index, lines in enumerate(raw):
            if sum(ch.isalpha() for line in lines for ch in line) >= MIN_LETTERS or not scanned(document, index):
                continue
            left = seconds - (time.monotonic() - started) if seconds else 0
            readings[index] = ocr.read(scan_image(document, index), max(left, 1) if seconds else 0)
    finally:
        document.close()
    return readings


def load(path: Path, read_scans: bool = False, seconds: float = 0) -> Document:
    """A PDF as a Document whose pages map to spans of its text (outline, page labels and title from pypdf).
    With `read_scans`, pages that are scanned images are read by OCR (ingest/ocr.py) within `seconds`."""
    reader = open_reader(path)
    try:
        raw = [[clean_line(x) for x in text.splitlines()] for text in page_texts(path)]
    except Exception as error:
        raise LoadError(path, f"text could not be extracted ({error})", "replace it with a complete copy") from error
    raw = [[line for line in lines if line] for lines in raw]
    try:
        readings = ocr_pages(path, raw, seconds) if read_scans and ocr.available() else {}
    except ocr.OcrError as error:
        raise LoadError(path, f"{error} ([limits] max_seconds)", ocr.FIX) from None
    for index, reading in readings.items():
        raw[index] = [clean_line(line) for line in reading.lines]
    if not any(raw):
        fix = "install tesseract-ocr and set [limits] ocr = true" if not read_scans or not ocr.available() else ""
        raise LoadError(path, "no text layer (a scanned PDF?)" + (" and OCR is off" if fix else ", and OCR read no text"),
                        fix or "supply a clearer scan or a PDF with text")  # fmt: skip
    meta_title = (reader.metadata or {}).get("/Title") if reader.metadata else None
    title = clean_line(str(meta_title)) if meta_title and len(str(meta_title)) > 5 else title_from_filename(path.stem)
    return assemble(path, title, raw, list(reader.page_labels), outline_headings(reader), readings)


def assemble(
    path: Path,
    title: str,
    raw: list[list[str]],
    labels: list[str],
    outline: dict[int, list[str]],
    readings: dict[int, ocr.Reading],
) -> Document:
    """A Document from each page's lines: running headers and footers dropped, lines joined into paragraphs,
    headings from the outline (else from the layout); pages read by OCR keep their words' confidences."""
    running = running_lines(raw)
    parts, pages, headings, spans, pos = [], [], [], [], 0
    for index, lines in enumerate(raw):
        body, found = unwrap(strip_edges(lines, running))
        pages.append(Page(index + 1, pos, pos + len(body), labels[index] if index < len(labels) else str(index + 1)))
        if outline:
            headings += locate_titles(body, pos, outline.get(index, []))
        else:
            headings += [Heading(pos + h.start, h.title) for h in found]
        if index in readings:
            spans += ocr.word_spans(readings[index].words, body, pos) or [(pos, pos + len(body), readings[index].mean)]
        parts.append(body)
        pos += len(body) + 2
    document = Document(id=path.stem, path=path.name, title=title, text="\n\n".join(parts), pages=pages, headings=headings)
    document.ocr_words = spans
    return document
