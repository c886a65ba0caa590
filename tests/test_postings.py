"""Keyword search from the precomputed postings against FTS5 itself (the reference), on the fixture corpus indexed
with the test double: the same passages, in the same order, with the same scores."""

from __future__ import annotations

import shutil
import sqlite3

import numpy as np
import pytest

from index.backends.embedded.folders import DATABASE, current_build
from index.backends.embedded.postings import followed, top
from index.backends.embedded.store import SqliteStore
from index.filters import Filters
from index.query import Match, keyword_match, parse_query
from tests.test_filters import NOTTS, build_filters_corpus

QUERIES = [
    "care",
    "children's social care",  # a compound word: FTS5 searches it as the phrase "children s"
    "Care care CARE",  # the same word three times counts three times, as in FTS5
    "well-being of care leavers",
    "how many days does a school have to tell the council when a new pupil joins",
    "fostering allowance 2023 review",
    "Nottinghamshire inspection leadership",
    "zzzunknownword",
    "zzzunknownword foster",
    "care ___",  # a word with no tokens at all
]
FILTERS = [
    Filters(kind=("inspection",)),
    Filters(kind=("guidance", "inspection")),
    Filters(document=(NOTTS,)),
    Filters(local_authority=("Nottinghamshire",)),
    Filters(judgement=("good",)),
    Filters(date_from="2024-07", date_to="2024-07"),
    Filters(date_to="2022-12-31"),
    Filters(role=("lawyer",)),
    Filters(kind=("inspection", "survey write-up"), role=("lawyer",)),
]


@pytest.fixture(scope="module")
def stores(tmp_path_factory, fake_embedder):
    """The filters tests' corpus (with quotes by role), its store twice: searching the postings, and FTS5 alone."""
    config = build_filters_corpus(tmp_path_factory.mktemp("postings"), fake_embedder)
    path = current_build(config.index) / DATABASE
    fts = SqliteStore(path)
    fts.has_postings = False
    return SqliteStore(path), fts


def same(found: list, expected: list) -> None:
    assert [i for i, _ in found] == [i for i, _ in expected]
    assert [s for _, s in found] == pytest.approx([s for _, s in expected], rel=1e-6)


@pytest.mark.parametrize("text", QUERIES)
def test_postings_rank_as_fts5_does(stores, text):
    postings, fts = stores
    assert postings.has_postings
    match = keyword_match(parse_query(text, 500))
    same(postings.match(match, 1000), fts.match(match, 1000))
    same(postings.match(match, 3), fts.match(match, 3))


@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: str(f.as_dict()))
def test_postings_apply_filters_as_fts5_does(stores, filters):
    postings, fts = stores
    for text in QUERIES[:4]:
        match = keyword_match(parse_query(text, 500))
        expected = fts.match(match, 1000, filters)
        same(postings.match(match, 1000, filters), expected)
    assert any(fts.match(keyword_match(parse_query(t, 500)), 1000, filters) for t in QUERIES[:4])


def test_compound_words_have_postings_of_their_own(stores):
    postings, _ = stores
    with sqlite3.connect(postings.uri, uri=True) as db:
        held = {term for (term,) in db.execute("SELECT term FROM postings WHERE term LIKE '% %'")}
    assert {"children s", "well be"} <= held


def test_words_in_a_row_the_corpus_never_joins_are_left_to_fts5(stores):
    """'care-leavers' is never written with a hyphen here, but FTS5 finds "care leaver" as a phrase."""
    postings, fts = stores
    match = keyword_match(parse_query("care-leavers", 500))
    assert fts.match(match, 1000)
    same(postings.match(match, 1000), fts.match(match, 1000))


def test_every_word_and_phrase_queries_are_answered_as_fts5_does(stores):
    postings, fts = stores
    answered = [
        Match(("social care",)),  # a quoted phrase: left to FTS5
        Match(("social care",), ("children", "support")),
        Match(("care", "court")),  # every word: from the postings
        Match(("children's", "court"), ("plan", "zzzunknownword")),
        Match(("care", "court"), ("zzzunknownword",)),
    ]
    for match in answered:
        same(postings.match(match, 1000), fts.match(match, 1000))
        same(
            postings.match(match, 1000, Filters(kind=("inspection",))), fts.match(match, 1000, Filters(kind=("inspection",)))
        )
    assert all(postings.match(match, 1000) for match in answered[:4])
    assert not postings.match(answered[4], 1000) and not postings.match(Match(("care", "___")), 10)


def test_an_index_built_before_the_postings_is_searched_with_fts5(stores, tmp_path):
    path = tmp_path / DATABASE
    shutil.copy(stores[0].uri.removeprefix("file://").removesuffix("?mode=ro"), path)
    with sqlite3.connect(path) as db:
        db.execute("DROP TABLE postings")
    old = SqliteStore(path)
    match = keyword_match(parse_query("children's social care", 500))
    assert not old.has_postings
    same(old.match(match, 1000), stores[1].match(match, 1000))


def test_top_orders_by_score_then_id_and_cuts_ties_fairly():
    lists = [(np.array([1, 2, 5], np.int32), np.array([1.0, 2.0, 1.0], np.float32)),
             (np.array([5, 7], np.int32), np.array([1.0, 3.0], np.float32))]  # fmt: skip
    assert top(lists, 8, 10) == [(7, 3.0), (2, 2.0), (5, 2.0), (1, 1.0)]
    assert top(lists, 8, 2) == [(7, 3.0), (2, 2.0)]
    assert top(lists, 8, 3) == [(7, 3.0), (2, 2.0), (5, 2.0)]
    allowed = np.array([True] * 7 + [False])
    assert top(lists, 8, 10, allowed) == [(2, 2.0), (5, 2.0), (1, 1.0)]
    assert top([], 8, 10) == []


@pytest.mark.parametrize(
    "starts, following, step, expected",
    [
        ([1, 5, 9], [2, 6, 7, 10, 11], 1, [1, 5, 9]),  # the shorter array searched in the longer
        ([1, 5, 9, 20, 30], [6, 11], 1, [5]),  # the other way round
        ([1, 5, 9], [3, 7, 11], 2, [1, 5, 9]),
        ([1, 5], [], 1, []),
        ([], [2], 1, []),
        ([4], [4], 1, []),
    ],
)
def test_followed_keeps_the_places_the_next_token_follows(starts, following, step, expected):
    found = followed(np.array(starts, np.int64), np.array(following, np.int64), step)
    assert found.tolist() == expected
