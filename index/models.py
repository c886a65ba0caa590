"""The one data model shared by ingest, index, search_app and evaluation."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field

KINDS = ("report", "guidance", "inspection", "survey write-up", "summary", "news", "commentary")
GRADES = ("outstanding", "good", "requires improvement", "inadequate")  # Ofsted's four, in order
FINDINGS = ("weakness", "strength", "neutral")  # what an inspection report's passage says (ingest/findings.py)
JUDGEMENTS = ("leaders", "help_and_protection", "children_in_care", "care_leavers", "overall")


@dataclass(frozen=True)
class Page:
    """A physical page: 1-based number, printed label, and its span in the document text."""

    number: int
    start: int
    end: int
    label: str = ""


@dataclass(frozen=True)
class Heading:
    """A section heading that starts at character offset `start` of the document text."""

    start: int
    title: str


IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff")
PARAGRAPHED = {"docx", "odt", "rtf"}
TABULAR = {"xlsx", "ods", "csv"}


@dataclass
class Document:
    """A source document: metadata plus its extracted text, pages and headings."""

    id: str
    path: str
    title: str
    publisher: str = ""
    date: str = ""
    kind: str = ""
    source: str = ""  # where the file came from (provenance: often a scrape repository)
    publisher_url: str = ""  # the publisher's own page for the document, where known
    licence: str = ""
    sha256: str = ""
    text: str = ""
    pages: list[Page] = field(default_factory=list)
    headings: list[Heading] = field(default_factory=list)
    fingerprint: str = ""  # hash of the file and its metadata sidecar: unchanged documents are reused
    local_authority: str = ""  # the council an Ofsted inspection report is about
    inspection_start: str = ""  # ISO dates of the inspection visit
    inspection_end: str = ""
    judgements: dict[str, str] = field(default_factory=dict)  # JUDGEMENTS key -> one of GRADES

    parent: str = ""  # the id of the message or archive this document came out of ("" for a file of its own)
    sender: str = ""  # an email's From, To and Cc headers
    recipients: str = ""
    within: str = ""  # what it came in, as citations say it: 'attachment to the email “…” from …, 2024-05-14'
    ocr_words: list[tuple[int, int, float]] = field(default_factory=list, repr=False)  # words read by OCR: (start,
    # end, confidence) in text; kept only until its passages have their confidence (not stored)

    @property
    def is_pdf(self) -> bool:
        return self.path.lower().endswith(".pdf")

    @property
    def paged(self) -> bool:
        """Whether its locations are pages with an image to show: a PDF or a scanned image."""
        return self.is_pdf or self.path.lower().endswith(IMAGE_SUFFIXES)

    @property
    def locator(self) -> str:
        """What a passage's location names: page, paragraph (Word, OpenDocument, RTF), rows (spreadsheets) or ""."""
        suffix = self.path.lower().rpartition(".")[2]
        return "page" if self.paged else "paragraph" if suffix in PARAGRAPHED else "rows" if suffix in TABULAR else ""

    def location(self, page_label: str) -> str:
        """A passage's place, as citations write it: 'p. 5', '¶ 12–14', 'Sheet1, rows 2–21' (or "")."""
        if not page_label or not self.locator:
            return ""
        return f"p. {page_label}" if self.locator == "page" else page_label


@dataclass(frozen=True)
class Passage:
    """A span of a document's text: `text == document.text[start:end]`, on pages page..page_end."""

    document_id: str
    text: str
    start: int
    end: int
    page: int
    page_end: int
    section: str
    tokens: int
    page_label: str = ""
    id: int = 0
    section_judgement: str = ""  # the grade its section heading carries, in an inspection report
    roles: tuple[str, ...] = ()  # the speaker roles of the quotations it holds, in a survey write-up
    finding: str = ""  # in an inspection report: weakness, strength or neutral (ingest/findings.py)
    quotes: tuple[tuple[int, int, str], ...] = ()  # (start, end, role) of each quotation it holds, within text
    confidence: float | None = None  # read by OCR: Tesseract's mean word confidence (0-100) over its words

    @property
    def ocr(self) -> bool:
        return self.confidence is not None


def letters(text: str) -> str:
    """Only letters and digits, NFKC-folded (ligatures expanded) and lower-cased: independent of layout."""
    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", text)).lower()


def passage_key(passage: Passage) -> str:
    """A passage's lasting name: its page and a fingerprint of its words ('12.3f9a0c1b2d'). It survives a rebuild
    or the document being edited elsewhere, where the row id does not."""
    return f"{passage.page}.{hashlib.sha256(letters(passage.text).encode()).hexdigest()[:10]}"


@dataclass(frozen=True)
class Hit:
    """A ranked search result: the passage, its document and why it matched."""

    passage: Passage
    document: Document
    score: float
    rank: int
    matched_by: tuple[str, ...]
    also: tuple[tuple[Passage, Document], ...] = ()  # other places saying the same (near-duplicates), folded here
