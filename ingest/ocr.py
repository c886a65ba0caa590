"""Reading scanned pages and images with Tesseract (Debian tesseract-ocr and tesseract-ocr-eng, its command run
on each image): a page's text as Tesseract reads it, its lines joined into paragraphs, with each word's place in
that text, its box on the image and Tesseract's confidence. The same reading at ingest and when a page image
is drawn, so a passage's words are found again on the image to highlight them. Scanned pages then go through
the same steps as a PDF's text layer (running headers dropped, lines joined into paragraphs, headings found)."""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import unicodedata
from dataclasses import dataclass

from PIL import Image

DPI = 300  # scanned PDF pages are rendered at this resolution for OCR (benchmarks.ocr: 200 and 300 dpi compared)
LANGUAGE = "eng"
SETTINGS = "--psm 3"  # fully automatic page segmentation, Tesseract's default
TESSERACT = "tesseract"
# Tesseract single-threaded: on two cores its OpenMP threads made a page five times slower (7.0 s against 1.4 s
# for KCSIE's flowchart page at 300 dpi) and took the cores the embedding model runs on. Set for its process
# only: in this one the limit would reach FAISS's OpenMP threads (IVF training hung under it).
SINGLE = {**os.environ, "OMP_THREAD_LIMIT": "1"}


@dataclass(frozen=True)
class Word:
    """One word Tesseract read: its text, its box in image pixels (left, top, right, bottom), its confidence."""

    text: str
    box: tuple[int, int, int, int]
    confidence: float  # 0-100


@dataclass(frozen=True)
class Reading:
    """A page as Tesseract read it: its lines (words joined by spaces) and its words in reading order."""

    lines: list[str]
    words: list[Word]

    @property
    def mean(self) -> float:
        return round(sum(w.confidence for w in self.words) / len(self.words), 1) if self.words else 0.0


def available() -> bool:
    return shutil.which(TESSERACT) is not None


class OcrError(RuntimeError):
    """Tesseract failed on an image, or took longer than allowed."""


FIX = "raise [limits] max_seconds in config.toml if the scan is genuine, or replace it with a clearer one"


def read(image: Image.Image, seconds: float = 0) -> Reading:
    """Tesseract's reading of an image (its TSV output: one row per word, with its line, box and confidence);
    OcrError after `seconds` (0: no limit) or when Tesseract fails."""
    png = io.BytesIO()
    image.convert("L").save(png, format="PNG")
    command = [TESSERACT, "stdin", "stdout", "-l", LANGUAGE, *SETTINGS.split(), "tsv"]
    try:
        done = subprocess.run(command, input=png.getvalue(), capture_output=True, timeout=seconds or None, env=SINGLE)
    except subprocess.TimeoutExpired:
        raise OcrError(f"OCR took longer than {seconds:.0f} s") from None
    if done.returncode != 0:
        raise OcrError(f"Tesseract failed ({done.stderr.decode(errors='replace').strip()[:200]})")
    lines: dict[tuple[str, ...], list[str]] = {}
    words = []
    rows = csv.DictReader(io.StringIO(done.stdout.decode("utf-8", errors="replace")), delimiter="\t", quoting=csv.QUOTE_NONE)
    for row in rows:
        text = (row.get("text") or "").strip()
        if row.get("level") != "5" or not text:  # level 5: a word
            continue
        lines.setdefault((row["page_num"], row["block_num"], row["par_num"], row["line_num"]), []).append(text)
        left, top, width, height = (int(row[key]) for key in ("left", "top", "width", "height"))
        words.append(Word(text, (left, top, left + width, top + height), max(float(row["conf"]), 0.0)))
    return Reading([" ".join(line) for line in lines.values()], words)


def word_spans(words: list[Word], body: str, offset: int = 0) -> list[tuple[int, int, float]]:
    """Where each word is in `body` (text made from the words' lines, perhaps without some lines at its edges and
    with other spacing), as (start, end, confidence) shifted by `offset`; words not in it are left out."""
    found, where = letters_of(body)
    word_letters = [letters_of(w.text)[0] for w in words]
    at = "".join(word_letters).find(found) if found else -1
    if at < 0:
        return []
    spans, pos = [], 0
    for word, spelled in zip(words, word_letters):
        first, last = pos - at, pos - at + len(spelled) - 1
        pos += len(spelled)
        if spelled and 0 <= first and last < len(found):
            spans.append((offset + where[first], offset + where[last] + 1, word.confidence))
    return spans


def letters_of(text: str) -> tuple[str, list[int]]:
    """Letters and digits of `text` (NFKC, lower case), and for each the index of the character it came from."""
    out, where = [], []
    for index, char in enumerate(text):
        for letter in unicodedata.normalize("NFKC", char).lower():
            if letter.isalnum():
                out.append(letter)
                where.append(index)
    return "".join(out), where


def confidence(spans: list[tuple[int, int, float]], start: int, end: int) -> float | None:
    """Mean confidence of the words that overlap [start, end), or None when there are none."""
    inside = [c for a, b, c in spans if a < end and b > start]
    return round(sum(inside) / len(inside), 1) if inside else None
