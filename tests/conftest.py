"""Shared fixtures: a small real corpus (PDF, HTML, text, Markdown), indexed once per session with the real model."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from index.config import load_config
from index.embedding import load_embedder
from index.search import Searcher
from ingest.build import build_index
from tests.pdfgen import make_pdf

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
REAL_DOCUMENTS = [
    "corpus/ofsted-ilacs/ofsted_ilacs_2024-07-12_nottinghamshire.pdf",
    "corpus/ofsted-ilacs/ofsted_ilacs_2024-07-12_nottinghamshire.toml",
    "corpus/crown-copyright-ogl/dfe_local-offer-guidance-care-leavers_2025-02.pdf",
    "corpus/crown-copyright-ogl/dfe_local-offer-guidance-care-leavers_2025-02.toml",
    "corpus/seed/care-review-response-together-trust.txt",
    "corpus/seed/care-review-response-together-trust.toml",
]
GENERATED_PAGES = [
    ["Fostering report 2024", "Placement sufficiency", "Foster carers in the county are ageing and fewer new",
     "carers are being recruited each year.", "Page 1"],
    ["Fostering report 2024", "Kinship care", "Kinship carers told us that allowances differ between",
     "neighbouring councils.", "Page 2"],
    ["Fostering report 2024", "Advocacy", "Every child in care should know how to reach an",
     "independent advocate.", "Page 3"],
]


def write_config(folder: Path, corpus: Path, index: Path, extra: str = "") -> Path:
    """A config file for a test corpus and index folder."""
    path = folder / "config.toml"
    path.write_text(f'[paths]\ncorpus = "{corpus}"\nindex = "{index}"\n{extra}', encoding="utf-8")
    return path


def make_corpus(folder: Path) -> Path:
    """The fixture corpus: two real PDFs, a real text file, fixture HTML and Markdown, a generated PDF."""
    corpus = folder / "corpus"
    corpus.mkdir(parents=True)
    for name in REAL_DOCUMENTS:
        shutil.copy(ROOT / name, corpus / Path(name).name)
    for path in FIXTURES.iterdir():
        shutil.copy(path, corpus / path.name)
    make_pdf(corpus / "fostering-report.pdf", GENERATED_PAGES)
    return corpus


@pytest.fixture(scope="session")
def embedder():
    return load_embedder(load_config().sha256)


@pytest.fixture(scope="session")
def built(tmp_path_factory, embedder):
    """(config, report) of the fixture corpus indexed once for the whole session."""
    folder = tmp_path_factory.mktemp("built")
    config = load_config(write_config(folder, make_corpus(folder), folder / "index"))
    return config, build_index(config, embedder)


@pytest.fixture(scope="session")
def searcher(built, embedder):
    return Searcher(built[0], embedder)
