"""Plain-text and Markdown documents."""

from __future__ import annotations

import re
from pathlib import Path

from index.models import Document, Heading
from ingest.errors import LoadError
from ingest.layout import clean_text, find_headings, first_line_title, single_page, title_from_filename


def decode(path: Path, data: bytes) -> str:
    """Bytes as text: UTF-8 (with or without BOM), else Windows-1252, else Latin-1."""
    if not data.strip():
        raise LoadError(path, "empty file", "remove it or replace it with the full document")
    if b"\x00" in data[:4096]:
        raise LoadError(path, "binary data, not text", "convert it to plain text, HTML or PDF")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def markdown_headings(text: str) -> list[Heading]:
    """Markdown '#' lines as headings."""
    return [Heading(m.start(), m.group(2).strip()) for m in re.finditer(r"(?m)^(#{1,6})\s+(.+)$", text)]


def load(path: Path) -> Document:
    """A .txt or .md file as a one-page Document."""
    text = clean_text(decode(path, path.read_bytes()))
    if not text:
        raise LoadError(path, "no text after removing whitespace", "supply the document's full text")
    headings = markdown_headings(text) if path.suffix.lower() == ".md" else find_headings(text)
    title = headings[0].title if headings else first_line_title(text, title_from_filename(path.stem))
    return Document(id=path.stem, path=path.name, title=title, text=text, pages=single_page(text), headings=headings)
