"""Chunking: table-driven cases and properties that must hold for any text."""

from dataclasses import replace

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from index.models import Document, Heading, Page
from ingest.chunking import Settings, chunk_document, count_tokens, sentence_spans
from ingest.layout import single_page

SMALL = Settings(max_tokens=30, overlap_tokens=10)


def doc_of(text: str, pages: list[Page] | None = None, headings: list[Heading] | None = None) -> Document:
    return Document(id="d", path="d.txt", title="T", text=text, pages=pages or single_page(text), headings=headings or [])


def test_sentence_spans_table():
    cases = [
        ("One. Two.", ["One.", "Two."]),
        ("It cost £3bn. Councils said “no.” Then more.", ["It cost £3bn.", "Councils said “no.”", "Then more."]),
        ("Line one\nLine two", ["Line one", "Line two"]),
        ("e.g. this stays whole", ["e.g. this stays whole"]),
        ("  padded.  ", ["padded."]),
        ("1. First point. 2. Second point.", ["1. First point.", "2. Second point."]),
        ("It began in 2014. 7.12. Section 23B applies.", ["It began in 2014.", "7.12. Section 23B applies."]),
    ]
    for text, expected in cases:
        assert [text[a:b] for a, b in sentence_spans(text, 0, len(text))] == expected, text


def test_passages_do_not_cross_pages_and_carry_page_numbers():
    text = "Page one says this. " * 10 + "\n\n" + "Page two says that. " * 10
    split = text.index("\n\n")
    pages = [Page(1, 0, split, "i"), Page(2, split + 2, len(text), "1")]
    passages = chunk_document(doc_of(text, pages), SMALL)
    assert {p.page for p in passages} == {1, 2}
    for p in passages:
        page = pages[p.page - 1]
        assert page.start <= p.start < p.end <= page.end
        assert p.page_label == page.label
        assert ("one" in p.text) == (p.page == 1)


def test_heading_starts_a_new_passage_and_names_its_section():
    body = "Children said they wanted stable homes and trusted adults around them. " * 3
    text = f"Background\n{body}\nWhat children told us\n{body}"
    second = text.index("What children told us")
    headings = [Heading(0, "Background"), Heading(second, "What children told us")]
    passages = chunk_document(doc_of(text, headings=headings), Settings(200, 20))
    assert [p.section for p in passages] == ["Background", "What children told us"]
    assert passages[1].start == second


def test_overlap_repeats_trailing_sentences():
    text = " ".join(f"Sentence number {i} is here." for i in range(20))
    passages = chunk_document(doc_of(text), SMALL)
    assert len(passages) > 2
    for a, b in zip(passages, passages[1:]):
        assert b.start < a.end  # the next passage starts inside the previous one
        assert a.start < b.start


def test_long_sentence_is_split_and_never_truncated():
    text = "word " * 500
    passages = chunk_document(doc_of(text.strip()), SMALL)
    assert all(p.tokens <= SMALL.max_tokens for p in passages)
    assert sum(p.text.count("word") for p in passages) >= 500


def test_model_limit_is_respected():
    limit = Settings(max_tokens=1000, overlap_tokens=0, fits=lambda t: len(t.split()) <= 12)
    text = " ".join(f"Short sentence {i}." for i in range(40))
    assert all(len(p.text.split()) <= 12 for p in chunk_document(doc_of(text), limit))


words = st.sampled_from(
    [
        "care",
        "children",
        "council",
        "£3bn",
        "“quoted”",
        "e.g.",
        "foster",
        "Ofsted",
        "12.5%",
        "end.",
        "Start",
        "–",
        "\n",
        "\n\n",
        "multi-agency",
        "review?",
        "(note)",
    ]
)


BLANK_LINES = ["care"] * 4 + ["£3bn"] * 4 + ["e.g.", "12.5%", "\n", "\n", "\n", "\n\n", "Ofsted", "multi-agency"]


@settings(max_examples=60, deadline=None)
@given(st.lists(words, min_size=1, max_size=300), st.integers(min_value=8, max_value=60))
@example(BLANK_LINES * 3, 35)  # found by Hypothesis: the white space between sentences took a passage over the limit
def test_chunk_properties(tokens, max_tokens):
    text = " ".join(tokens).strip() or "care"
    settings_ = Settings(max_tokens=max_tokens, overlap_tokens=max_tokens // 4)
    passages = chunk_document(doc_of(text), settings_)
    covered = set()
    for p in passages:
        assert p.text == text[p.start : p.end]  # offsets reproduce the passage exactly
        assert p.tokens == count_tokens(p.text) <= max_tokens  # white space between sentences counted too
        covered.update(range(p.start, p.end))
    starts = [p.start for p in passages]
    assert starts == sorted(starts) and len(set(starts)) == len(starts)
    assert all(ch.isspace() for i, ch in enumerate(text) if i not in covered)  # nothing but whitespace is lost


def test_cutting_stops_as_soon_as_the_passages_pass_the_limit(monkeypatch):
    import ingest.chunking as chunking

    text = "".join(f"Page {n} says the council reviewed its placements. " for n in range(10))
    pages, at = [], 0
    for n in range(10):
        end = text.index("Page", at + 1) if n < 9 else len(text)
        pages.append(Page(n + 1, at, end))
        at = end
    cut = []
    real = chunking.chunk_page
    monkeypatch.setattr(chunking, "chunk_page", lambda d, page, s: cut.append(page.number) or real(d, page, s))
    with pytest.raises(chunking.TooMany, match="over the limit of 2 \\(\\[limits\\] max_passages\\)"):
        chunk_document(doc_of(text, pages), SMALL, most=2)
    assert cut == [1, 2, 3]  # not the seven pages after the limit was passed
    assert len(chunk_document(doc_of(text, pages), SMALL, most=10)) == 10


def test_a_text_too_long_for_the_passage_limit_is_refused_before_it_is_cut(tmp_path, fake_embedder, monkeypatch):
    from ingest.builder import Builder
    from ingest.errors import LoadError
    from tests.conftest import fake_config

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    config = fake_config(tmp_path, corpus)
    builder = Builder(replace(config, max_passages=10), fake_embedder, 1)
    monkeypatch.setattr("ingest.builder.chunk_document", lambda *a, **k: pytest.fail("the text was cut"))
    with pytest.raises(LoadError, match="over the limit of 10 \\(\\[limits\\] max_passages\\)"):
        builder.add(doc_of("Words of a very long file. " * 2_000))
