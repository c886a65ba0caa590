"""Text clean-up and heading detection shared by the loaders."""

from __future__ import annotations

import re

from index.models import Heading, Page

LIGATURES = str.maketrans(
    {"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "ft", "ﬆ": "st", "\u00a0": " ", "\u00ad": "", "\t": " "}
)
TERMINAL = tuple(".,;:!)]\"”’'")
NUMBERED = re.compile(r"^(\d+(\.\d+)*\.?|[a-z]\)|\(?[ivx]+\)|[•●▪◼■○◦➢]|-|–|\*)\s")


PRIVATE_USE = re.compile(r"[\ue000-\uf8ff]")  # symbol-font glyphs (Wingdings bullets) with no Unicode meaning


def clean_line(line: str) -> str:
    """One extracted line with ligatures expanded, soft hyphens dropped, private-use bullets made "•" and spaces
    collapsed."""
    return re.sub(r" {2,}", " ", PRIVATE_USE.sub("•", line.translate(LIGATURES))).strip()


def looks_like_heading(line: str, next_line: str | None) -> bool:
    """A short line without closing punctuation, followed by body text, reads as a heading."""
    words = line.split()
    if not 1 <= len(words) <= 14 or len(line) > 100 or line.endswith(TERMINAL):
        return False
    if not (line[0].isupper() or line[0].isdigit()) or NUMBERED.match(line) and not line[0].isdigit():
        return False
    if sum(ch.isalpha() for ch in line) < 3:
        return False
    return next_line is not None and (len(next_line) > len(line) or next_line.endswith((".", ":")))


def clean_text(text: str) -> str:
    """Whole-text clean-up: unified newlines, no trailing spaces, at most one blank line."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(LIGATURES)
    text = re.sub(r"[ ]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def find_headings(text: str, offset: int = 0) -> list[Heading]:
    """Headings among the newline-separated lines of `text`; offsets shifted by `offset`."""
    lines = [(m.start(), m.group().strip()) for m in re.finditer(r"[^\n]+", text) if m.group().strip()]
    headings = []
    for i, (start, line) in enumerate(lines):
        following = lines[i + 1][1] if i + 1 < len(lines) else None
        if looks_like_heading(line, following):
            lead = len(text[start:]) - len(text[start:].lstrip())
            headings.append(Heading(offset + start + lead, line))
    return headings


def single_page(text: str) -> list[Page]:
    """The page list of a document that has no pages."""
    return [Page(1, 0, len(text), "1")]


def first_line_title(text: str, fallback: str) -> str:
    """A readable title: the first substantial line of the text, else a fallback."""
    for line in text.splitlines():
        line = line.strip()
        if 3 <= len(line) <= 150 and sum(ch.isalpha() for ch in line) >= 3:
            return line
    return fallback


def title_from_filename(stem: str) -> str:
    """'care-crisis_review' -> 'Care crisis review'."""
    words = re.sub(r"[_\-]+", " ", stem).strip()
    return words[:1].upper() + words[1:] if words else stem
