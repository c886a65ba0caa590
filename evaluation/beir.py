"""BEIR-format benchmarks (e.g. SciFact) through our own index and search code: one passage per document."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytrec_eval

from index.backends import open_backend
from index.config import Config
from index.embedding import Embedder
from index.manifest import FORMAT, Manifest, ModelInfo, Signature
from index.models import Document, Page, Passage
from index.request import SearchRequest
from index.search import Searcher
from ingest.chunking import count_tokens


def load_beir(folder: Path, split: str) -> tuple[list[dict], dict[str, str], dict[str, dict[str, int]]]:
    """(corpus rows, queries by id, qrels) of one split of a BEIR dataset folder."""
    corpus = [json.loads(line) for line in (folder / "corpus.jsonl").open(encoding="utf-8") if line.strip()]
    qrels: dict[str, dict[str, int]] = {}
    with (folder / "qrels" / f"{split}.tsv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            qrels.setdefault(row["query-id"], {})[row["corpus-id"]] = int(row["score"])
    queries = {}
    for line in (folder / "queries.jsonl").open(encoding="utf-8"):
        row = json.loads(line)
        if row["_id"] in qrels:
            queries[row["_id"]] = row["text"]
    return corpus, queries, qrels


def build_beir_index(corpus: list[dict], config: Config, embedder: Embedder) -> None:
    """Index title + text of each document as one passage (passage id = position + 1), and publish it."""
    documents, passages = [], []
    for number, row in enumerate(corpus, start=1):
        text = f"{row.get('title', '')}\n{row['text']}".strip()
        documents.append(
            Document(
                id=row["_id"],
                path=f"{row['_id']}.txt",
                title=row.get("title", ""),
                text=text,
                pages=[Page(1, 0, len(text), "1")],
            )
        )
        passages.append(Passage(row["_id"], text, 0, len(text), 1, 1, "", count_tokens(text), "1", number))
    vectors = embedder.encode([p.text for p in passages], config.batch_size)
    signature = Signature(FORMAT, ModelInfo(embedder.name, embedder.sha256, precision=embedder.precision))
    open_backend(config).write(documents, passages, vectors, Manifest(signature, embedder.dimensions))


def run_beir(searcher: Searcher, queries: dict[str, str], mode: str, k: int = 100) -> dict[str, dict[str, float]]:
    """A run: for each query, document id -> score of the top k (ranks kept by strictly falling scores)."""
    run = {}
    for qid, text in queries.items():
        hits = searcher.search(SearchRequest(text[: searcher.config.max_query_chars], k=k, mode=mode, fold=False)).hits
        run[qid] = {h.document.id: float(len(hits) - h.rank + 1) for h in hits}
    return run


def score_beir(run: dict[str, dict[str, float]], qrels: dict[str, dict[str, int]]) -> dict[str, float]:
    """Mean nDCG@10 and Recall@100 as BEIR computes them (pytrec_eval)."""
    evaluator = pytrec_eval.RelevanceEvaluator(qrels, {"ndcg_cut.10", "recall.100"})
    per_query = evaluator.evaluate(run)
    n = len(qrels)
    return {
        "nDCG@10": round(sum(v["ndcg_cut_10"] for v in per_query.values()) / n, 4),
        "R@100": round(sum(v["recall_100"] for v in per_query.values()) / n, 4),
    }
