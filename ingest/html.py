"""HTML documents: main content only, headings kept."""

from __future__ import annotations

import re
from pathlib import Path

from bs4 import BeautifulSoup, Tag

from index.models import Document, Heading
from ingest.errors import LoadError
from ingest.layout import clean_line, single_page, title_from_filename
from ingest.text import decode

DROP_TAGS = [
    "script",
    "style",
    "noscript",
    "nav",
    "header",
    "footer",
    "aside",
    "form",
    "iframe",
    "svg",
    "button",
    "template",
    "menu",
]
BOILERPLATE = re.compile(r"cookie|consent|banner|breadcrumb|navbar|menu|share|social|newsletter|skip|sidebar|popup", re.I)
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
BLOCKS = HEADINGS | {"p", "li", "td", "th", "blockquote", "pre", "dt", "dd", "figcaption", "caption", "div"}


def is_boilerplate(tag: Tag) -> bool:
    """Cookie banners, menus and share bars, judged by id, class and role (never the page's main parts)."""
    if tag.name in {"html", "body", "main", "article"}:
        return False
    marks = " ".join([tag.get("id") or "", " ".join(tag.get("class") or []), tag.get("role") or ""])
    return bool(BOILERPLATE.search(marks)) or tag.get("role") in {"navigation", "banner", "contentinfo"}


def content_root(soup: BeautifulSoup) -> Tag:
    """The main content element, else the body."""
    for tag in soup.find_all(DROP_TAGS):
        tag.decompose()
    for tag in [t for t in soup.find_all(True) if t.attrs is not None and is_boilerplate(t)]:
        if not tag.decomposed:
            tag.decompose()
    return soup.find("main") or soup.find("article") or soup.body or soup


def leaf_blocks(root: Tag) -> list[Tag]:
    """Block elements that hold no other block element, in document order."""
    return [tag for tag in root.find_all(BLOCKS) if not tag.find(BLOCKS)]


def load(path: Path) -> Document:
    """An .html/.htm file as a one-page Document."""
    soup = BeautifulSoup(decode(path, path.read_bytes()), "html.parser")
    page_title = clean_line(soup.title.get_text(" ")) if soup.title else ""
    blocks, headings, pos = [], [], 0
    for tag in leaf_blocks(content_root(soup)):
        line = clean_line(tag.get_text(" "))
        if not line:
            continue
        if tag.name in HEADINGS:
            headings.append(Heading(pos, line))
        blocks.append(line)
        pos += len(line) + 2
    text = "\n\n".join(blocks)
    if not text:
        raise LoadError(path, "no readable text in the HTML", "check that the page's content is in the file")
    title = page_title or (headings[0].title if headings else title_from_filename(path.stem))
    return Document(id=path.stem, path=path.name, title=title, text=text, pages=single_page(text), headings=headings)
