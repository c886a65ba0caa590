"""Scoring the corpus query sets against the real index, in process or over HTTP."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

from evaluation.gold import EvalQuery, gold_hits
from evaluation.metrics import mean, recall_at, reciprocal_rank, success_at
from index.request import SearchRequest
from index.search import Searcher


@dataclass(frozen=True)
class Returned:
    """One returned passage as the scorer sees it."""

    document_id: str
    passage_id: str
    text: str
    page: int
    score: float


SearchFn = Callable[[str, int, str], list[Returned]]


def local_search(searcher: Searcher) -> SearchFn:
    """The app's own search function, called in process."""

    def run(query: str, k: int, mode: str) -> list[Returned]:
        return [
            Returned(h.document.id, str(h.passage.id), h.passage.text, h.passage.page, h.score)
            for h in searcher.search(SearchRequest(query, k=k, mode=mode)).hits
        ]

    return run


BATCH = 100  # the most queries /api/search/batch takes at once


def http_search(base_url: str, queries: list[str], k: int, mode: str) -> SearchFn:
    """The JSON API of a running server: `queries` are sent up front through /api/search/batch, 100 at a time."""
    answers: dict[str, list[Returned]] = {}
    for start in range(0, len(queries), BATCH):
        chunk = list(dict.fromkeys(queries[start : start + BATCH]))
        body = json.dumps({"queries": [{"id": str(n), "q": q, "k": k, "mode": mode} for n, q in enumerate(chunk)]})
        request = urllib.request.Request(f"{base_url.rstrip('/')}/api/search/batch", data=body.encode(),
                                         headers={"Content-Type": "application/json"})  # fmt: skip
        with urllib.request.urlopen(request, timeout=300) as response:
            results = json.load(response)["results"]
        for query, answer in zip(chunk, results):
            if "error" in answer:
                raise RuntimeError(f"{query!r}: {answer['error']['message']}")
            answers[query] = [Returned(r["document"]["id"], str(r["passage_id"]), r["text"], r["page"], r["score"])
                              for r in answer["results"]]  # fmt: skip

    def run(query: str, k_: int, mode_: str) -> list[Returned]:
        return answers[query]

    return run


@dataclass(frozen=True)
class SetScores:
    """Scores of one query set in one mode."""

    mode: str
    success_at_5: float
    mrr_at_10: float
    recall_at_10: float
    page_accuracy: float
    scored: int
    unscored: int


def score_set(
    queries: list[EvalQuery], search: SearchFn, mode: str, k: int = 10, run: list[tuple[str, Returned, int]] | None = None
) -> SetScores:
    """Success@5, MRR@10, recall@10 and page accuracy; queries without gold are run but not scored."""
    success, rr, recall, pages_right, pages_checked, unscored = [], [], [], 0, 0, 0
    for q in queries:
        returned = search(q.query, k, mode)
        if run is not None:
            run += [(q.id, r, rank) for rank, r in enumerate(returned, start=1)]
        if not q.gold:
            unscored += 1
            continue
        hits = [gold_hits(r.text, q.gold) for r in returned]
        success.append(success_at(hits, 5))
        rr.append(reciprocal_rank(hits, 10))
        recall.append(recall_at(hits, len(q.gold), 10))
        for r, found in zip(returned, hits):
            for i in found:
                if q.gold[i].page is not None and q.gold[i].doc == r.document_id:
                    pages_checked += 1
                    pages_right += r.page == q.gold[i].page
    accuracy = pages_right / pages_checked if pages_checked else 1.0
    return SetScores(
        mode, round(mean(success), 3), round(mean(rr), 3), round(mean(recall), 3), round(accuracy, 3), len(success), unscored
    )
