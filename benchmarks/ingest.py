"""python -m benchmarks.ingest: a cold ingest of the corpus, then (with --add FOLDER) the addition of more files.

Copies the corpus to a temporary folder, builds an index there from nothing with the real model (the model is
loaded, and its ONNX files exported if needed, before the clock starts), and prints the time, the passages,
the time spent embedding, and the peak memory of the ingest process (extraction runs in a child capped by
[limits] max_memory_mb). With --add, the PDFs of FOLDER are then copied in and the incremental ingest that
adds them is timed the same way.
With a PostgreSQL config the builds go into a scratch database, dropped at the end. With --workers ADDRESS the
passages are embedded on that Dask cluster; --local-cluster N starts one of N single-threaded worker processes on
127.0.0.1 for the run. The published index in data/ is not touched."""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path

from benchmarks.common import ROOT
from index.backends.postgres import scratch_database
from index.config import load_config
from index.embedding import load_embedder
from ingest.build import build_index
from ingest.report import Status


class Timed:
    """The real embedder, counting the seconds spent in encode()."""

    def __init__(self, embedder):
        self.embedder, self.seconds = embedder, 0.0

    def __getattr__(self, name):
        return getattr(self.embedder, name)

    def encode(self, texts, batch_size=1):
        started = time.perf_counter()
        try:
            return self.embedder.encode(texts, batch_size)
        finally:
            self.seconds += time.perf_counter() - started


def run(config, embedder: Timed, label: str, workers: str = "") -> None:
    embedder.seconds = 0.0
    started = time.perf_counter()
    report = build_index(config, embedder, workers=workers)
    took = time.perf_counter() - started
    done = report.with_status(Status.ADDED, Status.UPDATED)
    files, passages = len(done), sum(entry.passages for entry in done)
    split = (
        "embedded on the cluster while extraction went on"
        if workers
        else f"embedding {embedder.seconds:.1f} s ({passages / max(embedder.seconds, 1e-9):.1f} passages/s), "
        f"the rest {took - embedder.seconds:.1f} s"
    )
    print(
        f"{label}: {took:.1f} s, {files} files, {passages:,} passages embedded ({passages / took:.1f}/s overall), "
        f"{split}; {len(report.with_status(Status.FAILED))} failed"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.ingest", description=__doc__)
    parser.add_argument("--config", type=Path, default=ROOT / "config.toml", help="config naming the corpus")
    parser.add_argument("--add", type=Path, help="a folder of PDFs to add after the cold build")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--workers", default="", metavar="tcp://HOST:PORT", help="embed on this Dask scheduler's workers")
    where.add_argument("--local-cluster", type=int, default=0, metavar="N", help="embed on N local Dask workers")
    args = parser.parse_args(argv)
    config = load_config(args.config)
    embedder = Timed(load_embedder(config.sha256, config.precision))
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        corpus = Path(tmp) / "corpus"
        shutil.copytree(config.corpus, corpus)
        dsn = stack.enter_context(scratch_database(config.dsn)) if config.backend == "postgres" else config.dsn
        work = replace(config, corpus=corpus, index=Path(tmp) / "index", dsn=dsn)
        workers = args.workers
        if args.local_cluster:
            from distributed import LocalCluster

            cluster = LocalCluster(
                n_workers=args.local_cluster, threads_per_worker=1, host="127.0.0.1", dashboard_address="127.0.0.1:0"
            )
            workers = stack.enter_context(cluster).scheduler_address
        print(
            f"corpus {config.corpus}, backend {config.backend}, model precision {config.precision}, batch size "
            f"{config.batch_size}, embedding {'on ' + workers if workers else 'in this process'}"
        )
        run(work, embedder, "cold ingest", workers)
        if args.add:
            added = Path(corpus) / "added"
            added.mkdir()
            for path in sorted(args.add.glob("*.pdf")):
                shutil.copy(path, added / path.name)
            run(work, embedder, f"adding {args.add}", workers)
    print(f"peak memory of the ingest process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
