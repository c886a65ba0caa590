"""An original PDF page as a PNG (pypdfium2) with a passage's words highlighted, from boxes of the PDF's own
character positions; cached on disk."""

from __future__ import annotations

import hashlib
import io
import unicodedata
from difflib import SequenceMatcher
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image, ImageDraw

SCALE = 1.5  # 108 dpi: readable, and a page is about 900 x 1260 pixels
HIGHLIGHT = (255, 208, 0, 110)
MIN_RUN = 8  # letters in a row that must agree for a stretch of the page to count as the passage's


def folded(text: str) -> tuple[str, list[int]]:
    """Letters and digits of `text` (NFKC, lower case), and for each the index of the character it came from."""
    out, where = [], []
    for index, char in enumerate(text):
        for letter in unicodedata.normalize("NFKC", char).lower():
            if letter.isalnum():
                out.append(letter)
                where.append(index)
    return "".join(out), where


def passage_chars(page_text: str, passage: str) -> list[int]:
    """Indices of the page's characters that spell the passage: the exact run if there is one, else the runs of at
    least MIN_RUN letters the two share in order (the extractors may order columns or hyphens differently)."""
    page_letters, where = folded(page_text)
    wanted, _ = folded(passage)
    if not wanted:
        return []
    at = page_letters.find(wanted)
    if at >= 0:
        return where[at : at + len(wanted)]
    blocks = SequenceMatcher(None, page_letters, wanted, autojunk=False).get_matching_blocks()
    return [i for block in blocks if block.size >= MIN_RUN for i in where[block.a : block.a + block.size]]


def line_boxes(boxes: list[tuple[float, float, float, float]]) -> list[tuple[float, float, float, float]]:
    """Character boxes (left, bottom, right, top) merged into one box per run on a line."""
    merged: list[list[float]] = []
    for left, bottom, right, top in boxes:
        last = merged[-1] if merged else None
        if last and abs(last[1] - bottom) < 2 and left - last[2] < 20:
            last[2], last[3], last[1] = max(last[2], right), max(last[3], top), min(last[1], bottom)
        else:
            merged.append([left, bottom, right, top])
    return [tuple(box) for box in merged]


def render_page(pdf_path: Path, page_number: int, passage: str) -> bytes:
    """PNG bytes of a page (1-based) with `passage` highlighted (nothing highlighted when it is "")."""
    pdf = pdfium.PdfDocument(str(pdf_path))
    try:
        page = pdf[page_number - 1]
        width, height = page.get_size()
        image = page.render(scale=SCALE).to_pil().convert("RGBA")
        if passage:
            text = page.get_textpage()
            chars = passage_chars(text.get_text_range(), passage)
            layer = Image.new("RGBA", image.size, (0, 0, 0, 0))
            draw = ImageDraw.Draw(layer)
            for left, bottom, right, top in line_boxes([text.get_charbox(i) for i in chars]):
                draw.rectangle([left * SCALE - 1, (height - top) * SCALE - 1, right * SCALE + 1,
                                (height - bottom) * SCALE + 1], fill=HIGHLIGHT)  # fmt: skip
            image = Image.alpha_composite(image, layer)
        out = io.BytesIO()
        image.convert("RGB").save(out, format="PNG", optimize=True)
        return out.getvalue()
    finally:
        pdf.close()


def cached_page(cache: Path, pdf_path: Path, fingerprint: str, page_number: int, passage: str) -> Path:
    """The rendered page from the cache folder, rendering it first if needed."""
    key = hashlib.sha256(f"{fingerprint}\0{page_number}\0{passage}".encode()).hexdigest()[:24]
    path = cache / f"{key}.png"
    if not path.is_file():
        cache.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{hashlib.sha256(str(id(path)).encode()).hexdigest()[:6]}.tmp")
        partial.write_bytes(render_page(pdf_path, page_number, passage))
        partial.replace(path)
    return path
