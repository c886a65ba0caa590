"""python -m ingest: bring the search index up to date with the corpus folder and publish it."""

from __future__ import annotations

import argparse
import errno
import signal
import sys
import threading

from tqdm import tqdm

from index.backends import open_backend
from index.backends.base import IndexNotFound, IngestLocked
from index.backends.embedded.folders import move_legacy_index
from index.config import ENV_VAR, load_config
from ingest.audit import audit_index
from ingest.build import Progress, build_index
from ingest.check import check_index
from ingest.corpus import LOADERS
from ingest.report import CHANGES, Report, Status, shown, write_report


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m ingest",
        description="Extract, chunk and embed the new and changed documents under [paths] corpus, reuse the "
        "unchanged ones, drop the removed ones, then publish a new index in [paths] index. Searches "
        "keep using the old index until the new one is complete. A JSON report of each run is "
        "written to <index>/reports/.",
        epilog="Exit status: 0 when every document is indexed (or, with --check, the index is sound and up to "
        "date), 1 when some files failed (the rest are published) or --check found a problem, 2 when "
        "nothing could be done (no usable corpus, another ingest running, nothing to roll back to).",
    )
    parser.add_argument("--config", metavar="FILE", help=f"settings file (default: ${ENV_VAR} or config.toml)")
    action = parser.add_mutually_exclusive_group()
    action.add_argument(
        "--rebuild", action="store_true", help="re-extract and re-embed every document instead of reusing unchanged ones"
    )
    action.add_argument(
        "--dry-run", action="store_true", help="list what would be added, updated and removed; change nothing"
    )
    action.add_argument(
        "--check",
        action="store_true",
        help="verify the published index against the corpus (documents, passage counts, "
        "vectors, full-text index); exit 1 on any mismatch",
    )
    action.add_argument(
        "--audit",
        action="store_true",
        help="confirm with poppler's pdftotext that every PDF passage is on the page it cites (a passage read by OCR: "
        "with Tesseract's reading of its page, a scanned image's too); exit 1 on any miss",
    )
    action.add_argument("--rollback", action="store_true", help="publish again the build that the current one replaced")
    parser.add_argument(
        "--workers",
        metavar="tcp://HOST:PORT",
        default="",
        help="embed passages on the workers of this Dask distributed scheduler instead of in this process",
    )
    args = parser.parse_args(argv)
    if args.workers and (args.check or args.audit or args.rollback or args.dry_run):
        parser.error("--workers embeds passages: use it only for an ingest run (alone or with --rebuild)")
    return args


def describe(entry) -> str:
    """One line for a file the run changed or failed."""
    done = (
        entry.reason
        if entry.status == Status.FAILED
        else f"{entry.pages} pages, {entry.passages} passages, {entry.seconds} s"
    )
    return shown(f"{entry.status} {entry.path}: {done}")


class ProgressView:
    """Progress on stderr: a bar with an ETA on a terminal, one line per changed file otherwise."""

    def __init__(self, stream=None):
        self.stream, self.bar = stream or sys.stderr, None

    def __call__(self, event: Progress) -> None:
        changed = event.entry.status != Status.UNCHANGED
        if not self.stream.isatty():
            if changed:
                print(f"[{event.number}/{event.total}] {describe(event.entry)}", file=self.stream, flush=True)
            return
        if self.bar is None:
            self.bar = tqdm(total=event.total, unit="file", file=self.stream, dynamic_ncols=True)
        if changed:
            self.bar.write(describe(event.entry), file=self.stream)
        self.bar.update(1)
        if event.number == event.total:
            self.bar.close()


def say(line: str) -> None:
    """Print one line of the report: a file name holding a line break cannot start a line of its own."""
    print(shown(line))


def print_report(report: Report) -> None:
    """The readable summary on the terminal; unchanged documents are counted, not listed."""
    verb = "would be " if report.dry_run else ""
    if report.rebuild:
        say(f"Full rebuild: {report.rebuild}")
    for entry in report.files:
        if entry.status in CHANGES:
            say(
                f"{verb}{entry.status.upper():8} {entry.path}"
                + (
                    ""
                    if report.dry_run or entry.status == Status.REMOVED
                    else f": {entry.pages} pages, {entry.passages} passages, {entry.seconds} s"
                )
            )
        elif entry.status == Status.FAILED:
            say(
                f"FAILED   {entry.path}: {entry.reason}" + ("; its previously indexed version is kept" if entry.kept else "")
            )
        elif entry.status == Status.DUPLICATE:
            say(f"DUPLICATE {entry.path}: {entry.reason}; skipped")
    for path in report.ignored:
        say(f"IGNORED  {path}: not a supported format ({', '.join(LOADERS)})")
    t = report.totals()
    counts = ", ".join(f"{t[s]} {s}" for s in Status if t[s])
    if report.dry_run:
        say(f"Dry run: {counts or 'no documents'}; nothing was changed")
    elif not report.published:
        say(f"Nothing changed ({counts or 'no documents'}); index {report.version or '(none)'} stays published")
    else:
        say(
            f"Indexed {t['documents']} documents"
            + (f" from {t['files']} files" if t["files"] != t["documents"] else "")
            + f" ({counts}), {t['pages']} pages, {t['passages']} passages "
            f"in {report.seconds} s; published index {report.version}"
            + (f" (previous {report.previous}, kept for --rollback)" if report.previous else "")
        )
    if report.path:
        say(f"Report: {report.path}")


def print_audit(audits) -> int:
    """A line per document (passages confirmed in order, as words, missing), the misses, and the totals."""
    for audit in audits:
        print(f"{audit.path}: {audit.passages} passages, {audit.in_order} in order, {audit.as_words} as words, "
              f"{len(audit.missing)} missing")  # fmt: skip
        for miss in audit.missing:
            print(f"  MISSING {miss}")
    missing = sum(len(a.missing) for a in audits)
    total = sum(a.passages for a in audits)
    print(f"Audit: {total} passages of {len(audits)} PDFs, {total - missing} on their cited page, {missing} missing")
    return 1 if missing else 0


def interrupt(signum, frame) -> None:
    """SIGTERM stops the run the way Ctrl-C does: cleanly, with a report."""
    raise KeyboardInterrupt


def os_problem(error: OSError) -> str:
    """One line for a failed read or write: the path, the problem and the fix."""
    if error.errno == errno.ENOSPC:
        fix = "free some disk space and run the ingest again"
    else:
        fix = "check that it exists and that this user may write to it, or set [paths] index in config.toml"
    return f"{error.filename or 'a file'}: {error.strerror or error}; {fix}"


def stopped(config, report: Report, reason: str) -> int:
    """Say why a run stopped before publishing, and leave a report saying so."""
    report.interrupted = reason
    print(f"ingest: {reason}", file=sys.stderr)
    if config is not None:
        try:
            print(f"Report: {write_report(config.index, report)}", file=sys.stderr)
        except OSError:
            pass  # the disk that failed the build may not take the report either
    return 2


def run(args: argparse.Namespace, config, report: Report) -> int:
    """The chosen action; errors are raised to main."""
    moved = move_legacy_index(config.index, config.source.parent)
    if moved:
        print(moved)
    if args.rollback:
        before, after = open_backend(config).rollback()
        print(f"Rolled back: published index {after} (was {before})")
        return 0
    if args.audit:
        return print_audit(audit_index(config))
    if args.check:
        problems = check_index(config)
        for line in problems:
            print(line)
        print(f"{len(problems)} problems found" if problems else "Index is sound and up to date with the corpus")
        return 1 if problems else 0
    build_index(
        config, rebuild=args.rebuild, dry_run=args.dry_run, progress=ProgressView(), report=report, workers=args.workers
    )
    if not args.dry_run:
        write_report(config.index, report)
    print_report(report)
    return 1 if report.failed else 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    config, report = None, Report()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, interrupt)
    try:
        config = load_config(args.config)
        return run(args, config, report)
    except KeyboardInterrupt:
        return stopped(config, report, "interrupted before publishing; the published index is unchanged; run it again")
    except (ValueError, RuntimeError, IngestLocked, IndexNotFound) as error:
        print(f"ingest: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        if error.errno is None:  # raised by us, with its message
            print(f"ingest: {error}", file=sys.stderr)
            return 2
        return stopped(config, report, f"{os_problem(error)}; the published index is unchanged")


if __name__ == "__main__":
    sys.exit(main())
