"""python -m evaluation: retrieval quality of the corpus query sets and of BEIR benchmarks, as Markdown tables."""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from evaluation.corpus import SetScores, http_search, local_search, score_set
from evaluation.gold import load_queries
from index.config import ENV_VAR, load_config
from index.request import MODES
from index.search import Searcher

HERE = Path(__file__).resolve().parent
PINNED = HERE.parent / "docs" / "evaluation.md"  # the numbers --check holds the ranking to
DEFAULT_SETS = [HERE / name for name in ("dev.jsonl", "dev-pdf.jsonl", "dev-named.jsonl", "dev-questions.jsonl")]
TOLERANCE = 0.03


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m evaluation", description=__doc__)
    parser.add_argument("--config", metavar="FILE", help=f"settings file (default: ${ENV_VAR} or config.toml)")
    parser.add_argument("--url", help="score a running server's JSON API instead of the local index")
    parser.add_argument("--sets", nargs="*", type=Path, default=DEFAULT_SETS, help="JSONL query sets")
    parser.add_argument("--modes", nargs="*", default=list(MODES), choices=MODES)
    parser.add_argument("--beir", metavar="DIR", type=Path, help="also run a BEIR dataset folder (e.g. SciFact)")
    parser.add_argument("--split", default="test", help="BEIR qrels split (default: test)")
    parser.add_argument("--runs", metavar="DIR", type=Path, help="write TREC run files here")
    parser.add_argument(
        "--check",
        action="store_true",
        help=f"exit 1 if hybrid success@5 or MRR@10 is more than {TOLERANCE} below the numbers pinned in docs/evaluation.md",
    )
    return parser.parse_args(argv)


def corpus_table(rows: list[tuple[str, SetScores]]) -> str:
    lines = [
        "| set | mode | success@5 | MRR@10 | recall@10 | page accuracy | queries scored |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, s in rows:
        lines.append(
            f"| {name} | {s.mode} | {s.success_at_5:.3f} | {s.mrr_at_10:.3f} | {s.recall_at_10:.3f} | "
            f"{s.page_accuracy:.3f} | {s.scored} (+{s.unscored} unanswerable) |"
        )
    return "\n".join(lines)


def write_run(path: Path, run: list, tag: str) -> None:
    """A TREC run file: qid Q0 docid rank score tag."""
    with path.open("w", encoding="utf-8") as handle:
        for qid, returned, rank in run:
            handle.write(f"{qid} Q0 {returned.document_id}#{returned.passage_id} {rank} {returned.score:.6f} {tag}\n")


def pinned_numbers(page: Path) -> dict[str, tuple[float, float]]:
    """Hybrid (success@5, MRR@10) per set, from the evaluation table of docs/evaluation.md."""
    pinned = {}
    for match in re.finditer(r"^\| (\S+\.jsonl) \| hybrid \| ([\d.]+) \| ([\d.]+) \|", page.read_text(), re.M):
        pinned[match.group(1)] = (float(match.group(2)), float(match.group(3)))
    return pinned


def check(rows: list[tuple[str, SetScores]]) -> list[str]:
    """Regressions against the pinned numbers, as messages."""
    pinned, problems = pinned_numbers(PINNED), []
    for name, s in rows:
        if s.mode != "hybrid" or name not in pinned:
            continue
        for label, now, then in (("success@5", s.success_at_5, pinned[name][0]), ("MRR@10", s.mrr_at_10, pinned[name][1])):
            if now < then - TOLERANCE:
                problems.append(f"{name} hybrid {label} {now:.3f} is below the pinned {then:.3f} by more than {TOLERANCE}")
    return problems


def run_corpus(args, config) -> list[tuple[str, SetScores]]:
    rows = []
    searcher = None if args.url else Searcher(config)
    for path in args.sets:
        queries = load_queries(path)
        for mode in args.modes:
            if args.url:  # the whole set in batches through the API
                search = http_search(args.url, [q.query for q in queries], 10, mode)
            else:
                search = local_search(searcher)
            run: list = []
            rows.append((path.name, score_set(queries, search, mode, run=run)))
            if args.runs:
                args.runs.mkdir(parents=True, exist_ok=True)
                write_run(args.runs / f"{path.stem}.{mode}.trec", run, mode)
    return rows


@contextmanager
def scratch_dsn(config):
    """With the PostgreSQL backend, a database of its own for a benchmark's index, dropped afterwards."""
    if config.backend != "postgres":
        yield config.dsn
        return
    from index.backends.postgres import scratch_database

    with scratch_database(config.dsn) as dsn:
        yield dsn


def run_beir_benchmark(args, config) -> str:
    from evaluation.beir import build_beir_index, load_beir, run_beir, score_beir
    from index.embedding import load_embedder

    corpus, queries, qrels = load_beir(args.beir, args.split)
    embedder = load_embedder(config.sha256, config.precision)
    with tempfile.TemporaryDirectory() as tmp, scratch_dsn(config) as dsn:
        beir_config = replace(config, index=Path(tmp), dsn=dsn)
        build_beir_index(corpus, beir_config, embedder)
        searcher = Searcher(beir_config, embedder)
        lines = [
            f"{args.beir.name} ({args.split}: {len(queries)} queries, {len(corpus)} documents)",
            "",
            "| mode | nDCG@10 | R@100 |",
            "|---|---|---|",
        ]
        for mode in args.modes:
            scores = score_beir(run_beir(searcher, queries, mode), qrels)
            lines.append(f"| ours, {mode} | {scores['nDCG@10']:.3f} | {scores['R@100']:.3f} |")
    published = args.beir / "PUBLISHED_RESULTS.md"
    if published.is_file():
        lines += ["", "Published (from PUBLISHED_RESULTS.md):", ""]
        lines += [line for line in published.read_text().splitlines() if re.match(r"\| \d+ \|", line)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        config = load_config(args.config)
        rows = run_corpus(args, config)
    except (OSError, ValueError, RuntimeError) as error:  # no index, an old one, a bad config: one line
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(corpus_table(rows))
    if args.beir:
        print()
        print(run_beir_benchmark(args, config))
    if args.check:
        problems = check(rows)
        for problem in problems:
            print(f"REGRESSION: {problem}", file=sys.stderr)
        if not pinned_numbers(PINNED):
            print("REGRESSION: no pinned hybrid numbers found in docs/evaluation.md", file=sys.stderr)
            return 1
        return 1 if problems else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
