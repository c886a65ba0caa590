"""What an ingest has to do: which files are new, changed, unchanged, removed or duplicates, and whether the
published build can be reused at all."""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

from index.backends.base import Build
from index.config import Config
from index.embedding import MODEL_NAME, RECIPE
from index.manifest import FORMAT, Chunking, ModelInfo, Signature, rebuild_reason
from ingest.chunking import ENCODING
from ingest.corpus import file_hashes, scan_corpus
from ingest.report import DocumentReport, Report, Status

CONTEXT = "title. section"  # what is prepended to a passage when it is embedded
LIBRARIES = ("onnxruntime", "tokenizers", "faiss-cpu", "pypdf", "pypdfium2", "beautifulsoup4", "tiktoken")


def signature(config: Config) -> Signature:
    """How a build made now with `config` would be made."""
    return Signature(
        FORMAT,
        ModelInfo(MODEL_NAME, config.sha256, CONTEXT, config.precision, f"{RECIPE}, batches of {config.batch_size}"),
        Chunking(ENCODING, config.max_tokens, config.overlap_tokens),
        {name: version(name).split(".")[0] for name in LIBRARIES},
        f"exact up to {config.exact_limit} passages, else IVF with nprobe {config.nprobe}",
    )


def why_rebuild(config: Config, previous: Build | None, forced: bool) -> str:
    """Why every document must be extracted and embedded again, or "" when the published build can be reused."""
    if forced:
        return "--rebuild was given"
    if previous is None:
        return "no index has been published yet"
    return rebuild_reason(previous.manifest.signature, signature(config))


def plan(config: Config, report: Report, previous: Build | None) -> list[tuple[Path, DocumentReport]]:
    """Each corpus file with its status before extraction: added, updated, unchanged, or failed when it
    failed before and has not changed since. Duplicates and removed files go straight into the report."""
    scan = scan_corpus(config.corpus)
    report.ignored = [p.relative_to(config.corpus).as_posix() for p in scan.ignored]
    report.files += [
        DocumentReport(p.relative_to(config.corpus).as_posix(), Status.FAILED, reason=reason)
        for p, reason in scan.refused.items()
    ]
    stored = previous.manifest.fingerprints if previous else {}
    failed_before = previous.manifest.failed if previous and not report.rebuild else {}
    planned, seen = [], {}
    for path in scan.documents:
        relative = path.relative_to(config.corpus).as_posix()
        content, fingerprint = file_hashes(path)
        if content in seen and path.stat().st_size:  # empty files are reported as empty, not as copies
            report.files.append(
                DocumentReport(
                    relative,
                    Status.DUPLICATE,
                    fingerprint=fingerprint,
                    reason=f"same content as {seen[content]}; delete one copy",
                )
            )
            continue
        seen[content] = relative
        entry = DocumentReport(relative, Status.UPDATED if relative in stored else Status.ADDED, fingerprint=fingerprint)
        if relative in failed_before and failed_before[relative].fingerprint == fingerprint:
            entry.status, entry.reason = Status.FAILED, failed_before[relative].reason
        elif stored.get(relative) == fingerprint and not report.rebuild:
            entry.status = Status.UNCHANGED
            report.files += [  # an email's or archive's members that failed, kept failed while it is unchanged
                DocumentReport(inner, Status.FAILED, fingerprint=fingerprint, reason=failed.reason)
                for inner, failed in failed_before.items()
                if inner.startswith(f"{relative}/") and failed.fingerprint == fingerprint
            ]
        planned.append((path, entry))
    present = {entry.path for _, entry in planned} | {f.path for f in report.files}
    report.files += [DocumentReport(relative, Status.REMOVED) for relative in sorted(set(stored) - present)]
    return planned
