"""Every sampled passage of the real corpus index is on the PDF page it cites (needs `python -m ingest` first)."""

from __future__ import annotations

import sqlite3

import pytest
from pypdf import PdfReader

from index.backends.base import IndexNotFound
from index.backends.embedded.folders import DATABASE, current_build
from index.config import load_config
from index.models import letters

PER_DOCUMENT = 4  # passages sampled per PDF, spread from its first page to its last


def sample() -> list[tuple[str, int, str]]:
    config = load_config()
    try:
        folder = current_build(config.index)
    except IndexNotFound:
        pytest.fail("the corpus index is not built; run: make index (make test does)")
    with sqlite3.connect(folder / DATABASE) as db:
        rows = db.execute(
            "SELECT d.path, p.page, p.text FROM passages p JOIN documents d ON d.id = p.document_id "
            "WHERE d.path LIKE '%.pdf' ORDER BY d.path, p.start"
        ).fetchall()
    by_document: dict[str, list] = {}
    for row in rows:
        by_document.setdefault(row[0], []).append(row)
    picked = []
    for passages in by_document.values():
        step = max(1, len(passages) // PER_DOCUMENT)
        picked += passages[::step][:PER_DOCUMENT]
    return [(str(config.corpus / path), page, text) for path, page, text in picked]


@pytest.mark.corpus
def test_sampled_passages_are_on_their_reported_page():
    picked = sample()
    assert len({path for path, _, _ in picked}) >= 70  # the 75 PDFs of the corpus
    readers: dict[str, PdfReader] = {}
    wrong = []
    for path, page, text in picked:
        reader = readers.setdefault(path, PdfReader(path))
        if letters(text) not in letters(reader.pages[page - 1].extract_text()):
            wrong.append(f"{path} p.{page}: {text[:80]!r}")
    assert wrong == []
