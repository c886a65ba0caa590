"""Images (.png, .jpg, .tif, each frame of a multi-page TIFF a page) read by OCR: the same pages, headings and
word confidences as a scanned PDF (ingest/pdf.py assemble), the frame number as the page."""

from __future__ import annotations

import time
import warnings
from pathlib import Path

from PIL import Image, ImageSequence, UnidentifiedImageError

from index.models import Document
from ingest import ocr
from ingest.errors import LoadError
from ingest.layout import clean_line, title_from_filename
from ingest.pdf import assemble


def load(path: Path, read_scans: bool, seconds: float = 0, max_pages: int = 0) -> Document:
    """An image as a Document of the text OCR reads on each of its frames, within `seconds` in all."""
    if not read_scans or not ocr.available():
        raise LoadError(path, "an image, and OCR is off", "install tesseract-ocr and set [limits] ocr = true")
    started, raw, readings = time.monotonic(), [], {}
    try:
        with warnings.catch_warnings(), Image.open(path) as image:
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            for index, frame in enumerate(ImageSequence.Iterator(image)):
                if max_pages and index >= max_pages:
                    raise LoadError(path, f"more than {max_pages:,} frames, over the limit ([limits] max_pages)",
                                    "raise the limit in config.toml or split the file")  # fmt: skip
                left = max(seconds - (time.monotonic() - started), 1) if seconds else 0
                readings[index] = ocr.read(frame, left)
                raw.append([line for line in map(clean_line, readings[index].lines) if line])
    except ocr.OcrError as error:
        raise LoadError(path, f"{error} ([limits] max_seconds)", ocr.FIX) from None
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise LoadError(path, f"an image of more than {Image.MAX_IMAGE_PIXELS:,} pixels (a decompression bomb?)",
                        "scan it at a lower resolution") from None  # fmt: skip
    except (UnidentifiedImageError, OSError, SyntaxError) as error:
        raise LoadError(path, f"not a readable image ({error})", "replace it with a complete copy") from None
    if not any(raw):
        raise LoadError(path, "OCR read no text in the image", "supply a clearer scan")
    return assemble(path, title_from_filename(path.stem), raw, [], {}, readings)
