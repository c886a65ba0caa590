"""The evaluation harness: BEIR scoring against pytrec_eval, the corpus scorer, the pinned-number regression check."""

import pytest

from evaluation import __main__ as cli
from evaluation.beir import score_beir
from evaluation.corpus import Returned, local_search, score_set
from evaluation.gold import EvalQuery, GoldItem, gold_hits, load_queries
from evaluation.metrics import ndcg_at


def test_ndcg_matches_pytrec_eval():
    qrels = {"q1": {"a": 1, "b": 2, "c": 1}, "q2": {"z": 1}}
    rankings = {"q1": ["x", "b", "a", "y"], "q2": ["y", "x", "z"]}
    run = {q: {doc: float(len(r) - i) for i, doc in enumerate(r)} for q, r in rankings.items()}
    ours = sum(ndcg_at(rankings[q], qrels[q]) for q in qrels) / 2
    assert score_beir(run, qrels)["nDCG@10"] == pytest.approx(ours, abs=1e-4)
    assert score_beir(run, qrels)["R@100"] == pytest.approx((2 / 3 + 1) / 2, abs=1e-4)


def fake_search(results):
    """Test double for a search function: returns fixed passages whatever the query."""
    return lambda query, k, mode: results[:k]


def test_score_set_hand_computed():
    queries = [
        EvalQuery("1", "q", (GoldItem("d", ("found phrase",), page=2),)),
        EvalQuery("2", "q", (GoldItem("d", ("never returned",)),)),
        EvalQuery("3", "unanswerable", ()),
    ]
    results = [Returned("d", "1", "nothing", 1, 0.9), Returned("d", "2", "the Found  phrase!", 3, 0.8)]
    scores = score_set(queries, fake_search(results), "hybrid")
    assert (scores.success_at_5, scores.mrr_at_10, scores.scored, scores.unscored) == (0.5, 0.25, 2, 1)
    assert scores.page_accuracy == 0.0  # the hit is on page 3, gold says page 2


def test_regression_check_uses_the_pinned_numbers(monkeypatch, tmp_path):
    page = tmp_path / "evaluation.md"
    page.write_text("| dev.jsonl | hybrid | 0.800 | 0.700 | 0.6 |\n")
    monkeypatch.setattr(cli, "PINNED", page)
    ok = cli.SetScores("hybrid", 0.78, 0.68, 0.6, 1.0, 19, 1)
    bad = cli.SetScores("hybrid", 0.76, 0.70, 0.6, 1.0, 19, 1)
    assert cli.check([("dev.jsonl", ok)]) == []
    assert "success@5 0.760 is below the pinned 0.800" in cli.check([("dev.jsonl", bad)])[0]


def test_the_evaluation_page_pins_hybrid_numbers_for_every_set():
    assert set(cli.pinned_numbers(cli.PINNED)) == {"dev.jsonl", "dev-pdf.jsonl", "dev-named.jsonl", "dev-questions.jsonl"}


def test_local_search_adapter_returns_verbatim_passages(fake_searcher):
    returned = local_search(fake_searcher)("care leavers in custody", 3, "keyword")
    assert len(returned) == 3 and all(r.text and r.page >= 1 for r in returned)


def test_no_index_is_one_line_not_a_traceback(tmp_path, capsys):
    from evaluation.__main__ import main

    config = tmp_path / "config.toml"
    config.write_text(f'[paths]\ncorpus = "{tmp_path}"\nindex = "{tmp_path / "index"}"\n', encoding="utf-8")
    assert main(["--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no index has been built; run: python -m ingest" in err


@pytest.mark.corpus
@pytest.mark.parametrize("qid", ["q15", "q24", "q71"])
def test_a_question_meaning_answers_first_stays_in_the_hybrid_top_5(embedder, qid):
    """Questions in everyday words whose answer the meaning search ranks first, and the keyword side's matches on
    their common words pushed out of the default top 10 (issue 30): asked as questions, they stay in the top 5."""
    from index.config import load_config
    from index.request import SearchRequest
    from index.search import Searcher
    from tests.conftest import ROOT

    query = next(q for q in load_queries(ROOT / "evaluation" / "dev-questions.jsonl") if q.id == qid)
    searcher = Searcher(load_config(), embedder)
    semantic = searcher.search(SearchRequest(query.query, k=1, mode="semantic")).hits
    assert gold_hits(semantic[0].passage.text, query.gold)
    hybrid = searcher.search(SearchRequest(query.query, k=5, mode="hybrid")).hits
    assert any(gold_hits(hit.passage.text, query.gold) for hit in hybrid), [h.passage.text[:80] for h in hybrid]
