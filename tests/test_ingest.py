"""Incremental ingest, --dry-run, --check, --rollback, the lock and kill -9, with the real model, SQLite and FAISS."""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pypdf import PdfWriter

from index.backends.base import IndexNotFound
from index.backends.embedded.folders import BUILDS, CURRENT, DATABASE, current_build, ingest_lock, rollback
from index.backends.embedded.vectors import FaissVectors
from index.config import load_config
from index.manifest import Manifest
from index.request import SearchRequest
from index.search import Searcher
from ingest.__main__ import ProgressView, main
from ingest.build import build_index
from ingest.check import check_index
from ingest.report import Status
from tests.conftest import FAKE_MODEL, ROOT, fake_config, write_config
from tests.pdfgen import make_pdf

TEXTS = {
    "kinship.txt": "Kinship carers told us that allowances differ between neighbouring councils.",
    "advocacy.txt": "Every child in care should know how to reach an independent advocate.",
}


def make_small_corpus(folder: Path) -> Path:
    corpus = folder / "corpus"
    corpus.mkdir()
    for name, text in TEXTS.items():
        (corpus / name).write_text(text, encoding="utf-8")
    make_pdf(
        corpus / "fostering.pdf",
        [
            ["Fostering report", "Foster carers in the county are ageing."],
            ["Recruitment", "Fewer new carers are recruited each year."],
        ],
    )
    return corpus


@pytest.fixture
def small(tmp_path, fake_model):
    """A three-file corpus with a test-double config: the real model is never loaded."""
    corpus = make_small_corpus(tmp_path)
    return fake_config(tmp_path, corpus), corpus


def statuses(report) -> dict[str, str]:
    return {f.path: f.status for f in report.files}


def passages_by_document(config) -> dict[str, list[tuple[int, str]]]:
    with sqlite3.connect(current_build(config.index) / DATABASE) as db:
        rows = db.execute("SELECT d.path, p.id, p.text FROM passages p JOIN documents d ON d.id = p.document_id")
        out: dict[str, list[tuple[int, str]]] = {}
        for path, pid, text in rows:
            out.setdefault(path, []).append((pid, text))
        return out


def test_rerun_with_no_change_publishes_nothing(small, fake_embedder):
    config, _ = small
    first = build_index(config, fake_embedder)
    again = build_index(config, fake_embedder)
    assert first.published and not again.published and again.version == first.version
    assert set(statuses(again).values()) == {"unchanged"} and not again.changed
    assert check_index(config) == []


def test_only_changed_documents_are_reingested_and_the_rest_reused(small, fake_embedder):
    config, corpus = small
    build_index(config, fake_embedder)
    (corpus / "kinship.txt").write_text("Kinship carers said the court process was slow and confusing.")
    (corpus / "advocacy.txt").unlink()
    (corpus / "leaving-care.txt").write_text("Care leavers need a personal adviser until they are twenty-five.")
    (corpus / "fostering.toml").write_text('title = "Fostering sufficiency report"\n')  # metadata only
    (corpus / "notes.pptx").write_bytes(b"x")
    report = build_index(config, fake_embedder)
    assert statuses(report) == {
        "kinship.txt": "updated",
        "leaving-care.txt": "added",
        "advocacy.txt": "removed",
        "fostering.pdf": "updated",
    }
    assert report.ignored == ["notes.pptx"] and report.previous and report.version != report.previous
    searcher = Searcher(config, fake_embedder)
    assert (
        "court process" in searcher.search(SearchRequest("kinship court process", k=1, mode="keyword")).hits[0].passage.text
    )
    assert searcher.current().store.documents["fostering"].title == "Fostering sufficiency report"
    assert check_index(config) == []
    (corpus / "leaving-care.txt").write_text("Care leavers need a personal adviser until they are 25.")
    assert statuses(build_index(config, fake_embedder)) == {
        "kinship.txt": "unchanged",
        "leaving-care.txt": "updated",
        "fostering.pdf": "unchanged",
    }


def test_unchanged_documents_keep_passage_ids_and_vectors(small, fake_embedder):
    config, corpus = small
    build_index(config, fake_embedder)
    before = passages_by_document(config)
    old = FaissVectors(current_build(config.index) / "vectors.faiss")
    old_vectors = {pid: old.reconstruct(pid).tolist() for pid, _ in before["fostering.pdf"]}
    (corpus / "kinship.txt").write_text("Kinship carers said the court process was slow and confusing.")
    build_index(config, fake_embedder)
    after = passages_by_document(config)
    new = FaissVectors(current_build(config.index) / "vectors.faiss")
    assert after["fostering.pdf"] == before["fostering.pdf"] and after["advocacy.txt"] == before["advocacy.txt"]
    assert {pid: new.reconstruct(pid).tolist() for pid, _ in after["fostering.pdf"]} == old_vectors
    assert min(pid for pid, _ in after["kinship.txt"]) > max(pid for v in before.values() for pid, _ in v)
    assert "court process" in after["kinship.txt"][0][1]


def test_removed_document_is_no_longer_found(small, fake_embedder):
    config, corpus = small
    build_index(config, fake_embedder)
    searcher = Searcher(config, fake_embedder)
    assert searcher.search(SearchRequest('"independent advocate"', k=5, mode="keyword")).hits
    (corpus / "advocacy.txt").unlink()
    assert statuses(build_index(config, fake_embedder))["advocacy.txt"] == "removed"
    assert not searcher.search(
        SearchRequest('"independent advocate"', k=5, mode="keyword")
    ).hits  # the searcher follows CURRENT
    assert check_index(config) == []


def test_a_run_that_only_removes_does_not_load_the_model(small, fake_embedder, fake_model):
    config, corpus = small
    build_index(config, fake_embedder)
    (corpus / "advocacy.txt").unlink()
    report = build_index(config)  # no embedder given: one would be loaded only if something needs embedding
    assert report.published and statuses(report)["advocacy.txt"] == "removed"
    assert fake_model == []
    assert Manifest.read(current_build(config.index)).dimensions == 384
    (corpus / "advocacy.txt").write_text("Advocates visit every month.")
    build_index(config)
    assert fake_model == [fake_embedder.sha256]


def test_settings_change_forces_a_full_rebuild(small, fake_embedder, tmp_path):
    config, corpus = small
    build_index(config, fake_embedder)
    changed = fake_config(tmp_path, corpus, "[chunking]\nmax_tokens = 120\n")
    assert check_index(changed)[0].startswith("index: built with different settings (chunking settings changed")
    report = build_index(changed, fake_embedder)
    assert report.rebuild.startswith("chunking settings changed (max_tokens 160 -> 120")
    assert set(statuses(report).values()) == {"updated"}
    assert statuses(build_index(changed, fake_embedder, rebuild=True)) == dict.fromkeys(
        TEXTS | {"fostering.pdf": 0}, "updated"
    )


def test_dry_run_changes_nothing(small, fake_embedder):
    config, corpus = small
    build_index(config, fake_embedder)
    builds = sorted(p.name for p in (config.index / BUILDS).iterdir())
    (corpus / "new.txt").write_text("Staying close lets care leavers live near their children's home.")
    (corpus / "advocacy.txt").unlink()
    report = build_index(config, fake_embedder, dry_run=True)
    assert statuses(report) == {
        "new.txt": "added",
        "advocacy.txt": "removed",
        "kinship.txt": "unchanged",
        "fostering.pdf": "unchanged",
    }
    assert not report.published and sorted(p.name for p in (config.index / BUILDS).iterdir()) == builds


def test_check_finds_stale_missing_and_damaged_indexes(small, fake_embedder):
    config, corpus = small
    build_index(config, fake_embedder)
    (corpus / "kinship.txt").write_text("changed")
    (corpus / "extra.txt").write_text("Not yet indexed.")
    (corpus / "advocacy.txt").unlink()
    problems = check_index(config)
    assert problems == [
        "extra.txt: not in the index; run: python -m ingest",
        "kinship.txt: changed since it was indexed; run: python -m ingest",
        "advocacy.txt: indexed but no longer in the corpus; run: python -m ingest",
    ]
    build_index(config, fake_embedder)
    assert check_index(config) == []
    with sqlite3.connect(current_build(config.index) / DATABASE) as db:
        db.execute("DELETE FROM passages WHERE id = (SELECT max(id) FROM passages)")
    problems = check_index(config)
    assert any("passages in the index" in p for p in problems) and any("vectors for" in p for p in problems)
    assert any("full-text index" in p for p in problems)
    assert main(["--config", str(config.source), "--check"]) == 1


def test_rollback_publishes_the_previous_build_and_old_builds_are_cleaned(small, fake_embedder):
    config, corpus = small
    first = build_index(config, fake_embedder).version
    (corpus / "kinship.txt").write_text("Kinship carers said the court process was slow and confusing.")
    second = build_index(config, fake_embedder).version
    (config.index / BUILDS / "20000101T000000-1").mkdir()  # a half-written build left by a killed ingest
    (corpus / "kinship.txt").write_text("Kinship carers asked for training.")
    third = build_index(config, fake_embedder).version
    assert sorted(p.name for p in (config.index / BUILDS).iterdir()) == [second, third]
    assert first not in (second, third)
    assert rollback(config.index) == (third, second)
    assert current_build(config.index).name == second
    assert (
        "court process"
        in Searcher(config, fake_embedder).search(SearchRequest("kinship", k=1, mode="keyword")).hits[0].passage.text
    )
    with pytest.raises(IndexNotFound, match="nothing to roll back to"):
        rollback(config.index)


def run_ingest(config, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "ingest", "--config", str(config.source), *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_second_ingest_is_refused_while_one_runs(small):
    config, _ = small
    with ingest_lock(config.index):
        process = run_ingest(config)
        out, err = process.communicate(timeout=120)
    assert process.returncode == 2 and "another ingest is running; wait for it to finish" in err
    assert not (config.index / CURRENT).exists()


# Stops ingest inside the real write path, after the SQLite file and before the vectors and manifest: a timing
# aid so that kill -9 lands mid-write every time (the writing itself is the real code).
PAUSE_MID_WRITE = """
import sys, time, runpy
import index.backends.embedded.folders as publish
real = publish.write_vectors
def write_vectors_then_pause(path, ids, vectors, *options):
    real(path, ids, vectors, *options)
    print("MID-WRITE", file=sys.stderr, flush=True)
    time.sleep(600)
publish.write_vectors = write_vectors_then_pause
sys.argv = ["ingest"] + sys.argv[1:]
runpy.run_module("ingest", run_name="__main__")
"""


@pytest.mark.parametrize("moment", ["embedding", "writing"])
def test_kill_9_leaves_the_published_index_servable(tmp_path, embedder, moment):
    corpus = make_small_corpus(tmp_path)
    config = load_config(write_config(tmp_path, corpus, tmp_path / "index"))
    published = build_index(config, embedder).version
    for number in range(12):  # enough new documents that embedding takes a few seconds
        (corpus / f"extra-{number:02}.txt").write_text(
            " ".join(f"Sentence {i} of report {number} about placements, advocacy and leaving care." for i in range(40))
        )
    command = ["-c", PAUSE_MID_WRITE] if moment == "writing" else ["-m", "ingest"]
    process = subprocess.Popen(
        [sys.executable, *command, "--config", str(config.source)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    signal_line = "MID-WRITE" if moment == "writing" else "added extra-00.txt"
    for line in process.stderr:  # ends at EOF if ingest exits first
        if signal_line in line:
            break
    assert process.poll() is None, "ingest finished before it could be killed"
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert current_build(config.index).name == published
    searcher = Searcher(config, embedder)
    assert searcher.search(SearchRequest("kinship allowances", k=3)).hits and searcher.current().version == published
    report = build_index(config, embedder)
    assert report.published and report.totals()["added"] == 12
    assert sorted(p.name for p in (config.index / BUILDS).iterdir()) == sorted([published, report.version])
    assert check_index(config) == []


def test_cli_prints_the_report_and_writes_json(small, capsys):
    config, corpus = small
    (corpus / "broken.pdf").write_bytes(b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog")
    assert main(["--config", str(config.source)]) == 1
    out = capsys.readouterr().out
    assert "ADDED    kinship.txt: 1 pages, 1 passages" in out
    assert "FAILED   broken.pdf: corrupt or truncated PDF" in out and "replace it with a complete copy" in out
    saved = json.loads(Path(out.split("Report: ")[1].strip()).read_text())
    assert saved["published"] and saved["totals"]["added"] == 3 and saved["totals"]["failed"] == 1
    assert {f["path"]: f["status"] for f in saved["files"]}["broken.pdf"] == "failed"
    assert main(["--config", str(config.source)]) == 1
    assert "Nothing changed (3 unchanged, 1 failed)" in capsys.readouterr().out
    (corpus / "broken.pdf").unlink()
    assert main(["--config", str(config.source), "--dry-run"]) == 0
    assert "Dry run: 3 unchanged; nothing was changed" in capsys.readouterr().out
    assert main(["--config", str(config.source), "--check"]) == 0
    shutil.rmtree(config.index / BUILDS)
    assert main(["--config", str(config.source), "--check"]) == 2


def test_a_document_of_hundreds_of_pages_is_ingested_with_progress(tmp_path, fake_embedder, capsys):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    places = ["Ashford", "Bexley", "Crawley", "Dover", "Epsom", "Farnham", "Gravesend"]
    pages = [
        [
            "Annual report",
            f"In {places[n % 7]} the visiting team met {n} children in care.",
            f"Their carers in {places[(n * 3) % 7]} asked for {n % 5 + 1} more respite breaks.",
            f"Page {n}",
        ]
        for n in range(1, 301)
    ]
    make_pdf(corpus / "large.pdf", pages)
    (corpus / "small.txt").write_text("Independent visitors support children in care.")
    config = fake_config(tmp_path, corpus)
    report = build_index(config, fake_embedder, progress=ProgressView())
    large = next(f for f in report.files if f.path == "large.pdf")
    assert (large.status, large.pages) == ("added", 300) and large.passages >= 300
    assert "[1/2] added large.pdf: 300 pages" in capsys.readouterr().err
    hit = Searcher(config, fake_embedder).search(SearchRequest('"team met 217 children"', k=1, mode="keyword")).hits[0]
    assert hit.passage.page == 217 and hit.passage.page_label == "217"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_a_bar_with_an_eta_on_a_terminal(small, fake_embedder):
    config, _ = small
    screen = Terminal()
    build_index(config, fake_embedder, progress=ProgressView(screen))
    shown = screen.getvalue()
    assert "added fostering.pdf: 2 pages" in shown and "3/3" in shown and "file/s" in shown and "<" in shown


def test_a_document_left_without_text_is_reported_not_indexed_empty(tmp_path, fake_embedder):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    make_pdf(corpus / "furniture.pdf", [[f"Annual report {n}", f"Page {n} of 9"] for n in range(1, 10)])
    (corpus / "small.txt").write_text("Independent visitors support children in care.")
    report = build_index(fake_config(tmp_path, corpus), fake_embedder)
    assert [(f.path, f.reason) for f in report.failed] == [
        ("furniture.pdf", "no text left to index once page furniture was removed; check the file is the full document")
    ]


def test_every_bad_and_awkward_file_gets_one_clear_line(tmp_path, capsys, fake_embedder, fake_model):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    good = make_pdf(corpus / "good.pdf", [["Inspection findings", "Care leavers have personal advisers."]])
    (corpus / "truncated.pdf").write_bytes(good.read_bytes()[:200])
    locked = PdfWriter(clone_from=good)
    locked.encrypt(user_password="secret", algorithm="RC4-128")
    locked.write(corpus / "encrypted.pdf")
    make_pdf(corpus / "scanned.pdf", [[], []])
    (corpus / "zero.txt").write_bytes(b"")
    (corpus / "junk.pdf").write_bytes(os.urandom(2000).replace(b"%", b"x"))
    (corpus / "windows.txt").write_bytes("Caf\u00e9 for care leavers \u2013 \u201copen\u201d on Fridays.".encode("cp1252"))
    (corpus / "latin.txt").write_bytes("Se\u00f1ora\u0081 visited the r\u00e9sidence.".encode("latin-1"))
    (corpus / "page.html").write_text(
        "<html><head><title>Blog</title><style>p{}</style><script>track()</script></head><body>"
        "<nav>Home | About</nav><div id='cookie-banner'>We use cookies</div>"
        "<main><h1>Hostels</h1><p>Children should not live in hostels.</p></main></body></html>"
    )
    shutil.copy(good, corpus / "good-copy.pdf")
    (corpus / "data.pptx").write_bytes(b"PK")
    config = fake_config(tmp_path, corpus)
    assert main(["--config", str(config.source)]) == 1
    out = capsys.readouterr().out
    expected = {
        "FAILED   truncated.pdf: corrupt or truncated PDF": "replace it with a complete copy",
        "FAILED   encrypted.pdf: encrypted PDF": "supply a decrypted copy",
        "FAILED   scanned.pdf:": "OCR",
        "FAILED   zero.txt: empty file": "replace it with the full document",
        "FAILED   junk.pdf: not a PDF": "fix its extension",
        "DUPLICATE good.pdf: same content as good-copy.pdf": "delete one copy",
        "IGNORED  data.pptx: not a supported format": ".pdf",
        "ADDED    windows.txt": "1 passages",
        "ADDED    latin.txt": "1 passages",
        "ADDED    page.html": "1 passages",
        "ADDED    good-copy.pdf": "1 passages",
    }
    for start, detail in expected.items():
        line = next((line for line in out.splitlines() if line.startswith(start)), None)
        assert line is not None and detail in line, (start, out)
    assert "4 added" in out and "5 failed" in out and "1 duplicate" in out
    store = Searcher(config, fake_embedder).current().store
    texts = {p.document_id: p.text for d in store.documents for p in store.document_passages(d)}
    assert texts["windows"] == "Café for care leavers – “open” on Fridays."
    assert texts["latin"] == "Señora\u0081 visited the résidence."
    assert "Children should not live in hostels." in texts["page"]
    assert not any(junk in texts["page"] for junk in ("cookies", "Home | About", "track()", "p{}"))


HOLDOUT = ROOT.parent / "shared" / "holdout-docs"


@pytest.mark.skipif(not HOLDOUT.is_dir(), reason="../shared/holdout-docs is not beside the repository")
def test_adding_unseen_real_pdfs_to_an_existing_index(small, fake_embedder):
    config, corpus = small
    build_index(config, fake_embedder)
    before = passages_by_document(config)
    for name in ("d2i_ssd-benefits-summary_2024.pdf", "nvest_newsletter_2025-06.pdf"):  # read from ../shared only
        shutil.copy(HOLDOUT / name, corpus / name)
    report = build_index(config, fake_embedder)
    added = {f.path: f for f in report.files if f.status == "added"}
    assert set(added) == {"d2i_ssd-benefits-summary_2024.pdf", "nvest_newsletter_2025-06.pdf"}
    assert all(f.pages == 2 and f.passages > 0 for f in added.values())
    assert all(s == "unchanged" for p, s in statuses(report).items() if p not in added)
    after = passages_by_document(config)
    assert {p: after[p] for p in before} == before
    assert check_index(config) == []


def test_an_index_left_in_the_old_place_is_moved_out_of_the_code(tmp_path, fake_embedder, fake_model, capsys):
    corpus = make_small_corpus(tmp_path)
    legacy = tmp_path / "index" / "data"
    (tmp_path / "old").mkdir()
    old = load_config(write_config(tmp_path / "old", corpus, legacy, FAKE_MODEL))
    build_index(old, fake_embedder)
    config = load_config(write_config(tmp_path, corpus, tmp_path / "data", FAKE_MODEL))
    assert main(["--config", str(config.source)]) == 0
    out = capsys.readouterr().out
    assert f"Moved the index from {legacy} to {config.index}" in out and "Nothing changed (3 unchanged)" in out
    assert not legacy.exists() and check_index(config) == []
    build_index(old, fake_embedder)
    assert main(["--config", str(config.source)]) == 2
    assert f"{legacy}: an old index is left beside the new one in {config.index}; delete" in capsys.readouterr().err


def test_the_audit_confirms_passages_on_their_page_and_finds_a_wrong_page(small, fake_embedder, capsys):
    config, corpus = small
    make_pdf(corpus / "three.pdf", [["Placements", "Foster carers asked for more respite."],
                                    ["Advocacy", "Every child should know an advocate."],
                                    ["Leaving care", "Personal advisers support care leavers."]])  # fmt: skip
    build_index(config, fake_embedder)
    assert main(["--config", str(config.source), "--audit"]) == 0
    assert "three.pdf: 3 passages, 3 in order, 0 as words, 0 missing" in capsys.readouterr().out
    with sqlite3.connect(current_build(config.index) / DATABASE) as db:
        db.execute("UPDATE passages SET page = 1 WHERE text LIKE 'Leaving care%'")
    assert main(["--config", str(config.source), "--audit"]) == 1
    out = capsys.readouterr().out
    assert "MISSING passage" in out and "on page 1: advisers, leavers, leaving, personal, support" in out


def test_a_vector_index_setting_change_rebuilds_with_the_new_index(small, fake_embedder, tmp_path):
    """[search] exact_limit and nprobe are applied at build time, so changing them is never silently ignored."""
    from index.backends.embedded.vectors import FaissVectors

    config, corpus = small
    build_index(config, fake_embedder)
    changed = fake_config(tmp_path, corpus, "[search]\nexact_limit = 2\nnprobe = 2\n")
    report = build_index(changed, fake_embedder)
    assert report.rebuild.startswith("vector index settings changed (vectors exact up to 50000 passages")
    vectors = FaissVectors(current_build(changed.index) / "vectors.faiss")
    assert len(vectors) > 2 and vectors.ivf is not None and vectors.ivf.nprobe == 2, len(vectors)


def test_each_file_reports_its_share_of_the_embedding_time(small, fake_embedder, monkeypatch):
    """Passages are embedded in batches across files; each file's seconds include its own passages' share, and
    the file that fills a batch is not charged for the whole batch as well."""
    monkeypatch.setattr("ingest.builder.FLUSH", 2)  # a batch fills during the run, not only at the end

    class SlowDouble:  # TEST DOUBLE: the hashing embedder, taking 1 s a passage
        def __getattr__(self, name):
            return getattr(fake_embedder, name)

        def encode(self, texts, batch_size=1):
            time.sleep(1.0 * len(texts))
            return fake_embedder.encode(texts)

    config, _ = small
    report = build_index(config, SlowDouble())
    added = report.with_status(Status.ADDED)
    assert len(added) == 3
    for entry in added:
        assert entry.passages * 0.95 <= entry.seconds <= entry.passages + 0.6, (entry.path, entry.seconds)
