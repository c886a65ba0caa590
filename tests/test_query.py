"""Query parsing and FTS5 escaping: user text can never become FTS5 syntax."""

import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from index import terms
from index.backends.embedded.store import SCHEMA
from index.query import QueryError, escape_fts, is_question, parse_query


@pytest.mark.parametrize(
    "text, expected",
    [
        ("unregulated accommodation", '("unregulated" OR "accommodation")'),
        ("what was said about unregulated accommodation", '("unregulated" OR "accommodation")'),
        ('"care leavers" housing', '"care leavers" AND ("housing")'),
        ('"to be or not to be"', '"to be or not to be"'),
        ("multi-agency MACE", '("multi-agency" OR "MACE")'),
        ("children's homes NEAR/3 foster*", '("children\'s" OR "homes" OR "NEAR" OR "3" OR "foster")'),
        ("col:value {x} ^start", '("col" OR "value" OR "x" OR "start")'),
    ],
)
def test_escape_fts(text, expected):
    assert escape_fts(parse_query(text, 500)) == expected


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "Empty query"),
        ("   ", "Empty query"),
        ("x" * 10_000, "10,000 characters, the limit is 500"),
        ('"', "no words"),
        ("?!…—", "no words"),
        ("AND OR NOT", "only common words"),
        ('""', "no words"),
    ],
)
def test_bad_queries(text, message):
    with pytest.raises(QueryError, match=message):
        parse_query(text, 500)


@pytest.fixture(scope="module")
def fts():
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE t USING fts5(text, tokenize='porter unicode61 remove_diacritics 2')")
    db.execute("INSERT INTO t VALUES ('Children in care NOT placed AND near home (OR away)')")
    return db


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=1, max_size=80))
def test_any_text_is_valid_fts5(fts, text):
    try:
        query = parse_query(text, 500)
    except QueryError:
        return
    fts.execute("SELECT rowid FROM t WHERE t MATCH ?", (escape_fts(query),)).fetchall()


def test_operators_are_searched_as_words(fts):
    rows = fts.execute("SELECT rowid FROM t WHERE t MATCH ?", (escape_fts(parse_query('"NOT placed"', 500)),))
    assert rows.fetchall() == [(1,)]


def test_keyword_query_leaves_out_words_in_most_passages(fake_searcher):
    """Words found in more than half of all passages are dropped from the keyword query, unless nothing else
    would be left; rarer words and quoted phrases are kept."""
    from index.query import STOPWORDS
    from index.search import COMMON, informative

    index = fake_searcher.build("")
    store = index.store
    words = {word: n for word, n in store.vocabulary(2).items() if word not in STOPWORDS and word.isalpha()}
    common, rare = max(words, key=words.get), min(words, key=words.get)
    assert store.word_counts([common])[common] > COMMON * store.passage_count >= store.word_counts([rare])[rare]
    assert informative(parse_query(f"{common} {rare}", 500), index).terms == (rare,)
    assert informative(parse_query(common, 500), index).terms == (common,)
    quoted = informative(parse_query(f'"{rare} {common}" {common}', 500), index)
    assert quoted.terms == () and quoted.phrases == (f"{rare} {common}",)


def test_a_keyword_budget_keeps_the_rarest_words(fake_searcher):
    """With [search] keyword_budget, the rarest words are kept while their passages add up to the budget."""
    from index.query import STOPWORDS
    from index.search import informative

    index = fake_searcher.build("")
    half = index.store.passage_count / 2
    counts = {w: n for w, n in index.store.vocabulary(2).items() if w not in STOPWORDS and w.isalpha() and n <= half}
    words = sorted(counts, key=lambda w: (counts[w], w))[-4:]  # four common words (none dropped as too common)
    query = parse_query(" ".join(reversed(words)), 500)
    assert informative(query, index, budget=counts[words[0]] + counts[words[1]]).terms == tuple(reversed(words[:2]))
    assert informative(query, index, budget=1).terms == (words[0],)  # the rarest is always kept
    assert set(informative(query, index, budget=0).terms) == set(informative(query, index).terms)


def test_a_word_the_corpus_never_uses_takes_no_share_of_the_budget(fake_built, fake_embedder):
    """It used to count as the rarest word, so the budget kept it alone and the keyword search found nothing."""
    from dataclasses import replace

    from index.filters import Filters
    from index.request import SearchRequest
    from index.search import Searcher

    config, _ = fake_built
    tight, loose = (Searcher(replace(config, keyword_budget=budget), fake_embedder) for budget in (1, 0))
    index = tight.build("")
    unknown = parse_query("leavers zebra", 500)
    asked = SearchRequest("leavers zebra")
    (tight_found, _), (loose_found, _) = (s.keyword(index, unknown, Filters(), asked) for s in (tight, loose))
    assert tight_found == loose_found != []


@pytest.mark.parametrize(
    "text",
    [
        "Children's services: well-being of looked-after children, 2024–25",
        "Café naïve ÉLAN coöperation Straße İstanbul",
        "terminology technologies i.e. a an I x 12 1.5 ABC_def e-mail 'quoted' caring carers cared",
        "supercalifragilisticexpialidocious" * 3,
    ],
)
def test_the_postgres_tokens_are_those_of_the_embedded_index(text):
    """index/terms.py gives the tokens the embedded index's own FTS5 table (index/backends/embedded/schema.sql)
    makes, in order: these include words where other Porter stemmers differ (terminology, straße)."""
    db = sqlite3.connect(":memory:")
    db.executescript(SCHEMA)
    db.execute("CREATE VIRTUAL TABLE v USING fts5vocab(passages_fts, 'instance')")
    db.execute("INSERT INTO passages_fts (rowid, text, context) VALUES (1, ?, '')", (text,))
    expected = [term for (term,) in db.execute("SELECT term FROM v ORDER BY offset")]
    assert terms.tokens_of([text]) == [expected]
    assert terms.tokens_of([text, "", text]) == [expected, [], expected]


@pytest.mark.parametrize(
    "text, asked",
    [
        ("how long do you have to have been in care", True),
        ("Can a teacher keep it secret", True),
        ("  which councils give free school dinners", True),
        ("care leavers and council tax?", True),
        ("Islington House Project care leavers", False),  # "Is" opens the word, not the query
        ("Doncaster child protection", False),
        ("support for expectant mothers", False),
    ],
)  # fmt: skip
def test_a_question_is_told_by_its_opening_word_or_its_question_mark(text, asked):
    assert is_question(text) is asked


def ranked_ids(config, embedder, text, filters=None, **weights):
    from dataclasses import replace

    from index.filters import Filters
    from index.request import SearchRequest
    from index.search import Searcher

    searcher = Searcher(replace(config, **weights), embedder)
    request = SearchRequest(text, k=20, mode="hybrid", fold=False, filters=filters or Filters())
    return [hit.passage.id for hit in searcher.search(request).hits]


def test_a_question_is_ranked_with_the_question_weight_and_a_statement_with_the_other(fake_built, fake_embedder):
    """Hybrid ranking gives the keyword list question_keyword_weight for a question, keyword_weight otherwise."""
    config = fake_built[0]
    assert (config.keyword_weight, config.question_keyword_weight) == (0.55, 0.2)
    for question in ("how are care leavers helped with housing", "can children in care see a dentist"):
        statement = question.split(" ", 2)[2]
        default = ranked_ids(config, fake_embedder, question)
        assert default == ranked_ids(config, fake_embedder, question, keyword_weight=0.2)
        assert default != ranked_ids(config, fake_embedder, question, question_keyword_weight=0.55)
        default = ranked_ids(config, fake_embedder, statement)
        assert default == ranked_ids(config, fake_embedder, statement, question_keyword_weight=0.55)
        assert default != ranked_ids(config, fake_embedder, statement, keyword_weight=0.2)


def test_a_named_councils_reports_are_ranked_with_the_question_weight(fake_built, fake_embedder):
    """Among the reports of a council the query names, passages share their report's words: the keyword list
    gets question_keyword_weight there, even for a query that is not a question."""
    from index.filters import Filters

    config, notts = fake_built[0], Filters(local_authority=("Nottinghamshire",))
    first = ranked_ids(config, fake_embedder, "homeless joint assessment", notts, keyword_weight=0.2)
    assert first != ranked_ids(config, fake_embedder, "homeless joint assessment", notts)
    assert ranked_ids(config, fake_embedder, "Nottinghamshire homeless joint assessment")[: len(first)] == first
