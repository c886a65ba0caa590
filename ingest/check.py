"""python -m ingest --check: verify the published index against the corpus and against itself."""

from __future__ import annotations

from index.backends import open_backend
from index.config import Config
from index.filters import Filters
from index.manifest import DocumentEntry
from ingest.plan import plan, why_rebuild
from ingest.report import Report, Status

PROBLEMS = {
    Status.ADDED: "not in the index; run: python -m ingest",
    Status.UPDATED: "changed since it was indexed; run: python -m ingest",
    Status.REMOVED: "indexed but no longer in the corpus; run: python -m ingest",
}


def check_index(config: Config) -> list[str]:
    """Every problem found, one line each; an empty list means the index is sound and up to date."""
    previous = open_backend(config).current()
    reason = why_rebuild(config, previous, forced=False)
    if reason:
        return [f"index: built with different settings ({reason}); run: python -m ingest"]
    report = Report()
    planned = [entry for _, entry in plan(config, report, previous)]  # what an ingest would do now
    problems = [f"{entry.path}: {PROBLEMS[entry.status]}" for entry in planned + report.files if entry.status in PROBLEMS]
    problems += [f"{entry.path}: failed to ingest ({entry.reason})" for entry in planned if entry.status == Status.FAILED]
    problems += previous.integrity() + count_problems(previous.passage_counts(), previous.manifest.documents)
    passage_ids = set(previous.store.allowed(Filters()))  # every passage of a document
    vector_ids = previous.vectors.ids()
    if len(vector_ids) != len(passage_ids) or set(vector_ids) != passage_ids:
        problems.append(
            f"index: {len(vector_ids)} vectors for {len(passage_ids)} passages, or their ids differ; "
            "run: python -m ingest --rebuild"
        )
    return problems


def count_problems(counts: dict[str, int], expected: dict[str, DocumentEntry]) -> list[str]:
    """Passage counts per document path against the manifest."""
    problems = []
    for relative, entry in expected.items():
        if counts.get(relative) != entry.passages:
            problems.append(
                f"{relative}: {counts.get(relative, 0)} passages in the index, "
                f"{entry.passages} expected; run: python -m ingest --rebuild"
            )
    problems += [
        f"{relative}: in the index but not in its manifest; run: python -m ingest --rebuild"
        for relative in sorted(set(counts) - set(expected))
    ]
    return problems
