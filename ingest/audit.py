"""python -m ingest --audit: an independent extractor (poppler's pdftotext) confirms that every PDF passage's words
are on the page it cites; a passage read by OCR (a scanned page, an image) is checked against Tesseract's reading
of its page made again from the file."""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pypdfium2
from PIL import Image, ImageSequence

from index.backends import open_backend
from index.config import Config
from index.models import letters
from ingest import ocr
from ingest.pdf import scan_image

WORD = re.compile(r"[^\W\d_]+|\d+")  # letter runs and digit runs: a footnote number glued to a word counts apart


def words(text: str) -> Counter:
    return Counter(WORD.findall(unicodedata.normalize("NFKC", text).lower()))


def poppler_pages(path: Path) -> list[str]:
    """The text of each page as pdftotext extracts it (pages end with a form feed)."""
    done = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, timeout=300)
    if done.returncode != 0:
        raise RuntimeError(f"{path}: pdftotext failed ({done.stderr.decode(errors='replace').strip()})")
    return done.stdout.decode("utf-8", errors="replace").split("\f")


@dataclass
class DocumentAudit:
    """How many of a document's passages were confirmed, and which were not."""

    path: str
    passages: int = 0
    in_order: int = 0  # the passage's letters appear in this order on the page
    as_words: int = 0  # every word of the passage is on the page, in another order or spacing
    missing: list[str] = field(default_factory=list)  # passage id and page, with the words not found


def scanned_pages(path: Path, numbers: set[int]) -> dict[int, str]:
    """Tesseract's text of the given pages (1-based) of a PDF or image, rendered as at ingest."""
    if path.suffix.lower() == ".pdf":
        document = pypdfium2.PdfDocument(path)
        try:
            images = {n: scan_image(document, n - 1) for n in numbers if n <= len(document)}
        finally:
            document.close()
    else:
        with Image.open(path) as image:
            images = {n: frame.copy() for n, frame in enumerate(ImageSequence.Iterator(image), start=1) if n in numbers}
    return {n: "\n".join(ocr.read(image).lines) for n, image in images.items()}


def audit_document(path: Path, passages) -> DocumentAudit:
    """Check each passage against pdftotext's text of its page (Tesseract's, for a passage read by OCR)."""
    passages = list(passages)
    pages = poppler_pages(path) if path.suffix.lower() == ".pdf" else []
    for number, text in scanned_pages(path, {p.page for p in passages if p.ocr}).items():
        pages += [""] * (number - len(pages))
        pages[number - 1] = text
    flat = [letters(page) for page in pages]
    counts = [words(page) for page in pages]
    report = DocumentAudit(path.name)
    for passage in passages:
        report.passages += 1
        index = passage.page - 1
        if index < len(pages) and letters(passage.text) in flat[index]:
            report.in_order += 1
            continue
        page = flat[index] if index < len(pages) else ""
        # every word on the page, whatever the order (columns, tables) or the spacing the two extractors chose
        # around hyphens and footnote numbers ("health7", "be haviour")
        lacking = [w for w in words(passage.text) if w not in counts[index] and letters(w) not in page]
        if not lacking:
            report.as_words += 1
        else:
            report.missing.append(f"passage {passage.id} on page {passage.page}: {', '.join(sorted(lacking)[:8])}")
    return report


def audit_index(config: Config) -> list[DocumentAudit]:
    """Every PDF of the published index, audited."""
    if not shutil.which("pdftotext"):
        raise RuntimeError("pdftotext is not installed; install poppler-utils (apt-get install poppler-utils)")
    build = open_backend(config).current()
    return [
        audit_document(config.corpus / document.path, build.store.document_passages(document.id))
        for document in sorted(build.store.documents.values(), key=lambda d: d.path)
        if document.paged and (config.corpus / document.path).is_file()  # not a PDF inside an email or archive
    ]
