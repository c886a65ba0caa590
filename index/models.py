"""The one data model shared by ingest, index, search_app and evaluation."""

from __future__ import annotations

from dataclasses import dataclass, field

KINDS = ("report", "guidance", "inspection", "survey write-up", "summary", "news", "commentary")


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


@dataclass
class Document:
    """A source document: metadata plus its extracted text, pages and headings."""

    id: str
    path: str
    title: str
    publisher: str = ""
    date: str = ""
    kind: str = ""
    source: str = ""
    licence: str = ""
    sha256: str = ""
    text: str = ""
    pages: list[Page] = field(default_factory=list)
    headings: list[Heading] = field(default_factory=list)
    fingerprint: str = ""  # hash of the file and its metadata sidecar: unchanged documents are reused

    @property
    def is_pdf(self) -> bool:
        return self.path.lower().endswith(".pdf")


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


@dataclass(frozen=True)
class Hit:
    """A ranked search result: the passage, its document and why it matched."""

    passage: Passage
    document: Document
    score: float
    rank: int
    matched_by: tuple[str, ...]
