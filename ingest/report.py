"""What an ingest did, per file and in total, and its JSON record in <index>/reports/."""

from __future__ import annotations

import json
import os
import re
import time
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path

REPORTS = "reports"

CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")  # characters that would break or hide a line


def shown(text: str) -> str:
    """`text` for one line of a terminal: control characters written as escapes ('a\\nb' for a line break)."""
    return CONTROL.sub(lambda found: repr(found.group())[1:-1], text)


class Status(StrEnum):
    """What became of one corpus file."""

    ADDED = "added"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    REMOVED = "removed"
    FAILED = "failed"
    DUPLICATE = "duplicate"


CHANGES = (Status.ADDED, Status.UPDATED, Status.REMOVED)


@dataclass
class DocumentReport:
    """What an ingest did with one file."""

    path: str
    status: Status
    pages: int = 0
    passages: int = 0
    seconds: float = 0.0
    reason: str = ""  # why it failed, or which file it duplicates
    kept: bool = False  # failed, and its previously indexed version is kept in the index
    fingerprint: str = ""
    documents: int = 1  # the documents it gave: an email's message and attachments, an archive's members


@dataclass
class Report:
    """What an ingest did, per file and in total."""

    files: list[DocumentReport] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    rebuild: str = ""  # why every document was re-extracted, or "" for an incremental run
    version: str = ""  # the index published (or still published when nothing changed)
    previous: str = ""
    published: bool = False
    dry_run: bool = False
    interrupted: str = ""  # why the run stopped before publishing, when it did
    seconds: float = 0.0
    path: str = ""  # where the JSON report was written

    def with_status(self, *statuses: Status) -> list[DocumentReport]:
        return [f for f in self.files if f.status in statuses]

    @property
    def indexed(self) -> list[DocumentReport]:
        return [f for f in self.files if f.status in (Status.ADDED, Status.UPDATED, Status.UNCHANGED) or f.kept]

    @property
    def failed(self) -> list[DocumentReport]:
        return self.with_status(Status.FAILED)

    @property
    def changed(self) -> bool:
        return bool(self.rebuild or self.with_status(*CHANGES))

    def totals(self) -> dict:
        counts = {str(s): len(self.with_status(s)) for s in Status}
        return {
            "documents": sum(f.documents for f in self.indexed),
            "files": len(self.indexed),
            "pages": sum(f.pages for f in self.indexed),
            "passages": sum(f.passages for f in self.indexed),
            "ignored": len(self.ignored),
            **counts,
        }

    def to_json(self) -> str:
        return json.dumps({**{k: v for k, v in asdict(self).items() if k != "path"}, "totals": self.totals()}, indent=2)


def write_report(root: Path, report: Report) -> Path:
    """Save the JSON report beside the index builds: reports/<time>-<pid>.json."""
    folder = root / REPORTS
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}.json"
    path.write_text(report.to_json(), encoding="utf-8")
    report.path = str(path)
    return path
