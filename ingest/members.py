"""Files inside files: an email's attachments and an archive's members, each read by its own format's loader into
a document of its own. A member is named by where it is: path "foi/pack.zip/letters/reply.docx", id
"pack:letters:reply.docx" (the container's name, then the member's path); a member that is itself an email or
an archive is opened in turn, to [limits] max_archive_depth. One member that cannot be read is reported on its
own line; the rest are kept."""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from index.config import Config
from index.models import Document
from ingest.errors import LoadError, Unsupported

MB = 1 << 20


@dataclass(frozen=True)
class Limits:
    """The [limits] that reading one file works within."""

    max_pages: int = 0
    seconds: float = 0
    ocr: bool = False
    members: int = 1000
    archive_mb: int = 500
    ratio: int = 200
    depth: int = 3

    @classmethod
    def of(cls, config: Config) -> Limits:
        return cls(config.max_pages, config.max_seconds, config.ocr, config.max_members, config.max_archive_mb,
                   config.max_archive_ratio, config.max_archive_depth)  # fmt: skip


@dataclass
class Bundle:
    """What one file holds: its documents (its own first, if it has one), and the members that failed or were
    not of a format read here, by their path inside it."""

    documents: list[Document]
    failed: dict[str, str] = field(default_factory=dict)  # path -> "problem; fix"
    ignored: list[str] = field(default_factory=list)


Reader = Callable[[Path, Limits, int], "Document | Bundle"]
Member = tuple[str, Callable[[], bytes] | bytes]  # a member's name, and its bytes (or how to get them)


def safe_name(name: str) -> str:
    """A member's path with no way out of its container: no root, no '..', forward slashes."""
    parts = [part for part in name.replace("\\", "/").split("/") if part not in ("", ".", "..")]
    return "/".join(parts)


def take_members(
    path: Path, own: Document | None, members: list[Member], limits: Limits, read: Reader, depth: int
) -> Bundle:
    """Read each member of the file at `path` into documents named after it; `own` is the file's own document
    (an email's message), the parent of its members."""
    bundle = Bundle([own] if own else [])
    if own:
        container = f"attachment to the email “{own.title}”" + "".join(
            f" {label} {value}" for label, value in (("from", own.sender), ("sent", own.date)) if value
        )
    else:
        container = f"in the archive {path.name}"
    if len(members) > limits.members:
        raise LoadError(path, f"{len(members):,} attachments or members, over the limit of {limits.members:,} "
                        "([limits] max_members)", "raise the limit in config.toml or split the file")  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="member-") as folder:
        for number, (name, data) in enumerate(members, start=1):
            inner = safe_name(name) or f"member-{number}"
            where = f"{path.name}/{inner}"
            base = PurePosixPath(inner)
            if any(part.startswith((".", "_")) for part in base.parts):  # __MACOSX/, .DS_Store: not documents
                continue
            if depth + 1 > limits.depth:
                bundle.failed[where] = (f"nested {depth + 1} deep, deeper than [limits] max_archive_depth ({limits.depth}); "
                                        "unpack it and add its files instead")  # fmt: skip
                continue
            try:
                content = data() if callable(data) else data
                file = Path(folder) / str(number) / base.name
                file.parent.mkdir()
                file.write_bytes(content)
                found = read(file, limits, depth + 1)
            except Unsupported:
                bundle.ignored.append(where)
                continue
            except LoadError as error:
                bundle.failed[where] = f"{error.problem}; {error.fix}"
                continue
            except MemoryError:
                raise
            except Exception as error:  # a damaged member must not lose the rest
                bundle.failed[where] = f"could not be read ({type(error).__name__}: {error}); check the file"
                continue
            inside = found if isinstance(found, Bundle) else Bundle([found])
            rename = Renamer(base.name, f"{path.name}/{inner}", f"{path.stem}:{inner.replace('/', ':')}")
            for document in inside.documents:
                rename(document)
                document.parent = document.parent or (own.id if own else "")
                document.within = document.within or container
                if document.path == where:
                    document.sha256 = hashlib.sha256(content).hexdigest()
            bundle.documents += inside.documents
            bundle.failed |= {rename.path(p): reason for p, reason in inside.failed.items()}
            bundle.ignored += [rename.path(p) for p in inside.ignored]
    if len(bundle.documents) > limits.members + (1 if own else 0):
        problem = f"{len(bundle.documents) - bool(own):,} documents inside, over the limit of {limits.members:,}"
        raise LoadError(path, f"{problem} ([limits] max_members)", "raise the limit in config.toml or split the file")
    return bundle


@dataclass(frozen=True)
class Renamer:
    """Moves a member's documents from the name it was read under to its place in the container."""

    name: str  # the member's file name, as read
    new_path: str
    new_id: str

    def path(self, path: str) -> str:
        return self.new_path + path[len(self.name) :] if path.startswith(self.name) else path

    def id(self, document_id: str) -> str:
        stem = Path(self.name).stem  # the id its loader gave it
        return self.new_id + document_id[len(stem) :] if document_id.startswith(stem) else document_id

    def __call__(self, document: Document) -> None:
        document.path, document.id = self.path(document.path), self.id(document.id)
        document.parent = self.id(document.parent) if document.parent else ""
