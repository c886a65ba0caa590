"""python -m benchmarks.latency: search over HTTP against the published index, as a user meets it.

Starts `python -m search_app` on 127.0.0.1, sends warm-up questions that are not measured, then measures
  1. one client, each of --questions distinct questions once (so no query vector is cached): p50 and p99;
  2. one client, the same questions again (query vectors now cached);
  3. --clients concurrent clients for --seconds: requests per second, p50, p99 and errors;
and prints the server's resident memory after start-up and at the end. The questions are the development
questions and seeded spans of 2 to 12 of their words. Every loop is bounded in count and time."""

from __future__ import annotations

import argparse
import random
import sys
import urllib.parse
from pathlib import Path

from benchmarks.common import ROOT, get, load, percentile, rss_mb, start_server
from evaluation.gold import load_queries
from index.query import STOPWORDS, WORD


def questions(count: int, seed: int) -> list[str]:
    """`count` distinct questions: the development ones, then spans of their words (each with a word that is
    not a stopword, so that every one can be searched)."""
    rng = random.Random(seed)
    real = [q.query for name in ("dev.jsonl", "dev-pdf.jsonl") for q in load_queries(ROOT / "evaluation" / name)]
    found = dict.fromkeys(real)
    for _ in range(count * 20):
        if len(found) >= count:
            break
        words = rng.choice(real).split()
        start = rng.randrange(len(words))
        span = " ".join(words[start : start + rng.randint(2, 12)])
        if any(word.lower() not in STOPWORDS for word in WORD.findall(span)):
            found.setdefault(span)
    return list(found)[:count]


def one_client(base: str, urls: list[str]) -> tuple[float, float, int]:
    """(p50 ms, p99 ms, errors) of the URLs sent one after another."""
    results = [get(base + url) for url in urls]
    took = [1000 * seconds for _, seconds, _ in results]
    return percentile(took, 0.5), percentile(took, 0.99), sum(1 for status, _, _ in results if status != 200)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.latency", description=__doc__)
    parser.add_argument("--config", type=Path, default=ROOT / "config.toml", help="config of the index to serve")
    parser.add_argument("--mode", default="hybrid", choices=("hybrid", "keyword", "semantic"))
    parser.add_argument("--questions", type=int, default=400, help="distinct questions for one client (400)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients for the throughput run (8)")
    parser.add_argument("--seconds", type=float, default=30, help="length of the throughput run (30)")
    args = parser.parse_args(argv)
    measured = questions(args.questions + 100, seed=1)
    warm, measured = measured[-100:], measured[:-100]

    def url(text: str) -> str:
        return f"/api/search?{urllib.parse.urlencode({'q': text, 'mode': args.mode})}"

    process, base = start_server(args.config)
    try:
        started_mb = rss_mb(process.pid)[0]
        one_client(base, [url(q) for q in warm])
        print(f"{args.mode}, {len(measured)} distinct questions, server {base}")
        p50, p99, errors = one_client(base, [url(q) for q in measured])
        print(f"one client, new questions:      p50 {p50:5.1f} ms  p99 {p99:5.1f} ms  errors {errors}")
        p50, p99, errors = one_client(base, [url(q) for q in measured])
        print(f"one client, repeated questions: p50 {p50:5.1f} ms  p99 {p99:5.1f} ms  errors {errors}")
        figures = load(base, [url(q) for q in questions(5000, seed=2)], args.clients, args.seconds)
        print(
            f"{args.clients} clients for {figures['seconds']:.0f} s: {figures['rps']:.1f} requests/s, "
            f"p50 {figures['p50']:.1f} ms, p99 {figures['p99']:.1f} ms, {figures['requests']:,} requests, "
            f"{figures['errors']} errors"
        )
        now_mb, peak_mb = rss_mb(process.pid)
        print(f"server memory: {started_mb:.0f} MB after start-up, {now_mb:.0f} MB at the end (peak {peak_mb:.0f} MB)")
    finally:
        process.terminate()
        process.wait(timeout=30)
    return 1 if errors or figures["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
