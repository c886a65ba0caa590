"""The nine failures found by probing the service as an attacker and an operator would, each kept found."""

from __future__ import annotations

import errno
import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from index.backends.embedded.folders import BUILDS, CURRENT, current_build, ingest_lock
from index.request import SearchRequest
from index.search import Searcher
from ingest.__main__ import main
from ingest.build import build_index
from ingest.check import check_index
from search_app import create_app
from tests.conftest import ROOT, fake_config
from tests.hostile import LIMITS, make_hostile_corpus
from tests.test_ingest import make_small_corpus

HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options")


@pytest.fixture(scope="module")
def client(fake_built, fake_searcher):
    app = create_app({"CONFIG_FILE": str(fake_built[0].source), "TESTING": True}, searcher=fake_searcher)
    return app.test_client()


@pytest.mark.parametrize("k", ["²", "①", "٣", "1" * 5000, "-1", "1e3", " 7 0"])
def test_1_odd_digits_in_k_are_a_400_not_a_500(client, k):
    response = client.get("/api/search", query_string={"q": "care", "k": k})
    assert response.status_code == 400 and "whole number" in response.get_json()["error"]["message"]
    page = client.get("/", query_string={"q": "care", "k": k})
    assert page.status_code == 400 and b"whole number" in page.data


def test_2_html_originals_are_not_served_and_every_response_has_security_headers(client):
    response = client.get("/documents/children-commissioner-blog/file")
    assert response.status_code == 404 and b"Only PDF originals are served" in response.data
    pdf = client.get("/documents/fostering-report/file")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    assert "script" not in pdf.headers["Content-Security-Policy"] and pdf.headers["X-Content-Type-Options"] == "nosniff"
    for path in (
        "/",
        "/?q=care",
        "/api/search?q=care",
        "/documents/practice-note",
        "/nothing",
        "/api/nothing",
        "/static/style.css",
        "/healthz",
        "/api/search?q=",
    ):
        response = client.get(path)
        assert all(name in response.headers for name in HEADERS), path
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_8_the_host_header_never_reaches_a_link(client):
    body = client.get("/api/search?q=care&k=3", headers={"Host": "evil.example:666"}).get_json()
    assert all(r["url"].startswith("http://127.0.0.1:8000/documents/") for r in body["results"])
    catalogue = client.get("/api/documents", headers={"Host": "evil.example:666"}).get_json()
    assert "evil" not in json.dumps(catalogue)


@pytest.mark.parametrize(
    "path",
    ["/", "/?q=care", "/?q=care&group=document", "/documents", "/documents/practice-note", "/api/search?q=care&k=3",
     "/api/search?q=care&format=csv", "/api/search?q=care&format=ris", "/api/search?q=care&format=bibtex",
     "/api/search?q=care&format=jsonl", "/api/context?q=care", "/api/documents", "/api/openapi.json", "/api/docs",
     "/healthz", "/nope", "/api/nope", "passage"],
)  # fmt: skip
def test_8_a_forged_host_is_written_into_no_page_or_answer(client, path):
    """A shared cache keyed on the path must never store a citation or link naming another site."""
    if path == "passage":  # a document page with a passage marked: it shows "Cite this" with a link
        path = client.get("/api/search?q=care&k=1").get_json()["results"][0]["url"].removeprefix("http://127.0.0.1:8000")
    forged = client.get(path, headers={"Host": "evil.example:666"})
    assert b"evil.example" not in forged.get_data(), path
    honest = client.get(path)
    if forged.headers.get("ETag"):
        assert forged.get_data() == honest.get_data(), path  # the same ETag may only ever mean the same bytes


def test_8_links_use_the_configured_public_address(fake_built, fake_searcher, tmp_path):
    config_file = tmp_path / "config.toml"
    config_file.write_text(Path(fake_built[0].source).read_text() + '[server]\nbase_url = "https://search.example.org/"\n')
    app = create_app({"CONFIG_FILE": str(config_file), "TESTING": True}, searcher=fake_searcher)
    body = app.test_client().get("/api/search?q=care&k=1").get_json()
    assert body["results"][0]["url"].startswith("https://search.example.org/documents/")


def test_an_unexpected_error_is_the_one_json_error_shape(fake_built, fake_searcher, monkeypatch):
    app = create_app({"CONFIG_FILE": str(fake_built[0].source)}, searcher=fake_searcher)
    monkeypatch.setattr(fake_searcher, "search", lambda *a, **k: 1 / 0)
    response = app.test_client().get("/api/search?q=care")
    assert response.status_code == 500
    assert response.get_json() == {
        "error": {"status": 500, "message": "Internal error: the search service failed; try again or report it."}
    }
    page = app.test_client().get("/?q=care")
    assert page.status_code == 500 and b"Traceback" not in page.data and b"ZeroDivision" not in page.data


def test_3_4_9_every_hostile_file_gets_one_clear_line_and_none_is_fatal(tmp_path, fake_model, capsys):
    corpus = tmp_path / "corpus"
    expected = make_hostile_corpus(corpus, tmp_path / "outside")
    config = fake_config(tmp_path, corpus, LIMITS)
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    assert main(["--config", str(config.source)]) == 1
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    lines = out.splitlines()
    for name, words in expected.items():
        line = next((line for line in lines if f" {name}: " in line or f" {name} " in line), None)
        assert line is not None and words in line, (name, words, line)
    assert len(expected) >= 25
    searcher = Searcher(config, fake_model and None or __import__("tests.doubles").doubles.HashingEmbedder())
    store = searcher.current().store
    paths = {d.path for d in store.documents.values()}
    assert "passwd.txt" not in paths and not any("secret" in p for p in paths)
    texts = " ".join(p.text for d in store.documents for p in store.document_passages(d))
    assert "root:x:0:0" not in texts
    assert resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss >= before  # the extraction ran in a child


def test_5_an_unwritable_index_folder_is_one_line_and_exit_2_before_any_work(tmp_path, fake_model, capsys):
    corpus = make_small_corpus(tmp_path)
    (tmp_path / "blocked").write_text("a file where the index folder should be")
    config = fake_config(tmp_path, corpus)
    config_file = Path(config.source)
    config_file.write_text(config_file.read_text().replace(str(tmp_path / "index"), str(tmp_path / "blocked" / "data")))
    assert main(["--config", str(config_file)]) == 2
    out, err = capsys.readouterr()
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert err.startswith(f"ingest: {tmp_path / 'blocked' / 'data'}") and "Not a directory" in err
    assert "this user may write to it" in err and fake_model == []


def test_5_an_unwritable_builds_folder_fails_before_the_embedding_work(tmp_path, fake_model, capsys):
    corpus = make_small_corpus(tmp_path)
    config = fake_config(tmp_path, corpus)
    config.index.mkdir()
    (config.index / BUILDS).write_text("not a folder")
    assert main(["--config", str(config.source)]) == 2
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "added" not in err and fake_model == []
    assert f"{config.index / BUILDS}" in err and "the published index is unchanged" in err


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EIO])
def test_a_full_disk_or_io_error_while_writing_leaves_the_published_index_serving(
    tmp_path, fake_embedder, fake_model, monkeypatch, capsys, code
):
    corpus = make_small_corpus(tmp_path)
    config = fake_config(tmp_path, corpus)
    published = build_index(config, fake_embedder).version
    (corpus / "new.txt").write_text("Kinship carers asked for more support.")

    def failing_write(path, ids, vectors, *options):
        path.write_bytes(b"partial")
        raise OSError(code, os.strerror(code), str(path))

    monkeypatch.setattr("index.backends.embedded.folders.write_vectors", failing_write)
    assert main(["--config", str(config.source)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and os.strerror(code) in err and "the published index is unchanged" in err
    assert current_build(config.index).name == published
    assert sorted(p.name for p in (config.index / BUILDS).iterdir()) == [published]
    assert Searcher(config, fake_embedder).search(SearchRequest("kinship allowances", k=1)).hits
    report = json.loads(Path(err.split("Report: ")[1].strip()).read_text())
    assert report["interrupted"] and not report["published"]
    monkeypatch.undo()
    assert build_index(config, fake_embedder).published and check_index(config) == []


def test_an_interrupted_run_leaves_a_report_saying_so(tmp_path, fake_model, monkeypatch, capsys):
    corpus = make_small_corpus(tmp_path)
    config = fake_config(tmp_path, corpus)

    def interrupt(event):
        raise KeyboardInterrupt

    monkeypatch.setattr("ingest.__main__.ProgressView", lambda: interrupt)
    assert main(["--config", str(config.source)]) == 2
    err = capsys.readouterr().err
    assert "interrupted before publishing; the published index is unchanged" in err
    report = json.loads(Path(err.split("Report: ")[1].strip()).read_text())
    assert report["interrupted"].startswith("interrupted") and report["files"] and not report["published"]
    assert not (config.index / CURRENT).exists()


def test_6_rollback_waits_for_no_one_and_refuses_during_an_ingest(tmp_path, fake_embedder, capsys):
    corpus = make_small_corpus(tmp_path)
    config = fake_config(tmp_path, corpus)
    build_index(config, fake_embedder)
    (corpus / "new.txt").write_text("Kinship carers asked for more support.")
    second = build_index(config, fake_embedder).version
    with ingest_lock(config.index):
        assert main(["--config", str(config.source), "--rollback"]) == 2
    assert "another ingest is running" in capsys.readouterr().err
    assert current_build(config.index).name == second
    assert main(["--config", str(config.source), "--rollback"]) == 0


PARAMETER = st.one_of(
    st.text(max_size=40),
    st.from_regex(r"[0-9]{1,8}", fullmatch=True),
    st.sampled_from(
        ["", "0", "100", "101", "hybrid", "keyword", "semantic", '"', "AND OR NOT", "²", "\x00", "%00", "../../etc"]
    ),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    q=PARAMETER,
    k=PARAMETER,
    mode=PARAMETER,
    extra=st.dictionaries(st.text(max_size=8), PARAMETER, max_size=3),
    path=st.sampled_from(["/api/search", "/"]),
)
def test_generated_queries_and_parameters_never_cause_a_server_error(client, q, k, mode, extra, path):
    response = client.get(path, query_string={**extra, "q": q, "k": k, "mode": mode})
    assert response.status_code < 500, (path, q, k, mode, extra)
    if path.startswith("/api/"):
        assert response.is_json and ("results" in response.get_json() or "error" in response.get_json())


TRAVERSALS = [
    "/documents/../../etc/passwd",
    "/documents/..%2f..%2f..%2fetc%2fpasswd",
    "/documents/%2e%2e/%2e%2e/etc/passwd/file",
    "/documents/..%252f..%252fetc%252fpasswd/file",
    "/static/../../../../etc/passwd",
    "/static/..%2f..%2f..%2fetc/passwd",
    "/static/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/static/....//....//etc/passwd",
    "/documents/%00/file",
    "/documents/practice-note/file/../../../../etc/passwd",
    "//etc/passwd",
    "/documents//etc/passwd/file",
    "/static//etc/passwd",
    "/documents/..\\..\\etc\\passwd/file",
    "/static/..\\..\\config.toml",
    "/documents/%2e%2e%5c%2e%2e%5cetc%5cpasswd/file",
    "/static/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd",
    "/documents/passwd/file",
    "/documents/secret/file",
    "/static/../config.toml",
    "/static/../../README.md",
    "/static/..%2fconfig.toml",
    "/documents/..%2fconfig/file",
    "/api/../config.toml",
    "/api/documents/../../config.toml",
]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_path_traversal_serves_nothing_outside_the_corpus(client, path):
    response = client.get(path)
    assert response.status_code in (200, 308, 400, 404, 405)
    assert b"root:x:0:0" not in response.data and b"[paths]" not in response.data and b"# Children" not in response.data


def test_ingest_works_from_code_piped_to_python(tmp_path):
    """Extraction's child processes do not need to import the main program (none exists for `python -`)."""
    corpus = make_small_corpus(tmp_path)
    config = fake_config(tmp_path, corpus)
    script = (
        "from index.config import load_config\nfrom ingest.build import build_index\n"
        "from tests.doubles import HashingEmbedder\n"
        f"report = build_index(load_config({str(config.source)!r}), HashingEmbedder())\n"
        "print(report.totals()['added'], [f.reason for f in report.failed])\n"
    )
    done = subprocess.run([sys.executable, "-"], input=script, text=True, capture_output=True, cwd=ROOT, timeout=120)
    assert done.stdout.strip() == "3 []", done.stderr


@pytest.mark.parametrize("path", ["//x", "//documents", "//api//search"])
def test_8_a_doubled_slash_is_not_redirected_to_the_host(client, path):
    response = client.get("/", headers={"Host": "evil.example:666"}, environ_overrides={"PATH_INFO": path})
    assert "evil.example" not in response.headers.get("Location", "") and b"evil.example" not in response.get_data()


def test_7_a_batch_body_nested_too_deeply_is_a_clear_400(client):
    response = client.post("/api/search/batch", data="[" * 1000, content_type="application/json")
    assert response.status_code == 400 and "nested" in response.get_json()["error"]["message"]


def test_7_a_way_back_to_a_search_of_only_common_words_still_opens_the_document(client):
    response = client.get("/documents/practice-note?back=/?q=the")
    assert response.status_code == 200 and "Back to results" in response.get_data(as_text=True)


def test_7_a_build_left_half_written_by_a_killed_ingest_goes_at_the_next_ingest_even_with_nothing_to_do(
    tmp_path, fake_embedder, fake_model
):
    config = fake_config(tmp_path, make_small_corpus(tmp_path))
    build_index(config, fake_embedder)
    left = config.index / BUILDS / "20991231T235959.000000-1"  # what kill -9 during writing leaves: no manifest
    left.mkdir()
    (left / "index.sqlite").write_bytes(b"half")
    report = build_index(config, fake_embedder)
    assert not report.changed and not left.exists()
    assert current_build(config.index).is_dir()


def test_7_a_file_name_with_a_line_break_stays_on_its_own_report_line(tmp_path, fake_model, capsys):
    corpus = make_small_corpus(tmp_path)
    (corpus / "note\nFAILED forged.txt").write_text("Kinship carers need support.", encoding="utf-8")
    config = fake_config(tmp_path, corpus)
    assert main(["--config", str(config.source)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert not any(line.startswith("FAILED forged") for line in lines)
    assert any(line.startswith("ADDED") and "note\\nFAILED forged.txt" in line for line in lines)


def test_1_a_tiny_pdf_with_a_giant_page_gets_a_clear_422_not_a_server_out_of_memory(tmp_path, fake_embedder, fake_model):
    from tests.pdfgen import make_pdf

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    make_pdf(corpus / "giant.pdf", [["Kinship carers on a page 14,400 points a side."]], size=(14400, 14400))
    config = fake_config(tmp_path, corpus)
    build_index(config, fake_embedder)
    client = create_app({"CONFIG_FILE": str(config.source), "TESTING": True}, searcher=Searcher(config, fake_embedder))
    response = client.test_client().get("/documents/giant/pages/1.png")
    assert response.status_code == 422 and "page_max_points" in response.get_data(as_text=True)


def test_4_a_batch_asking_for_too_much_is_refused_whole_naming_the_limit(client):
    big = {"queries": [{"id": str(n), "q": "care leavers", "k": 100} for n in range(11)]}
    refused = client.post("/api/search/batch", json=big)
    assert refused.status_code == 400 and "batch_max_results" in refused.get_json()["error"]["message"]
    wordy = {"queries": [{"id": str(n), "q": "care leavers " * 38, "k": 1} for n in range(100)]}
    refused = client.post("/api/search/batch", json=wordy)
    assert refused.status_code == 400 and "batch_max_chars" in refused.get_json()["error"]["message"]
    fine = client.post("/api/search/batch", json={"queries": [{"id": str(n), "q": "care", "k": 10} for n in range(100)]})
    assert fine.status_code == 200 and len(fine.get_json()["results"]) == 100


def test_4_a_context_budget_is_capped_and_the_openapi_document_says_so(client):
    assert client.get("/api/context?q=care&budget=8000").status_code == 200
    refused = client.get("/api/context?q=care&budget=100000")
    assert refused.status_code == 400 and "context_max_tokens" in refused.get_json()["error"]["message"]
    spec = client.get("/api/openapi.json").get_json()
    budget = next(p for p in spec["paths"]["/api/context"]["get"]["parameters"] if p["name"] == "budget")
    assert budget["schema"]["maximum"] == 8000


@pytest.mark.parametrize(
    "method, path",
    [("post", "/api/search/batch"), ("get", "/api/context?q=care"), ("get", "/api/search?q=care&format=csv"),
     ("get", "/?q=care&format=ris"), ("get", "/documents/fostering-report/pages/1.png")],
)  # fmt: skip
def test_4_a_client_past_its_expensive_requests_gets_429_with_retry_after(client, method, path):
    limit = client.application.extensions["client_limit"]
    body = {"json": {"queries": [{"id": "a", "q": "care"}]}} if method == "post" else {}
    with limit.hold("127.0.0.1"):  # one still running from this address, the limit
        refused = getattr(client, method)(path, **body)
        assert refused.status_code == 429 and refused.headers["Retry-After"]
        if path.startswith("/api/"):
            assert "client_expensive" in refused.get_json()["error"]["message"]
        assert client.get("/api/search?q=care").status_code == 200  # an ordinary search is never held back
    assert getattr(client, method)(path, **body).status_code == 200
    assert not limit.running  # every request let go of its count


FAISS_ERROR = (
    "Error in faiss::FileIOWriter::FileIOWriter(const char*) at /project/faiss/faiss/impl/io.cpp:102: Error: "
    "'f' failed: could not open vectors.faiss for writing: No space left on device"
)


@pytest.mark.parametrize(
    "target, failure, said",
    [("write_index", lambda *a: sqlite3_full(), "database or disk is full"),
     ("write_vectors", lambda *a: faiss_full(), "could not open vectors.faiss for writing: No space left on device")],
)  # fmt: skip
def test_5_a_full_disk_inside_sqlite_or_faiss_is_one_line_exit_2_and_a_report(
    tmp_path, fake_embedder, fake_model, monkeypatch, capsys, target, failure, said
):
    corpus = make_small_corpus(tmp_path)
    config = fake_config(tmp_path, corpus)
    published = build_index(config, fake_embedder).version
    (corpus / "new.txt").write_text("Kinship carers asked for more support.")
    monkeypatch.setattr(f"index.backends.embedded.folders.{target}", failure)
    assert main(["--config", str(config.source)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and said in err and "free some disk space" in err
    lines = [line for line in err.splitlines() if not line.startswith("[")]  # progress lines aside
    assert len(lines) == 2 and lines[0].startswith("ingest: ") and lines[1].startswith("Report: ")
    assert json.loads(Path(err.split("Report: ")[1].strip()).read_text())["interrupted"]
    assert sorted(p.name for p in (config.index / BUILDS).iterdir()) == [published]


def sqlite3_full():
    import sqlite3

    raise sqlite3.OperationalError("database or disk is full")


def faiss_full():
    raise RuntimeError(FAISS_ERROR)


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a small tmpfs needs root (CI runs as root)")
def test_5_a_really_full_disk_while_sqlite_writes_leaves_the_published_index_and_a_report(
    tmp_path, fake_embedder, fake_model, capsys
):
    """The index folder on a real filesystem too small for a second build: SQLite's own write fails."""
    corpus = make_small_corpus(tmp_path)
    config = fake_config(tmp_path, corpus)
    config.index.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(config.index)], check=True)
    try:
        published = build_index(config, fake_embedder).version
        used = sum(p.stat().st_size for p in config.index.rglob("*") if p.is_file())
        subprocess.run(["mount", "-o", f"remount,size={used + 96 * 1024}", str(config.index)], check=True)
        (corpus / "new.txt").write_text("Kinship carers asked for more support. " * 200)
        assert main(["--config", str(config.source)]) == 2
        err = capsys.readouterr().err
        assert "Traceback" not in err and ("disk is full" in err or "No space left" in err), err
        assert "free some disk space" in err and current_build(config.index).name == published
        assert sorted(p.name for p in (config.index / BUILDS).iterdir()) == [published]  # nothing half-written
        assert json.loads(Path(err.split("Report: ")[1].strip()).read_text())["interrupted"]
        assert Searcher(config, fake_embedder).search(SearchRequest("kinship allowances", k=1)).hits
    finally:
        subprocess.run(["umount", "-l", str(config.index)], check=True)


def test_4_a_long_way_back_marks_a_bounded_number_of_words():
    from search_app.pages import MARKED, marked_words

    words = marked_words("/?q=" + " ".join(f"placement{n} " + f'"kin {n}"' for n in range(20)))
    assert len(words.terms) == MARKED and len(words.phrases) == MARKED
    assert marked_words("/?q=the") is None and marked_words("") is None


@pytest.mark.parametrize(
    "raw, status",
    [(b"GET /?q=care HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n", 413),
     (b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 2_000 + b"\r\n\r\n", 431),
     (b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n", 400)],
)  # fmt: skip
def test_7_what_waitress_refuses_itself_gets_the_one_json_error_and_the_security_headers(
    fake_built, fake_searcher, raw, status
):
    import socket

    from tests.servers import serving

    app = create_app({"CONFIG_FILE": str(fake_built[0].source), "TESTING": True}, searcher=fake_searcher)
    with serving(app, max_request_body_size=1 << 20, max_request_header_size=1024) as base:
        port = int(base.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
            connection.sendall(raw)
            answer = b""
            while chunk := connection.recv(65536):
                answer += chunk
    head, body = answer.split(b"\r\n\r\n", 1)
    assert head.split(b" ")[1] == str(status).encode() and b"Content-Type: application/json" in head
    assert b"Content-Security-Policy: default-src 'none'" in head and b"X-Content-Type-Options: nosniff" in head
    assert json.loads(body)["error"]["status"] == status


def test_4_a_long_document_marks_the_words_near_the_passage_only():
    from index.models import Document, Page, Passage
    from index.query import parse_query
    from search_app.pages import MARK_NEAR, page_sections

    text = "".join(f"Page {n} is about kinship care. " for n in range(1, 31))
    starts = [text.index(f"Page {n} ") for n in range(1, 31)] + [len(text)]
    document = Document(
        "long", "long.pdf", "Long", text=text, pages=[Page(n, starts[n - 1], starts[n]) for n in range(1, 31)]
    )
    target = Passage("long", text[starts[19] : starts[20]], starts[19], starts[20], 20, 20, "", 8)
    sections = page_sections(document, target, parse_query("kinship", 500))
    marked = [s["number"] for s in sections if any("<mark>" in str(part) for part, _ in s["parts"])]
    assert marked == list(range(20 - MARK_NEAR, 20 + MARK_NEAR + 1))
    short = Document("short", "short.pdf", "Short", text=text[: starts[5]], pages=document.pages[:5])
    assert all("<mark>" in str(s["parts"][0][0]) for s in page_sections(short, None, parse_query("kinship", 500)))
