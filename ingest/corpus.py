"""Finding documents in the corpus folder and reading their metadata sidecars."""

from __future__ import annotations

import datetime
import hashlib
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from index.embedding import file_sha256
from index.models import KINDS, Document
from ingest import html, pdf, text
from ingest.errors import LoadError
from ingest.metadata import add_inspection_facts

LOADERS = {".pdf": pdf.load, ".html": html.load, ".htm": html.load, ".txt": text.load, ".md": text.load}
METADATA_SUFFIX = ".toml"
METADATA_KEYS = ("title", "publisher", "date", "kind", "source", "publisher_url", "licence")
WEB_ADDRESS = re.compile(r"https?://[^\s/]+\.[^\s]+")  # the publisher's page: a web address and nothing else
SCHEME = re.compile(r"\s*[A-Za-z][A-Za-z0-9+.-]*:")  # javascript:, data:, file: ... are refused in a source
DATE = re.compile(r"\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?")


def is_hidden(path: Path, root: Path) -> bool:
    """Files and folders whose names start with '_' or '.' are notes for people, not documents."""
    return any(part.startswith(("_", ".")) for part in path.relative_to(root).parts)


@dataclass
class Scan:
    """What is in the corpus folder: documents, other files, and links that were not followed."""

    documents: list[Path] = field(default_factory=list)
    ignored: list[Path] = field(default_factory=list)
    refused: dict[Path, str] = field(default_factory=dict)  # path -> why it was not read


def inside(path: Path, root: Path) -> bool:
    """Whether `path`, with every link resolved, is within `root`."""
    return path.resolve().is_relative_to(root.resolve())


def scan_corpus(root: Path) -> Scan:
    """Documents under `root` (sorted). The corpus is confined to its folder: a link to a file inside it is read,
    a link that leads outside, or to a folder, is reported and not followed."""
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: corpus folder not found; create it or set [paths] corpus in config.toml")
    scan, found = Scan(), []
    for folder, folders, files in os.walk(root):
        for name in folders + files:
            path = Path(folder) / name
            if is_hidden(path, root) or not path.is_symlink():
                continue
            if not inside(path, root):
                scan.refused[path] = (
                    f"a link to {os.readlink(path)}, outside the corpus folder; not followed; "
                    "copy the file into the corpus instead"
                )
            elif path.is_dir():
                scan.refused[path] = "a link to a folder; not followed; move or copy the folder into the corpus"
        found += [Path(folder) / name for name in files]
    for path in sorted(found):
        if is_hidden(path, root) or path in scan.refused or not path.is_file():
            continue
        suffix = path.suffix.lower()
        if suffix in LOADERS:
            scan.documents.append(path)
        elif suffix != METADATA_SUFFIX:
            scan.ignored.append(path)
    return scan


def metadata_problems(data: dict) -> list[str]:
    """What is wrong with a sidecar's values, one phrase each."""
    problems = [f"unknown key {key!r} (use only {', '.join(METADATA_KEYS)})" for key in data if key not in METADATA_KEYS]
    for key, value in data.items():
        if key in METADATA_KEYS and not isinstance(value, str) and not (key == "date" and isinstance(value, datetime.date)):
            problems.append(f"{key} should be text in double quotes, got {type(value).__name__} {value!r}")
    date = data.get("date")
    if isinstance(date, str) and date and not DATE.fullmatch(date):
        problems.append(f"date {date!r} should be YYYY, YYYY-MM or YYYY-MM-DD")
    if isinstance(data.get("kind"), str) and data["kind"] and data["kind"] not in KINDS:
        problems.append(f"unknown kind {data['kind']!r} (use one of {', '.join(KINDS)})")
    source = data.get("source")
    if isinstance(source, str) and SCHEME.match(source) and not source.startswith(("https://", "http://")):
        problems.append(f"source {source[:60]!r} should be a web address starting with https:// (or a plain note)")
    page = data.get("publisher_url")
    if isinstance(page, str) and page and not WEB_ADDRESS.fullmatch(page):
        problems.append(f"publisher_url {page[:60]!r} should be a web address starting with https://")
    return problems


def read_metadata(path: Path) -> dict[str, str]:
    """The sidecar `<name>.toml` beside a document, checked, if there is one."""
    sidecar = path.with_suffix(METADATA_SUFFIX)
    if not sidecar.is_file():
        return {}
    if not inside(sidecar, path.parent):
        raise LoadError(sidecar, "a link to outside the corpus folder; not followed", "copy the metadata file instead")
    try:
        with sidecar.open("rb") as handle:
            data = tomllib.load(handle)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise LoadError(sidecar, f"invalid TOML ({error})", "fix the metadata file or delete it") from error
    problems = metadata_problems(data)
    if problems:
        raise LoadError(sidecar, "; ".join(problems), "fix the metadata file (README, 'Adding documents')")
    return {key: value.isoformat() if isinstance(value, datetime.date) else value for key, value in data.items()}


def file_hashes(path: Path) -> tuple[str, str]:
    """(sha256 of the file, fingerprint of the file together with its metadata sidecar)."""
    content = file_sha256(path)
    sidecar = path.with_suffix(METADATA_SUFFIX)
    metadata = sidecar.read_bytes() if sidecar.is_file() else b""
    return content, hashlib.sha256(content.encode() + b"\0" + metadata).hexdigest()


def load_document(path: Path, root: Path, max_pages: int = 0) -> Document:
    """Extract a document and apply its metadata; raises LoadError for unreadable files (and, given max_pages,
    for PDFs with more pages)."""
    metadata = read_metadata(path)  # checked first: a bad sidecar fails fast
    loader = LOADERS[path.suffix.lower()]
    if max_pages and loader is pdf.load:
        pdf.check_pages(path, max_pages)
    document = loader(path)
    document.path = path.relative_to(root).as_posix()
    document.sha256, document.fingerprint = file_hashes(path)
    for key, value in metadata.items():
        setattr(document, key, value)
    return add_inspection_facts(document) if document.kind == "inspection" else document
