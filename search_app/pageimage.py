"""An original PDF page as a PNG (pypdfium2) with a passage's words highlighted, from boxes of the PDF's own
character positions; cached on disk.

One request must not hurt everyone: a page is drawn within a pixel budget (smaller when it is large), a page
larger than any paper is refused, rendering runs in a pool of child processes each under a memory limit, the
same page asked for twice at once is rendered once, few renders may wait at a time, and the cache is kept
under a size limit by removing the images least recently used."""

from __future__ import annotations

import bisect
import hashlib
import io
import math
import multiprocessing
import os
import resource
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image, ImageDraw, ImageSequence

from ingest import ocr
from ingest.ocr import letters_of
from ingest.pdf import scan_image

SCALE = 1.5  # 108 dpi: readable, and a page is about 900 x 1260 pixels
MB = 1 << 20
RENDER_SECONDS = 60  # a request waits this long for its page at most
PARENT_CHECK = 1.0  # seconds between a render child's looks at whether the server is still there
HIGHLIGHT = (255, 208, 0, 110)
MIN_RUN = 8  # letters in a row that must agree for a stretch of the page to count as the passage's


def passage_chars(page_text: str, passage: str) -> list[int]:
    """Indices of the page's characters that spell the passage: the exact run if there is one, else the runs of at
    least MIN_RUN letters the two share in order (the extractors may order columns or hyphens differently)."""
    page_letters, where = letters_of(page_text)
    wanted, _ = letters_of(passage)
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


class PageTooLarge(ValueError):
    """A page larger than [limits] page_max_points on a side: not drawn."""


class RenderBusy(RuntimeError):
    """Too many page images are waiting to be rendered, or the renderer failed: try again shortly."""


@dataclass(frozen=True)
class Budget:
    """How large a page image may be: pixels in all, and the page size in points beyond which it is refused."""

    max_pixels: int = 4_000_000
    max_points: int = 5000


def page_scale(width: float, height: float, budget: Budget) -> float:
    """SCALE, or less so that the image stays within the pixel budget; PageTooLarge for an absurd page."""
    if max(width, height) > budget.max_points:
        raise PageTooLarge(f"the page is {width:.0f} × {height:.0f} points, larger than [limits] page_max_points "
                           f"({budget.max_points}); open the PDF itself")  # fmt: skip
    return min(SCALE, math.sqrt(budget.max_pixels / max(width * height, 1.0)))


def render_page(path: Path, page_number: int, passage: str, budget: Budget = Budget()) -> bytes:
    """PNG bytes of a page (1-based) of a PDF or scanned image with `passage` highlighted (nothing when it is "");
    on a page with no text layer (a scan), the highlight comes from the words OCR finds on it."""
    if path.suffix.lower() != ".pdf":
        return render_scan(path, page_number, passage, budget)
    pdf = pdfium.PdfDocument(str(path))
    try:
        page = pdf[page_number - 1]
        width, height = page.get_size()
        scale = page_scale(width, height, budget)
        image = page.render(scale=scale).to_pil().convert("RGBA")
        if not passage:
            return png(image, [])
        text = page.get_textpage()
        chars = passage_chars(text.get_text_range(), passage)
        if not chars and not text.count_chars():  # a scanned page: read again as at ingest
            factor = scale * 72 / ocr.DPI
            boxes = [tuple(v * factor for v in box) for box in ocr_boxes(scan_image(pdf, page_number - 1), passage)]
            return png(image, boxes)
        boxes = [(left * scale, (height - top) * scale, right * scale, (height - bottom) * scale)
                 for left, bottom, right, top in line_boxes([text.get_charbox(i) for i in chars])]  # fmt: skip
        return png(image, boxes)
    finally:
        pdf.close()


def render_scan(path: Path, page_number: int, passage: str, budget: Budget) -> bytes:
    """A frame of an image (a scan) within the pixel budget, with the passage's words, as OCR finds them, marked."""
    with Image.open(path) as original:
        frames = ImageSequence.Iterator(original)
        try:
            frame = frames[page_number - 1].convert("RGB")
        except IndexError:
            raise PageTooLarge(f"the image has no page {page_number}") from None
    factor = min(1.0, math.sqrt(budget.max_pixels / max(frame.width * frame.height, 1)))
    boxes = [tuple(v * factor for v in box) for box in ocr_boxes(frame, passage)] if passage else []
    shown = frame.resize((max(1, int(frame.width * factor)), max(1, int(frame.height * factor)))).convert("RGBA")
    return png(shown, boxes)


def ocr_boxes(image: Image.Image, passage: str) -> list[tuple[float, float, float, float]]:
    """Boxes (left, top, right, bottom, in the image's pixels) of the words OCR reads there that spell the passage."""
    words = ocr.read(image).words
    starts, pos = [], 0
    for word in words:
        starts.append(pos)
        pos += len(word.text) + 1
    chars = passage_chars(" ".join(w.text for w in words), passage)
    hit = sorted({bisect.bisect_right(starts, i) - 1 for i in chars})
    return [words[i].box for i in hit]


def png(image: Image.Image, boxes: list[tuple[float, float, float, float]]) -> bytes:
    """The image with each box (left, top, right, bottom, in its pixels) highlighted, as PNG bytes."""
    if boxes:
        layer = Image.new("RGBA", image.size, (0, 0, 0, 0))
        draw = ImageDraw.Draw(layer)
        for left, top, right, bottom in boxes:
            draw.rectangle([left - 1, top - 1, right + 1, bottom + 1], fill=HIGHLIGHT)
        image = Image.alpha_composite(image.convert("RGBA"), layer)
    out = io.BytesIO()
    image.convert("RGB").save(out, format="PNG", optimize=True)
    return out.getvalue()


def start_child(megabytes: int, parent: int) -> None:
    """A render child's start: its address space capped (an allocation past it fails there, not in the server),
    and a watch that ends it when the server is gone (a server stopped by a signal does not shut its pool down)."""
    resource.setrlimit(resource.RLIMIT_AS, (megabytes * MB, megabytes * MB))
    threading.Thread(target=end_with, args=(parent,), daemon=True).start()


def end_with(parent: int) -> None:
    """Exit once `parent` is no longer this process's parent (it died, and the child was handed to init)."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK)
    os._exit(0)


def render_to(path: Path, pdf_path: Path, page_number: int, passage: str, budget: Budget) -> None:
    """Render into `path` (in a child): written under a temporary name, which a failure removes."""
    partial = path.with_suffix(f".{os.getpid()}.tmp")
    try:
        partial.write_bytes(render_page(pdf_path, page_number, passage, budget))
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)


class Renderer:
    """Page images for the app: cached on disk, rendered in `workers` child processes under `memory_mb` each."""

    def __init__(self, cache: Path, budget: Budget, workers: int, memory_mb: int, waiting: int, cache_mb: int):
        self.cache, self.budget, self.workers, self.memory_mb = cache, budget, workers, memory_mb
        self.waiting, self.cache_bytes = waiting, cache_mb * MB
        self.lock = threading.RLock()  # re-entered when a render is done before its callback is added
        self.running: dict[Path, Future] = {}
        self.pool: ProcessPoolExecutor | None = None
        self.renders = 0  # renders started, for tests and benchmarks

    def page(self, pdf_path: Path, fingerprint: str, page_number: int, passage: str) -> Path:
        """The rendered page's file: from the cache, or rendered once however many ask for it at the same time."""
        key = hashlib.sha256(f"{fingerprint}\0{page_number}\0{passage}".encode()).hexdigest()[:24]
        path = self.cache / f"{key}.png"
        if path.is_file():
            os.utime(path)  # recently used: the last to be evicted
            return path
        try:
            return self.render(path, pdf_path, page_number, passage)
        except OSError as error:  # a full disk or an unwritable cache: this page cannot be kept, the rest goes on
            raise RenderBusy(f"the page image could not be saved ({error.strerror or error}); try again later") from None

    def render(self, path: Path, pdf_path: Path, page_number: int, passage: str) -> Path:
        """Render into `path` in a child, or wait for the render of it already under way."""
        rendering = False
        with self.lock:
            future = self.running.get(path)
            if future is None:
                if len(self.running) >= self.waiting:
                    raise RenderBusy(f"{len(self.running)} page images are being rendered; try again in a few seconds")
                self.cache.mkdir(parents=True, exist_ok=True)
                future = self.executor().submit(render_to, path, pdf_path, page_number, passage, self.budget)
                self.renders += 1
                self.running[path] = future
                future.add_done_callback(lambda _, path=path: self.finished(path))
                rendering = True
        try:
            future.result(timeout=RENDER_SECONDS)
        except TimeoutError:
            raise RenderBusy(f"the page took longer than {RENDER_SECONDS} s to render; try again later") from None
        except (BrokenProcessPool, MemoryError):  # past its memory limit (or killed): a new pool for the next
            if not isinstance(future.exception(), MemoryError):
                with self.lock:
                    self.pool = None
            raise RenderBusy("rendering this page needed more memory than [limits] max_memory_mb allows; "
                             "open the PDF itself") from None  # fmt: skip
        if rendering:
            self.evict(keep=path)
        return path

    def executor(self) -> ProcessPoolExecutor:
        if self.pool is None:
            self.pool = ProcessPoolExecutor(self.workers, multiprocessing.get_context("spawn"),
                                            initializer=start_child, initargs=(self.memory_mb, os.getpid()))  # fmt: skip
        return self.pool

    def finished(self, path: Path) -> None:
        with self.lock:
            self.running.pop(path, None)

    def evict(self, keep: Path) -> None:
        """Remove the least recently used images (never `keep`, about to be sent) until the cache is within its
        size limit."""
        files = []
        for path in self.cache.glob("*.png"):
            try:
                files.append((path.stat().st_mtime, path.stat().st_size, path))
            except FileNotFoundError:  # removed meanwhile by another request's eviction
                continue
        total = sum(size for _, size, _ in files)
        for _, size, path in sorted(files):
            if total <= self.cache_bytes:
                break
            if path == keep:
                continue
            path.unlink(missing_ok=True)
            total -= size
