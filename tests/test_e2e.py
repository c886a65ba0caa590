"""End to end: `python -m search_app` serving the fixture index on a loopback port, queried over HTTP."""

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from tests.conftest import ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


@pytest.fixture(scope="module")
def server(built):
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "search_app", "--config", str(built[0].source),
                                "--port", str(port)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(120):  # bounded wait for start-up (model load)
        try:
            if get(f"{base}/healthz")[0] == 200:
                break
        except OSError:
            time.sleep(0.5)
    else:
        process.kill()
        pytest.fail(process.stdout.read().decode())
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
    assert status == 200 and b"<mark id=\"passage-" in page


def test_bad_query_over_http(server):
    status, body = get(f"{server}/api/search?q=%20")
    assert status == 400 and "Empty query" in body["error"]["message"]


def test_served_by_waitress(server):
    with urllib.request.urlopen(f"{server}/healthz", timeout=30) as response:
        assert response.headers["Server"] == "waitress"


def test_evaluation_over_http_matches_in_process(server, searcher):
    from evaluation.corpus import http_search, local_search

    over_http = http_search(server)("young carers", 5, "hybrid")
    in_process = local_search(searcher)("young carers", 5, "hybrid")
    assert [(r.document_id, r.text, r.page) for r in over_http] == [(r.document_id, r.text, r.page) for r in in_process]
