"""python -m benchmarks.ocr: how well Tesseract reads this corpus, measured against the PDFs' own text layer.

Pages of born-digital corpus PDFs (seeded, spread across documents) are rendered to images with pdftoppm at each
--dpi, read by Tesseract (Debian tesseract-ocr, tesseract-ocr-eng), and compared with the same page's text layer
from pdftotext: character error rate (edit distance over characters / reference length) and word error rate
(edit distance over words / reference words), after folding white space, case and typographic quotes and dashes
alike on both sides. Prints each rate per resolution (mean over pages, and the page-weighted total) and the OCR
time per page. Needs poppler-utils and tesseract-ocr; nothing is downloaded."""

from __future__ import annotations

import argparse
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rapidfuzz.distance import Levenshtein

from benchmarks.common import ROOT
from ingest.ocr import LANGUAGE, SETTINGS, SINGLE  # Tesseract single-threaded, as at ingest

FOLD = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-", "\u00a0": " ", "ﬁ": "fi", "ﬂ": "fl"})


def normal(text: str) -> str:
    """Text as both sides are compared: quotes and dashes folded, lower case, single spaces."""
    return re.sub(r"\s+", " ", text.translate(FOLD)).strip().lower()


def pages(corpus: Path, count: int, seed: int) -> list[tuple[Path, int]]:
    """`count` (PDF, page number) pairs with text on them, spread across the corpus's PDFs."""
    pick = random.Random(seed)
    pdfs = sorted(corpus.rglob("*.pdf"))
    chosen = []
    for pdf in pick.sample(pdfs, min(count, len(pdfs))):
        total = int(re.search(r"Pages:\s+(\d+)", run(["pdfinfo", str(pdf)])).group(1))
        chosen.append((pdf, pick.randint(1, total)))
    return chosen


def run(command: list[str]) -> str:
    return subprocess.run(command, capture_output=True, text=True, check=True, timeout=300).stdout


def ocr(pdf: Path, page: int, dpi: int, folder: Path) -> tuple[str, float]:
    """Tesseract's text of one page rendered at `dpi`, and the seconds rendering and reading took."""
    started = time.perf_counter()
    image = folder / f"page-{dpi}"
    run(["pdftoppm", "-r", str(dpi), "-f", str(page), "-l", str(page), "-gray", "-png", "-singlefile", str(pdf), str(image)])
    text = subprocess.run(["tesseract", f"{image}.png", "-", "-l", LANGUAGE, *SETTINGS.split()], env=SINGLE,
                          capture_output=True, text=True, check=True, timeout=300).stdout  # fmt: skip
    return text, time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.ocr", description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus", help="where the PDFs are (corpus/)")
    parser.add_argument("--pages", type=int, default=20, help="pages to read, one per PDF drawn (20)")
    parser.add_argument("--dpi", type=int, nargs="+", default=[200, 300], help="resolutions (200 300)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    for tool in ("pdftoppm", "pdftotext", "pdfinfo", "tesseract"):
        if not shutil.which(tool):
            print(f"benchmarks.ocr: {tool} is not installed; apt-get install poppler-utils tesseract-ocr", file=sys.stderr)
            return 2
    sample = [(pdf, page) for pdf, page in pages(args.corpus, args.pages, args.seed)]
    references = {key: normal(run(["pdftotext", "-f", str(key[1]), "-l", str(key[1]), str(key[0]), "-"])) for key in sample}
    sample = [key for key in sample if len(references[key]) >= 200]  # pages with a text layer worth reading
    print(f"{len(sample)} pages with a text layer from {len({pdf for pdf, _ in sample})} PDFs")
    with tempfile.TemporaryDirectory() as folder:
        for dpi in args.dpi:
            chars = words = char_errors = word_errors = seconds = 0.0
            rates = []
            for key in sample:
                text, took = ocr(*key, dpi, Path(folder))
                reference, read = references[key], normal(text)
                char_error = Levenshtein.distance(reference, read)
                word_error = Levenshtein.distance(reference.split(), read.split())
                rates.append((char_error / len(reference), word_error / len(reference.split())))
                chars, words = chars + len(reference), words + len(reference.split())
                char_errors, word_errors, seconds = char_errors + char_error, word_errors + word_error, seconds + took
            cer = sum(c for c, _ in rates) / len(rates)
            wer = sum(w for _, w in rates) / len(rates)
            together = f"together {char_errors / chars:.3f} and {word_errors / words:.3f}"
            print(f"{dpi} dpi: CER {cer:.3f}, WER {wer:.3f} (all pages {together}); "
                  f"{seconds / len(sample):.2f} s a page to render and read")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
