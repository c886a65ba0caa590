"""Building an index from the corpus: load, chunk, embed, write, publish."""

from __future__ import annotations

import hashlib
import json
import platform
import sqlite3
import sys
import time
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

from tqdm import tqdm

from index.config import Config
from index.embedding import Embedder, load_embedder
from index.models import Document, Passage
from index.publish import ingest_lock, write_build
from ingest.chunking import ENCODING, Settings, chunk_document
from ingest.corpus import load_document, scan_corpus
from ingest.errors import LoadError

CONTEXT_RESERVE = 48  # model tokens kept free in each passage for the title and heading prepended when embedding
LIBRARIES = ("sentence-transformers", "transformers", "torch", "faiss-cpu", "pypdf", "beautifulsoup4", "tiktoken")


@dataclass
class Report:
    """What an ingest did."""

    documents: int = 0
    pages: int = 0
    passages: int = 0
    seconds: float = 0.0
    version: str = ""
    failed: list[tuple[str, str]] = field(default_factory=list)
    duplicates: list[tuple[str, str]] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)


def load_all(paths: list[Path], root: Path, report: Report) -> list[Document]:
    """Every readable document; failures and duplicates are recorded in the report, not raised."""
    documents, seen_ids, seen_hashes = [], {}, {}
    for path in tqdm(paths, desc="extracting", unit="doc", file=sys.stderr):
        relative = path.relative_to(root).as_posix()
        try:
            document = load_document(path, root)
        except LoadError as error:
            report.failed.append((relative, f"{error.problem}; {error.fix}"))
            continue
        except Exception as error:  # one bad file must not stop the corpus
            report.failed.append((relative, f"could not be read ({type(error).__name__}: {error}); check the file"))
            continue
        if document.id in seen_ids:
            report.failed.append((relative, f"same name as {seen_ids[document.id]}; rename one of them"))
        elif document.sha256 in seen_hashes:
            report.duplicates.append((relative, seen_hashes[document.sha256]))
        else:
            seen_ids[document.id], seen_hashes[document.sha256] = relative, relative
            documents.append(document)
    return documents


def embedding_text(document: Document, passage: Passage, embedder: Embedder) -> str:
    """What the model reads for a passage: its document title and heading as context, then its text."""
    for context in (f"{document.title}. {passage.section}", document.title, ""):
        text = f"{context}\n{passage.text}" if context else passage.text
        if embedder.fits(text):
            return text
    raise ValueError(f"{document.path}: passage at {passage.start} is longer than the model reads")


def fingerprint(documents: list[Document]) -> str:
    """A hash of the corpus: every document's path, content hash and metadata."""
    digest = hashlib.sha256()
    for d in sorted(documents, key=lambda d: d.id):
        digest.update(json.dumps([d.path, d.sha256, d.title, d.publisher, d.date, d.kind, d.source]).encode())
    return digest.hexdigest()


def manifest_for(config: Config, embedder: Embedder, documents: list[Document], passages: list[Passage]) -> dict:
    """How this build was made, for search and for deciding when a rebuild is needed."""
    return {
        "model": {"name": embedder.name, "sha256": embedder.sha256, "dimensions": embedder.dimensions,
                  "max_tokens": embedder.max_tokens, "context": "title. section"},
        "chunking": {"encoding": ENCODING, "max_tokens": config.max_tokens, "overlap_tokens": config.overlap_tokens},
        "libraries": {name: version(name) for name in LIBRARIES} | {
            "python": platform.python_version(), "sqlite": sqlite3.sqlite_version},
        "corpus": {"fingerprint": fingerprint(documents), "documents": len(documents), "passages": len(passages),
                   "pages": sum(len(d.pages) for d in documents)},
        "built": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


def build_index(config: Config, embedder: Embedder | None = None) -> Report:
    """Build a new index of the whole corpus and publish it; the live index is untouched on failure."""
    started, report = time.monotonic(), Report()
    with ingest_lock(config.index):
        paths, ignored = scan_corpus(config.corpus)
        report.ignored = [p.relative_to(config.corpus).as_posix() for p in ignored]
        documents = load_all(paths, config.corpus, report)
        if not documents:
            raise RuntimeError(f"{config.corpus}: no document could be ingested; the published index is unchanged")
        embedder = embedder or load_embedder(config.sha256, config.batch_size)
        budget = embedder.max_tokens - CONTEXT_RESERVE
        settings = Settings(config.max_tokens, config.overlap_tokens, lambda text: embedder.count_tokens(text) <= budget)
        passages = []
        for document in tqdm(documents, desc="chunking", unit="doc", file=sys.stderr):
            passages += chunk_document(document, settings)
        passages = [Passage(**{**p.__dict__, "id": i}) for i, p in enumerate(passages, start=1)]
        by_id = {d.id: d for d in documents}
        texts = [embedding_text(by_id[p.document_id], p, embedder) for p in passages]
        print(f"embedding {len(texts)} passages", file=sys.stderr)
        vectors = embedder.encode(texts, progress=sys.stderr.isatty())
        folder = write_build(config.index, documents, passages, vectors,
                             manifest_for(config, embedder, documents, passages))
    report.documents, report.passages, report.version = len(documents), len(passages), folder.name
    report.pages = sum(len(d.pages) for d in documents)
    report.seconds = round(time.monotonic() - started, 1)
    return report
