"""python -m benchmarks.rerank: what a cross-encoder of the embedding model's size would add to each search.

A cross-encoder reads the question and a candidate passage together, one forward pass of the network per
candidate. This times that pass with the app's own int8 ONNX all-MiniLM-L6-v2 session (one thread, as each web
server thread has) over real (question, passage) pairs from the published index: the cost of reranking the top
N candidates, one pair at a time and as one batch, beside the latency target of a whole search (p50 15 ms). The
score head a cross-encoder adds (one dot product) costs nothing beside it."""

from __future__ import annotations

import argparse
import statistics
import time

from benchmarks.common import ROOT
from index.config import load_config
from index.embedding import load_embedder
from index.request import SearchRequest
from index.search import Searcher

QUESTIONS = [
    "can a couple adopt a child whose race is different from their own",
    "how long do you have to have been in care to get care leaver support",
    "are social workers afraid to stand up to their managers",
]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.rerank", description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=str(ROOT / "config.toml"), help="settings file (default: config.toml)")
    parser.add_argument("--candidates", type=int, nargs="+", default=[1, 5, 10, 20, 30], help="candidates reranked")
    parser.add_argument("--repeats", type=int, default=5, help="timings per figure; the median is printed")
    args = parser.parse_args(argv)
    config = load_config(args.config)
    embedder = load_embedder(config.sha256, config.precision)
    searcher = Searcher(config, embedder)
    lane = embedder.sessions[0]
    for n in args.candidates:
        single, batched, tokens = [], [], []
        for question in QUESTIONS:
            hits = searcher.search(SearchRequest(question, k=n, mode="hybrid")).hits
            pairs = [f"{question} [SEP] {hit.document.title}. {hit.passage.section}\n{hit.passage.text}" for hit in hits]
            tokens += [min(embedder.count_tokens(pair), embedder.max_tokens) for pair in pairs]
            for _ in range(args.repeats):
                started = time.perf_counter()
                for pair in pairs:
                    embedder.run(lane, [pair])
                single.append(time.perf_counter() - started)
                started = time.perf_counter()
                embedder.run(lane, pairs)
                batched.append(time.perf_counter() - started)
        print(f"{n:3} candidates ({statistics.mean(tokens):.0f} tokens a pair): one at a time "
              f"{1000 * statistics.median(single):6.1f} ms, one batch {1000 * statistics.median(batched):6.1f} ms "
              "(one thread)", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
