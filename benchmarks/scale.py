"""python -m benchmarks.scale: build bigger indexes through our own code and time search on them over HTTP.

For each size, the published index's passages are replicated until there are that many: copy 0 is the corpus
itself; in every further copy each document gets a new id, 15% of each passage's words are replaced by words
drawn from the corpus's own vocabulary (seeded by the copy, so no copy is a near-duplicate of another), and each
vector gets Gaussian noise (sigma 0.02 a dimension, cosine about 0.93 to the original) and is normalised again.
Copies keep their documents' metadata but not their full text (the document view is not measured). The build
goes through `write_build` (SQLite/FTS5, near-duplicate groups up to 200,000 passages, FAISS), then
`python -m search_app` serves it and one client sends distinct development-style questions, after a warm-up,
in each mode, and as counts only (k=0) with aggregations by council and grade, kind and month over every match
("aggs": hybrid, "aggs kw": keyword). Prints build time, the build's peak memory, index size on disk, the vector
index's recall@10 against exact search, server memory, and p50/p99 per mode; for the embedded backend also
keyword matching in process summed from the postings against FTS5 scoring alone, side by side on the same build.
With --postgres DSN the same build goes into a scratch database on that server (the PostgreSQL backend, HNSW above
[search] exact_limit), dropped at the end."""

from __future__ import annotations

import argparse
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
import urllib.parse
from contextlib import nullcontext
from dataclasses import replace
from pathlib import Path

import faiss
import numpy as np

from benchmarks.common import PYTHON, ROOT, percentile, rss_mb, start_server
from benchmarks.latency import one_client, questions
from index.backends.base import Build
from index.backends.embedded import Folders
from index.backends.embedded.folders import DATABASE, VECTORS, write_build
from index.backends.embedded.store import SqliteStore
from index.backends.embedded.vectors import FaissVectors
from index.backends.postgres import EF_SEARCH, Postgres, scratch_database
from index.config import load_config
from index.embedding import load_embedder
from index.manifest import Manifest
from index.query import keyword_match, parse_query
from index.request import SearchRequest
from index.search import Searcher, informative
from ingest.plan import signature

SHARE = 0.15  # words replaced in each passage of a copy
SIGMA = 0.02  # noise added to each dimension of a copy's vectors
GROUPING_LIMIT = 200_000  # above this, near-duplicate grouping is replaced (it would not fit in memory here)


def perturb(text: str, pick: random.Random, vocabulary: list[str]) -> str:
    """`text` with a SHARE of its words replaced by words of the vocabulary."""
    return re.sub(r"[A-Za-z]{3,}", lambda m: pick.choice(vocabulary) if pick.random() < SHARE else m.group(0), text)


def replicate(published: Build, size: int):
    """(documents, passages, vectors) of `size` passages made from the published build as described above."""
    originals = [published.take(path) for path in published.manifest.documents]
    vocabulary = sorted(published.store.vocabulary(5))
    documents, passages, blocks, next_id, copy = [], [], [], 1, 0
    while next_id <= size:
        rng = np.random.default_rng(copy)
        pick = random.Random(copy)
        for document, own, vectors in originals:
            if next_id > size:
                break
            take = min(len(own), size - next_id + 1)
            name = document.id if copy == 0 else f"{document.id}~{copy}"
            documents.append(document if copy == 0 else replace(document, id=name, path=f"{name}.pdf", text=""))
            for passage in own[:take]:
                text = perturb(passage.text, pick, vocabulary) if copy else passage.text
                passages.append(replace(passage, id=next_id, document_id=name, text=text))
                next_id += 1
            noisy = vectors[:take] + (rng.normal(0, SIGMA, vectors[:take].shape) if copy else 0)
            blocks.append(noisy / np.linalg.norm(noisy, axis=1, keepdims=True))
        copy += 1
    return documents, passages, np.concatenate(blocks).astype(np.float32)


def build(size: int, folder: Path, exact_limit: int | None, dsn: str = "", budget: int | None = None) -> Path:
    """Write the replicated index and its config; print build time, peak memory, size on disk, and the vector
    index's recall@10 against exact search for the benchmark's questions."""
    config = load_config()
    exact_limit = config.exact_limit if exact_limit is None else exact_limit
    started = time.perf_counter()
    documents, passages, vectors = replicate(Folders(config.index).current(), size)
    made = time.perf_counter() - started
    root = folder / "index"
    if size > GROUPING_LIMIT:
        import index.backends.embedded.store
        import index.backends.postgres.write

        ungrouped = lambda rows, threshold=0.8: {pid: pid for pid, _ in rows}  # noqa: E731
        index.backends.embedded.store.near_duplicate_groups = ungrouped
        index.backends.postgres.write.near_duplicate_groups = ungrouped
        print(f"near-duplicate grouping left out above {GROUPING_LIMIT:,} passages (every passage its own group): "
              "it holds every passage's shingles in memory, 2.8 GB at 100,000", flush=True)  # fmt: skip
    started = time.perf_counter()
    manifest = Manifest(signature(config), vectors.shape[1])
    if dsn:
        target = Postgres(dsn)
        target.write(documents, passages, vectors, manifest, exact_limit, config.nprobe)
        disk = target.db.execute("SELECT pg_database_size(current_database())").fetchone()[0] / 2**20
        index, what = target.current().vectors, "PostgreSQL: postings, near-duplicate groups, pgvector"
    else:
        written = write_build(root, documents, passages, vectors, manifest, exact_limit, config.nprobe)
        disk = sum(path.stat().st_size for path in written.iterdir()) / 2**20
        index, what = FaissVectors(written / VECTORS), "SQLite, FTS5, near-duplicate groups, FAISS"
    took = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{len(passages):,} passages, {len(documents):,} documents: replicated in {made:.1f} s, written in "
          f"{took:.1f} s ({what}); {disk:,.0f} MB on disk; peak {peak:,.0f} MB", flush=True)  # fmt: skip
    embedder = load_embedder(config.sha256, config.precision)
    queries = np.array([embedder.encode_query(q) for q in questions(200, seed=5)])
    exact = np.argsort(-(queries @ vectors.T), axis=1)[:, :10]
    ids = np.array([p.id for p in passages])
    recall = np.mean([len({i for i, _ in index.search(q, 10)} & set(ids[row])) / 10 for q, row in zip(queries, exact)])
    if dsn:
        kind = f"HNSW, ef_search {EF_SEARCH}" if index.approximate else "exact"
    else:
        kind = (
            f"IVF, {faiss.extract_index_ivf(index.index).nlist} lists, nprobe {index.ivf.nprobe}" if index.ivf else "exact"
        )
    print(f"  vector index: {kind}; recall@10 against exact search {recall:.3f}", flush=True)
    path = folder / "config.toml"
    backend = f'[index]\nbackend = "postgres"\n[postgres]\ndsn = "{dsn}"\n' if dsn else ""
    search = f"[search]\nkeyword_budget = {budget}\n" if budget is not None else ""
    path.write_text(f'[paths]\ncorpus = "{config.corpus}"\nindex = "{root}"\n{backend}{search}', encoding="utf-8")
    budgeted = Searcher(load_config(path), embedder)
    whole = Searcher(replace(budgeted.config, keyword_budget=0), embedder)
    if budgeted.config.keyword_budget:
        overlap = []
        for question in questions(100, seed=6):
            asked = SearchRequest(question, k=10, mode="keyword", fold=False)
            ours, full = ({h.passage.id for h in s.search(asked).hits} for s in (budgeted, whole))
            overlap.append(len(ours & full) / max(len(full), 1))
        print(f"  keyword top 10 with [search] keyword_budget {budgeted.config.keyword_budget:,} against every word "
              f"OR-ed: {np.mean(overlap):.3f} agreement (100 questions)", flush=True)  # fmt: skip
    if not dsn:
        compare_keyword(whole.current())
    return path


def compare_keyword(build: Build) -> None:
    """Print, side by side, in-process keyword matching (every informative word OR-ed, top 1,000) summed from the
    postings and scored by FTS5 row by row, on the same build and questions, and how often their top 10 agree."""
    asked = [keyword_match(informative(parse_query(q, 500), build)) for q in questions(100, seed=7)]
    fts = SqliteStore(build.folder / DATABASE)
    fts.has_postings = False
    found, times = {}, {}
    for name, store in (("postings", build.store), ("FTS5", fts)):
        store.match(asked[0], 1000)  # opened and warm
        times[name], found[name] = [], []
        for match in asked:
            started = time.perf_counter()
            found[name].append([i for i, _ in store.match(match, 1000)[:10]])
            times[name].append((time.perf_counter() - started) * 1000)
    same = np.mean([a == b for a, b in zip(found["postings"], found["FTS5"])])
    p50, p99 = ({n: percentile(t, share) for n, t in times.items()} for share in (0.5, 0.99))
    print(f"  keyword matching in process, 100 questions: postings p50 {p50['postings']:.1f} ms p99 "
          f"{p99['postings']:.1f} ms; FTS5 p50 {p50['FTS5']:.1f} ms p99 {p99['FTS5']:.1f} ms; ratio p50 "
          f"{p50['postings'] / p50['FTS5']:.3f}, p99 {p99['postings'] / p99['FTS5']:.3f}; same top 10 {same:.2f}",
          flush=True)  # fmt: skip


def measure(config: Path, count: int) -> None:
    warm = min(50, count)
    asked = questions(count + warm, seed=4)
    process, base = start_server(config)
    try:
        started_mb = rss_mb(process.pid)[0]
        aggregations = {"k": 0, "aggs": ["local_authority,judgement", "kind", "month"]}  # counts only, every match
        for name, mode, extra in (("hybrid", "hybrid", {}), ("keyword", "keyword", {}), ("semantic", "semantic", {}),
                                  ("aggs", "hybrid", aggregations), ("aggs kw", "keyword", aggregations)):  # fmt: skip
            urls = [f"/api/search?{urllib.parse.urlencode({'q': q, 'mode': mode} | extra, doseq=True)}" for q in asked]
            one_client(base, urls[:warm])
            p50, p99, errors = one_client(base, urls[warm:])
            print(f"  {name:8} one client, {count} new questions: p50 {p50:7.1f} ms  p99 {p99:7.1f} ms  errors {errors}")
        now_mb, peak_mb = rss_mb(process.pid)
        print(f"  server memory: {started_mb:,.0f} MB after start-up, peak {peak_mb:,.0f} MB", flush=True)
    finally:
        process.terminate()
        process.wait(timeout=60)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.scale", description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000], help="passages per index (100000)")
    parser.add_argument("--questions", type=int, default=200, help="distinct questions per mode (200)")
    parser.add_argument("--exact-limit", type=int, help="override [search] exact_limit (IVF above it)")
    parser.add_argument("--keyword-budget", type=int, help="override [search] keyword_budget (0: every word)")
    parser.add_argument("--postgres", metavar="DSN", default="", help="build into a scratch database on this server")
    parser.add_argument("--build-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--dsn", default="", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.build_only:  # the child process: build one size, so its peak memory is its own
        build(args.sizes[0], args.folder, args.exact_limit, args.dsn, args.keyword_budget)
        return 0
    for size in args.sizes:
        with (
            tempfile.TemporaryDirectory() as tmp,
            scratch_database(args.postgres) if args.postgres else nullcontext() as dsn,
        ):
            command = [PYTHON, "-m", "benchmarks.scale", "--build-only", "--sizes", str(size), "--folder", tmp]
            command += ["--exact-limit", str(args.exact_limit)] if args.exact_limit is not None else []
            command += ["--dsn", dsn] if dsn else []
            command += ["--keyword-budget", str(args.keyword_budget)] if args.keyword_budget is not None else []
            subprocess.run(command, cwd=ROOT, check=True, timeout=3 * 3600)
            measure(Path(tmp) / "config.toml", args.questions)
    return 0


if __name__ == "__main__":
    sys.exit(main())
