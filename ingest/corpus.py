"""Finding documents in the corpus folder and reading their metadata sidecars."""

from __future__ import annotations

import hashlib
import tomllib
from pathlib import Path

from index.embedding import file_sha256
from index.models import KINDS, Document
from ingest import html, pdf, text
from ingest.errors import LoadError

LOADERS = {".pdf": pdf.load, ".html": html.load, ".htm": html.load, ".txt": text.load, ".md": text.load}
METADATA_SUFFIX = ".toml"
METADATA_KEYS = ("title", "publisher", "date", "kind", "source", "licence")


def is_hidden(path: Path, root: Path) -> bool:
    """Files and folders whose names start with '_' or '.' are notes for people, not documents."""
    return any(part.startswith(("_", ".")) for part in path.relative_to(root).parts)


def scan_corpus(root: Path) -> tuple[list[Path], list[Path]]:
    """Documents under `root` (sorted), and the other files that were ignored."""
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: corpus folder not found; create it or set [paths] corpus in config.toml")
    documents, ignored = [], []
    for path in sorted(p for p in root.rglob("*") if p.is_file() and not is_hidden(p, root)):
        if path.suffix.lower() in LOADERS:
            documents.append(path)
        elif path.suffix.lower() != METADATA_SUFFIX:
            ignored.append(path)
    return documents, ignored


def read_metadata(path: Path) -> dict[str, str]:
    """The sidecar `<name>.toml` beside a document, if there is one."""
    sidecar = path.with_suffix(METADATA_SUFFIX)
    if not sidecar.is_file():
        return {}
    try:
        with sidecar.open("rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise LoadError(sidecar, f"invalid TOML ({error})", "fix the metadata file or delete it") from error
    unknown = set(data) - set(METADATA_KEYS)
    if unknown:
        raise LoadError(sidecar, f"unknown keys {sorted(unknown)}", f"use only {', '.join(METADATA_KEYS)}")
    if data.get("kind") and data["kind"] not in KINDS:
        raise LoadError(sidecar, f"unknown kind {data['kind']!r}", f"use one of {', '.join(KINDS)}")
    return {key: str(value) for key, value in data.items()}


def file_hashes(path: Path) -> tuple[str, str]:
    """(sha256 of the file, fingerprint of the file together with its metadata sidecar)."""
    content = file_sha256(path)
    sidecar = path.with_suffix(METADATA_SUFFIX)
    metadata = sidecar.read_bytes() if sidecar.is_file() else b""
    return content, hashlib.sha256(content.encode() + b"\0" + metadata).hexdigest()


def load_document(path: Path, root: Path) -> Document:
    """Extract a document and apply its metadata; raises LoadError for unreadable files."""
    loader = LOADERS[path.suffix.lower()]
    document = loader(path)
    document.path = path.relative_to(root).as_posix()
    document.sha256, document.fingerprint = file_hashes(path)
    for key, value in read_metadata(path).items():
        setattr(document, key, value)
    return document
