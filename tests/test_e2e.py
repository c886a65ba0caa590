"""End to end: `python -m search_app` serving the fixture index on a loopback port, queried over HTTP."""

import json
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import pytest

from index.config import load_config
from ingest.build import build_index
from tests.conftest import ROOT, write_config
from tests.servers import free_port


def get(url: str, timeout: float = 30) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def start_server(config_path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "search_app", "--config", str(config_path), "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(120):  # bounded wait for start-up (model load)
        try:
            if get(f"{base}/healthz")[0] == 200:
                return process, base
        except OSError:
            time.sleep(0.5)
    process.kill()
    pytest.fail(process.stdout.read().decode())


@pytest.fixture(scope="module")
def server(built):
    process, base = start_server(built[0].source)
    yield base
    process.terminate()
    process.wait(timeout=10)


def test_search_over_http(server):
    status, body = get(f"{server}/api/search?q=unregulated%20accommodation&k=5")
    assert status == 200 and len(body["results"]) == 5
    documents = {r["document"]["id"] for r in body["results"]}
    assert "children-commissioner-blog" in documents and len(documents) >= 2
    status, page = 0, None
    with urllib.request.urlopen(body["results"][0]["url"], timeout=30) as response:
        status, page = response.status, response.read()
    assert status == 200 and b'<mark id="passage" class="passage"' in page


def test_bad_query_over_http(server):
    status, body = get(f"{server}/api/search?q=%20")
    assert status == 400 and "Empty query" in body["error"]["message"]


def test_served_by_waitress(server):
    with urllib.request.urlopen(f"{server}/healthz", timeout=30) as response:
        assert response.headers["Server"] == "waitress"


def test_evaluation_over_http_matches_in_process(server, searcher):
    from evaluation.corpus import http_search, local_search

    queries = ["young carers", "hostels and caravans", "kinship allowances"]
    over_http = http_search(server, queries, 5, "hybrid")
    for query in queries:
        assert over_http(query, 5, "hybrid") == local_search(searcher)(query, 5, "hybrid")


@pytest.mark.corpus
def test_the_development_sets_through_the_batch_api_reproduce_in_process_evaluation(embedder):
    """The development sets, every mode, over HTTP (batches) against the full-corpus index, equal in process."""
    from evaluation.corpus import http_search, local_search, score_set
    from evaluation.gold import load_queries
    from index.search import Searcher

    config = load_config()
    process, base = start_server(config.source)
    try:
        searcher = Searcher(config, embedder)
        for name in ("dev.jsonl", "dev-pdf.jsonl", "dev-named.jsonl", "dev-questions.jsonl"):
            queries = load_queries(ROOT / "evaluation" / name)
            for mode in ("hybrid", "keyword", "semantic"):
                over_http, in_process = [], []
                remote = score_set(queries, http_search(base, [q.query for q in queries], 10, mode), mode, run=over_http)
                local = score_set(queries, local_search(searcher), mode, run=in_process)
                assert remote == local and over_http == in_process, (name, mode)
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_publishing_a_new_index_fails_no_request_in_flight(tmp_path, embedder):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "kinship.txt").write_text("Kinship carers told us that allowances differ between councils.")
    config = load_config(write_config(tmp_path, corpus, tmp_path / "index"))
    first = build_index(config, embedder).version
    process, base = start_server(config.source)
    seen, failures, stop = [], [], threading.Event()

    def hammer():
        while not stop.is_set():
            try:
                status, body = get(f"{base}/api/search?q=carers&k=5")
                seen.append(body.get("index")) if status == 200 else failures.append((status, body))
            except OSError as error:
                failures.append(error)

    threads = [threading.Thread(target=hammer) for _ in range(3)]
    try:
        for thread in threads:
            thread.start()
        versions = [first]
        for number in range(3):  # three publishes while searches run
            (corpus / f"new-{number}.txt").write_text(f"Foster carers number {number} asked for respite breaks.")
            versions.append(build_index(config, embedder).version)
            time.sleep(0.5)
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        status, body = get(f"{base}/api/search?q=respite%20breaks&k=5&mode=keyword")
    finally:
        stop.set()
        process.terminate()
        process.wait(timeout=10)
    assert failures == [] and len(seen) > 20
    assert set(seen) <= set(versions) and seen[-1] == versions[-1] and first in seen
    assert status == 200 and body["index"] == versions[-1] and len(body["results"]) == 3


def test_idle_connections_do_not_starve_searches(server):
    host, port = server.removeprefix("http://").split(":")
    idle = []
    try:
        for _ in range(150):  # more than waitress's default connection limit of 100
            idle.append(socket.create_connection((host, int(port)), timeout=5))
        status, body = get(f"{server}/api/search?q=foster%20carers&k=3", timeout=10)
        assert status == 200 and len(body["results"]) == 3
    finally:
        for connection in idle:
            connection.close()


def test_a_forged_host_header_never_reaches_a_link(server):
    request = urllib.request.Request(f"{server}/api/search?q=carers&k=2", headers={"Host": "evil.example:666"})
    with urllib.request.urlopen(request, timeout=30) as response:
        body = json.load(response)
    assert all(r["url"].startswith(f"{server}/documents/") for r in body["results"])


@pytest.mark.corpus
def test_schemathesis_finds_nothing_against_the_served_corpus():
    """The contract, as a researcher's client would test it: Schemathesis's command line, every check, its coverage
    and fuzzing phases, against `python -m search_app` serving the full-corpus index on a loopback port."""
    process, base = start_server(load_config().source)
    try:
        run = subprocess.run(
            [sys.executable, "-m", "schemathesis.cli", "run", f"{base}/api/openapi.json", "--checks", "all",
             "--phases", "coverage,fuzzing", "--max-examples", "25", "--workers", "1", "--seed", "7"],
            capture_output=True, text=True, timeout=900, cwd=ROOT,
        )  # fmt: skip
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert run.returncode == 0 and re.search(r"(\d+) generated, \1 passed", run.stdout), run.stdout[-4000:]
    assert "Missing test data" not in run.stdout, run.stdout[-4000:]


@pytest.mark.corpus
def test_the_readme_study_counts_as_searching_each_report_does(embedder):
    """The per-council study in the README: one request's aggregation equals counting report by report."""
    from dataclasses import replace

    from index.filters import Filters
    from index.request import SearchRequest
    from index.search import Searcher

    searcher = Searcher(load_config(), embedder)
    asked = SearchRequest('"placement sufficiency"', mode="keyword", k=0, filters=Filters(kind=("inspection",)),
                          aggs=("local_authority,judgement",), fold=False)  # fmt: skip
    study = searcher.search(asked)
    by_hand = {}
    for document in searcher.documents():
        if document.kind == "inspection":
            found = searcher.search(replace(asked, filters=Filters(document=(document.id,)), aggs=()))
            if found.total:
                by_hand[f"{document.local_authority} | {document.judgements['overall']}"] = found.total
    assert (
        study.exact
        and {value: passages for value, passages, _ in study.aggregations["local_authority,judgement"]} == by_hand
    )
    assert study.total == sum(by_hand.values()) >= 20
