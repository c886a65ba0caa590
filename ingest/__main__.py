"""python -m ingest: build the search index from the corpus folder and publish it."""

from __future__ import annotations

import argparse
import sys

from index.config import ENV_VAR, load_config
from index.publish import IngestLocked
from ingest.build import Report, build_index


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m ingest",
        description="Extract, chunk and embed every document under [paths] corpus, then publish a new index "
                    "in [paths] index. Searches keep using the old index until the new one is complete.",
        epilog="Exit status: 0 when every document was ingested, 1 when some files failed (the rest are "
               "published), 2 when nothing was published.",
    )
    parser.add_argument("--config", metavar="FILE", help=f"settings file (default: ${ENV_VAR} or config.toml)")
    return parser.parse_args(argv)


def print_report(report: Report) -> None:
    """The closing summary on the terminal."""
    for path, reason in report.failed:
        print(f"FAILED {path}: {reason}")
    for path, original in report.duplicates:
        print(f"DUPLICATE {path}: same content as {original}; skipped (delete one copy)")
    for path in report.ignored:
        print(f"IGNORED {path}: not a supported format (.pdf, .html, .htm, .txt, .md)")
    print(f"Indexed {report.documents} documents, {report.pages} pages, {report.passages} passages "
          f"in {report.seconds} s; published index {report.version}"
          + (f"; {len(report.failed)} files failed" if report.failed else ""))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        config = load_config(args.config)
        report = build_index(config)
    except (FileNotFoundError, ValueError, RuntimeError, IngestLocked) as error:
        print(f"ingest: {error}", file=sys.stderr)
        return 2
    print_report(report)
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
