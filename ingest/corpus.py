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
from index.models import IMAGE_SUFFIXES, KINDS, Document
from ingest import archive, html, images, mail, office, pdf, sheets, text
from ingest.errors import LoadError, Unsupported
from ingest.members import Bundle, Limits
from ingest.metadata import add_inspection_facts

# suffix -> loader(path, limits, depth): a Document, or a Bundle for a file holding others (email, archive)
LOADERS = {
    ".pdf": lambda path, limits, depth: pdf.load(path, limits.ocr, limits.seconds),
    ".html": lambda path, limits, depth: html.load(path),
    ".htm": lambda path, limits, depth: html.load(path),
    ".txt": lambda path, limits, depth: text.load(path),
    ".md": lambda path, limits, depth: text.load(path),
    ".docx": lambda path, limits, depth: office.load_docx(path),
    ".odt": lambda path, limits, depth: office.load_odt(path),
    ".rtf": lambda path, limits, depth: office.load_rtf(path),
    ".xlsx": lambda path, limits, depth: sheets.load_xlsx(path),
    ".ods": lambda path, limits, depth: sheets.load_ods(path),
    ".csv": lambda path, limits, depth: sheets.load_csv(path),
    ".eml": lambda path, limits, depth: mail.load_eml(path, limits, read, depth),
    ".msg": lambda path, limits, depth: mail.load_msg(path, limits, read, depth),
    ".zip": lambda path, limits, depth: archive.load_zip(path, limits, read, depth),
} | {suffix: lambda path, limits, depth: images.load(path, limits.ocr, limits.seconds, limits.max_pages)
     for suffix in IMAGE_SUFFIXES}  # fmt: skip
# formats recognised and refused, with the fix (a macro-enabled or old binary Office file is never opened)
REFUSED = {
    ".docm": "a macro-enabled Word document; save it as .docx (without macros) and add that instead",
    ".xlsm": "a macro-enabled Excel workbook; save it as .xlsx (without macros) and add that instead",
    ".doc": "an old binary Word document; save it as .docx and add that instead",
    ".xls": "an old binary Excel workbook; save it as .xlsx and add that instead",
}


def read(path: Path, limits: Limits, depth: int = 0) -> Document | Bundle:
    """A file's document (or, for an email or archive, its documents), by the loader for its suffix."""
    suffix = path.suffix.lower()
    if suffix in REFUSED:
        problem, _, fix = REFUSED[suffix].partition("; ")
        raise LoadError(path, problem, fix)
    if suffix not in LOADERS:
        raise Unsupported(path, f"not a supported format ({', '.join(LOADERS)})", "convert it to one of them")
    if limits.max_pages and suffix == ".pdf":
        pdf.check_pages(path, limits.max_pages)
    return LOADERS[suffix](path, limits, depth)


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
        if suffix in LOADERS or suffix in REFUSED:
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


def load_document(path: Path, root: Path, limits: Limits = Limits()) -> Bundle:
    """Extract a file's documents (one, or an email's message and attachments, or an archive's members) and apply
    its metadata sidecar to each (its title to the file's own document only); raises LoadError for an unreadable
    file, one over a limit, or one holding nothing readable."""
    metadata = read_metadata(path)  # checked first: a bad sidecar fails fast
    found = read(path, limits)
    bundle = found if isinstance(found, Bundle) else Bundle([found])
    if not bundle.documents:
        reasons = "; ".join(f"{where}: {why}" for where, why in list(bundle.failed.items())[:3])
        raise LoadError(path, "nothing inside could be read" + (f" ({reasons})" if reasons else ""),
                        "check the file holds documents of a supported format")  # fmt: skip
    folder = path.relative_to(root).parent.as_posix()
    sha256, fingerprint = file_hashes(path)
    for document in bundle.documents:
        own = document.path == path.name
        document.path = document.path if folder == "." else f"{folder}/{document.path}"
        if own:
            document.sha256 = sha256
        document.fingerprint = fingerprint
        for key, value in metadata.items():
            if own or key != "title":
                setattr(document, key, value)
        if document.kind == "inspection":
            add_inspection_facts(document)
    prefix = "" if folder == "." else f"{folder}/"
    bundle.failed = {prefix + where: why for where, why in bundle.failed.items()}
    bundle.ignored = [prefix + where for where in bundle.ignored]
    return bundle
