"""The build manifest: how a build was made and what it holds. Written last of a build's files; read by
ingest (what to reuse), search (which model), --check and the BEIR runner."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

FORMAT = 10  # raise when the index layout or the extraction changes: older indexes are rebuilt whole
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class ModelInfo:
    """The embedding model: its name, the sha256 of its weights, what is prepended to passages, and the
    numbers it computed with (int8 or fp32)."""

    name: str
    sha256: str
    context: str = ""
    precision: str = ""
    recipe: str = ""  # how the ONNX file was exported and the batch size (int8 vectors depend on their batch)


@dataclass(frozen=True)
class Chunking:
    """How text was cut into passages."""

    encoding: str = ""
    max_tokens: int = 0
    overlap_tokens: int = 0


@dataclass(frozen=True)
class Signature:
    """Everything that, when changed, makes stored passages or vectors invalid."""

    format: int
    model: ModelInfo
    chunking: Chunking = Chunking()
    library_majors: dict[str, str] = field(default_factory=dict)
    vectors: str = ""  # the vector index's settings: exact up to [search] exact_limit passages, IVF's nprobe


@dataclass(frozen=True)
class DocumentEntry:
    """One indexed document: its id, the fingerprint of its file and sidecar, its counts, and when its current
    version was first indexed (the build's time, ISO 8601; kept by later builds while the fingerprint holds)."""

    id: str
    fingerprint: str
    pages: int
    passages: int
    added: str = ""
    file: str = ""  # the corpus file it came out of, when that is an email or archive ("": the path itself)


@dataclass(frozen=True)
class FailedEntry:
    """A file that failed: not retried until its fingerprint changes."""

    fingerprint: str
    reason: str


@dataclass(frozen=True)
class Manifest:
    """A build's description."""

    signature: Signature
    dimensions: int
    documents: dict[str, DocumentEntry] = field(default_factory=dict)  # by corpus-relative path
    failed: dict[str, FailedEntry] = field(default_factory=dict)
    libraries: dict[str, str] = field(default_factory=dict)
    built: str = ""

    @property
    def fingerprints(self) -> dict[str, str]:
        """Fingerprint of each corpus file indexed, by its path (an email or archive once for all it holds)."""
        return {entry.file or path: entry.fingerprint for path, entry in self.documents.items()}

    def paths_from(self, file: str) -> list[str]:
        """The paths of the documents indexed from one corpus file."""
        return [path for path, entry in self.documents.items() if (entry.file or path) == file]

    def to_json(self) -> str:
        signature = asdict(self.signature)
        signature["model"]["dimensions"] = self.dimensions
        documents = {path: asdict(entry) for path, entry in self.documents.items()}
        corpus = {
            "documents": len(documents),
            "passages": sum(e.passages for e in self.documents.values()),
            "pages": sum(e.pages for e in self.documents.values()),
        }
        return json.dumps(
            {
                **signature,
                "documents": documents,
                "failed": {p: asdict(e) for p, e in self.failed.items()},
                "corpus": corpus,
                "libraries": self.libraries,
                "built": self.built,
            },
            indent=2,
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        data = json.loads(text)
        model = dict(data.get("model", {}))
        dimensions = model.pop("dimensions", 0)
        signature = Signature(
            data.get("format", 0),
            ModelInfo(**pick(ModelInfo, model)),
            Chunking(**pick(Chunking, data.get("chunking", {}))),
            data.get("library_majors", {}),
            data.get("vectors", ""),
        )
        return cls(
            signature,
            dimensions,
            {path: DocumentEntry(**e) for path, e in data.get("documents", {}).items()},
            {path: FailedEntry(**e) for path, e in data.get("failed", {}).items()},
            data.get("libraries", {}),
            data.get("built", ""),
        )

    def write(self, folder: Path) -> None:
        """Write manifest.json into a build folder, flushed to disk."""
        with (folder / MANIFEST).open("w", encoding="utf-8") as handle:
            handle.write(self.to_json())
            handle.flush()
            os.fsync(handle.fileno())

    @classmethod
    def read(cls, folder: Path) -> Manifest:
        return cls.from_json((folder / MANIFEST).read_text(encoding="utf-8"))


def pick(kind: type, data: dict) -> dict:
    """The keys of `data` that are fields of the dataclass `kind` (older manifests may lack or add some)."""
    names = {f.name for f in fields(kind)}
    return {key: value for key, value in data.items() if key in names}


def rebuild_reason(old: Signature, new: Signature) -> str:
    """Why a build made with `old` cannot be reused under `new`, or "" if it can."""
    if old.format != new.format:
        return "the index format changed"
    for label, before, after in (
        ("embedding model", asdict(old.model), asdict(new.model)),
        ("chunking settings", asdict(old.chunking), asdict(new.chunking)),
        ("library major versions", old.library_majors, new.library_majors),
        ("vector index settings", {"vectors": old.vectors}, {"vectors": new.vectors}),
    ):
        changes = [f"{key} {before.get(key)} -> {value}" for key, value in after.items() if before.get(key) != value]
        if changes:
            return f"{label} changed ({', '.join(changes)})"
    return ""
