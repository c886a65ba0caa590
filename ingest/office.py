"""Word (.docx, python-docx), OpenDocument text (.odt, odfpy) and Rich Text Format (.rtf, striprtf): paragraphs
in document order, headings by their paragraph style, table rows as lines of cells. These formats keep no page
numbers of their own, so a passage's location is its paragraph: the text's blank-line-separated paragraphs,
counted from 1 ("¶ 12", shown as such in citations)."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import docx
import msoffcrypto
from docx.table import Table
from odf import teletype
from odf.dc import Title
from odf.opendocument import load as load_odf
from striprtf.striprtf import rtf_to_text

from index.models import Document, Heading
from ingest.errors import LoadError
from ingest.layout import clean_line, find_headings, single_page, title_from_filename

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an OLE compound file: old binary Office, or encrypted OOXML
NEWER = {".docx": "Word", ".xlsx": "Excel"}


def check_package(path: Path) -> None:
    """Refuse, in one line, an Office file that is password-protected, macro-enabled, in the old binary format,
    or not a complete zip package."""
    with path.open("rb") as handle:
        head = handle.read(8)
        if not head:
            raise LoadError(path, "empty file", "remove it or replace it with the full document")
        if head == OLE:
            handle.seek(0)
            try:
                encrypted = msoffcrypto.OfficeFile(handle).is_encrypted()
            except Exception:
                encrypted = False
            if encrypted:
                raise LoadError(path, "password-protected", "save a copy without the password and add that instead")
            raise LoadError(path, f"an old binary Office file, not {NEWER.get(path.suffix.lower(), 'OpenDocument')}",
                            f"save it as {path.suffix.lower()} and add that instead")  # fmt: skip
    try:
        with zipfile.ZipFile(path) as package:
            names = set(package.namelist())
            manifest = package.read("META-INF/manifest.xml") if "META-INF/manifest.xml" in names else b""
    except (zipfile.BadZipFile, OSError) as error:
        raise LoadError(path, f"damaged or truncated ({error})", "replace it with a complete copy") from None
    if any(name.lower().endswith("vbaproject.bin") for name in names) or "Basic/script-lc.xml" in names:
        raise LoadError(path, "macro-enabled (it holds macros, which are never run here)",
                        "save a copy without macros (.docx, .xlsx, .odt) and add that instead")  # fmt: skip
    if b"encryption-data" in manifest:
        raise LoadError(path, "password-protected", "save a copy without the password and add that instead")


def paragraphed(path: Path, blocks: list[tuple[str, bool]], title: str = "") -> Document:
    """A Document from (text, is heading) blocks in order, one paragraph each."""
    kept = [(re.sub(r"\s*\n\s*", "\n", text).strip(), heading) for text, heading in blocks]
    kept = [(text, heading) for text, heading in kept if text]
    if not kept:
        raise LoadError(path, "no text in the document", "check that it is the full document")
    headings, pos = [], 0
    for text, heading in kept:
        if heading:
            headings.append(Heading(pos, text.replace("\n", " ")))
        pos += len(text) + 2
    text = "\n\n".join(text for text, _ in kept)
    title = clean_line(title) or (headings[0].title if headings else title_from_filename(path.stem))
    return Document(id=path.stem, path=path.name, title=title, text=text, pages=single_page(text), headings=headings)


def load_docx(path: Path) -> Document:
    """A Word document: body paragraphs and tables in order; styles named Title or Heading N are headings."""
    check_package(path)
    try:
        word = docx.Document(str(path))
    except Exception as error:  # python-docx raises KeyError, ValueError, lxml errors for damaged parts
        raise LoadError(path, f"not a readable Word document ({error})", "replace it with a complete copy") from None
    blocks = []
    for item in word.iter_inner_content():
        if isinstance(item, Table):
            blocks += [(" | ".join(cell_texts(row.cells)), False) for row in item.rows]
        else:
            style = (item.style.name if item.style is not None else "").lower()
            blocks.append((item.text, style.startswith(("heading", "title"))))
    return paragraphed(path, blocks, word.core_properties.title or "")


def cell_texts(cells) -> list[str]:
    """A table row's cell texts, a merged cell (repeated by python-docx) once."""
    texts, seen = [], set()
    for cell in cells:
        if id(cell._tc) not in seen:
            seen.add(id(cell._tc))
            texts.append(cell.text.replace("\n", " ").strip())
    return texts


ODF_BLOCKS = {"h", "p", "table-row"}


def load_odt(path: Path) -> Document:
    """An OpenDocument text: headings (text:h) and paragraphs (text:p) in order, lists and sections walked into,
    a table row as one line of cells."""
    check_package(path)
    try:
        document = load_odf(str(path))
    except Exception as error:
        raise LoadError(path, f"not a readable OpenDocument file ({error})", "replace it with a complete copy") from None
    blocks = []

    def walk(element) -> None:
        for child in element.childNodes:
            name = getattr(child, "tagName", "").partition(":")[2]
            if name == "table-row":
                cells = [
                    teletype.extractText(c).strip()
                    for c in child.childNodes
                    if getattr(c, "tagName", "") == "table:table-cell"
                ]
                blocks.append((" | ".join(cells), False))
            elif name in ("h", "p"):
                blocks.append((teletype.extractText(child), name == "h"))
            elif name not in ("", "tracked-changes", "annotation"):
                walk(child)

    walk(document.text)
    titles = document.meta.getElementsByType(Title)
    return paragraphed(path, blocks, teletype.extractText(titles[0]) if titles else "")


def load_rtf(path: Path) -> Document:
    """Rich Text Format: its text by striprtf, a paragraph per line; headings found by layout as in plain text."""
    data = path.read_bytes()
    if not data.lstrip().startswith(b"{\\rtf"):
        raise LoadError(path, "not an RTF file (no {\\rtf header)", "replace it with the real file or fix its extension")
    try:
        text = rtf_to_text(data.decode("cp1252", errors="replace"), errors="replace")
    except Exception as error:
        raise LoadError(path, f"not readable RTF ({error})", "replace it with a complete copy") from None
    lines = [line.strip() for line in text.splitlines()]
    starts = {h.title for h in find_headings("\n".join(line for line in lines if line))}
    return paragraphed(path, [(line, line in starts) for line in lines])
