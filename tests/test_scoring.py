"""Fusion and metrics against hand-computed values, and the gold-phrase folding rule."""

import pytest

from evaluation.gold import GoldItem, fold, gold_hits
from evaluation.metrics import ndcg_at, recall_at, reciprocal_rank, success_at
from index.fusion import fuse_convex


def test_convex_fusion_hand_computed():
    fused = fuse_convex(
        {"keyword": [(1, 8.0), (2, 4.0), (3, 2.0)], "semantic": [(3, 0.8), (1, 0.4)]},
        {"keyword": 0.6, "semantic": 0.4},
        depth=2,
    )
    scores = {item: score for item, score, _ in fused}
    assert scores[1] == pytest.approx(0.6 * 1.0 + 0.4 * 0.5)
    assert scores[3] == pytest.approx(0.6 * 0.25 + 0.4 * 1.0)
    assert scores[2] == pytest.approx(0.6 * 0.5 + 0.4 * 0.5)  # cut from semantic: that list's floor, 0.5
    assert [item for item, _, _ in fused] == [1, 3, 2]
    assert dict((i, s) for i, _, s in fused)[2] == ("keyword",)
    complete = fuse_convex(
        {"keyword": [(1, 8.0)], "semantic": [(3, 0.8), (1, 0.4)]}, {"keyword": 0.6, "semantic": 0.4}, depth=2
    )
    assert dict((i, s) for i, s, _ in complete)[3] == pytest.approx(0.4)  # keyword list complete: 3 did not match


def test_convex_fusion_ties_broken_by_id_and_weights_decide():
    assert [i for i, _, _ in fuse_convex({"a": [(9, 1.0)], "b": [(4, 1.0)]}, {"a": 0.5, "b": 0.5}, 10)] == [4, 9]
    assert [i for i, _, _ in fuse_convex({"a": [(9, 1.0)], "b": [(4, 1.0)]}, {"a": 0.6, "b": 0.4}, 10)] == [9, 4]
    assert fuse_convex({"a": [], "b": [(4, 0.0)]}, {"a": 0.5, "b": 0.5}, 10) == [(4, 0.0, ("b",))]


def test_rank_metrics_hand_computed():
    hits = [set(), {0}, set(), {0, 1}]
    assert success_at(hits, 1) == 0.0 and success_at(hits, 2) == 1.0
    assert reciprocal_rank(hits) == 0.5
    assert recall_at(hits, 2, 2) == 0.5 and recall_at(hits, 2, 4) == 1.0
    assert reciprocal_rank([set()] * 10 + [{0}]) == 0.0  # past rank 10 does not count


def test_ndcg_hand_computed():
    # gains 1 at ranks 1 and 3; two relevant: DCG = 1 + 1/log2(4) = 1.5, IDCG = 1 + 1/log2(3)
    assert ndcg_at(["a", "x", "b"], {"a": 1, "b": 1}) == pytest.approx(1.5 / (1 + 1 / 1.5849625007))
    assert ndcg_at(["x"], {"a": 2}) == 0.0
    assert ndcg_at(["b", "a"], {"a": 2, "b": 1}) == pytest.approx((1 + 2 / 1.5849625007) / (2 + 1 / 1.5849625007))


def test_fold_and_gold_hits():
    assert fold("It’s a “Care—crisis”\u00ad\n\n  Review") == 'it\'s a "care-crisis" review'
    gold = (GoldItem("d", ("a culture of blame, shame and fear",)), GoldItem("e", ("not here",)))
    assert gold_hits("…A Culture  of blame,\nshame and fear has…", gold) == {0}
