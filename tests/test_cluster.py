"""python -m ingest --workers: embedding on a real Dask distributed cluster (a LocalCluster of worker processes on
127.0.0.1), and the one-line errors when the cluster cannot be used."""

from __future__ import annotations

import numpy as np
import pytest

from index.backends import open_backend
from index.config import load_config
from index.embedding import load_embedder
from ingest import cluster as cluster_module
from ingest.__main__ import main as ingest_main
from tests.conftest import FAKE_MODEL, make_corpus, write_config
from tests.servers import free_port
from tests.test_ingest import make_small_corpus


@pytest.fixture
def local_cluster():
    """A scheduler and two single-threaded worker processes on 127.0.0.1; yields (scheduler address, client)."""
    from distributed import Client, LocalCluster

    with (
        LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address="127.0.0.1:0") as cluster,
        Client(cluster) as client,
    ):
        yield cluster.scheduler_address, client


def contents(config) -> tuple[list, np.ndarray]:
    """The published build's passages, in id order, and their vectors."""
    build = open_backend(config).current()
    ids = build.vectors.ids()
    passages = build.store.passages(ids)
    return [passages[i] for i in ids], np.array([build.vectors.reconstruct(i) for i in ids])


@pytest.mark.cluster
def test_a_cluster_of_two_workers_builds_exactly_what_one_process_builds(
    tmp_path, built, embedder, local_cluster, monkeypatch, capsys
):
    address, client = local_cluster
    monkeypatch.setattr("ingest.builder.FLUSH", 16)  # several batches, so that both workers get some
    config = write_config(tmp_path, make_corpus(tmp_path), tmp_path / "index")
    assert ingest_main(["--config", str(config), "--workers", address]) == 0
    assert "published index" in capsys.readouterr().out
    ours, theirs = contents(load_config(config)), contents(built[0])
    assert len(ours[0]) > 4 * 16
    assert [(p.id, p.document_id, p.page, p.start, p.text) for p in ours[0]] == [
        (p.id, p.document_id, p.page, p.start, p.text) for p in theirs[0]
    ]
    assert np.array_equal(ours[1], theirs[1])
    loaded = client.run(lambda: load_embedder.cache_info().currsize)
    assert sorted(loaded.values()) == [1, 1], "each worker loads the model once and embeds"


@pytest.mark.cluster
def test_no_scheduler_or_no_worker_is_one_line_and_the_index_is_untouched(tmp_path, fake_model, monkeypatch, capsys):
    from distributed import LocalCluster

    config = write_config(tmp_path, make_small_corpus(tmp_path), tmp_path / "index", FAKE_MODEL)
    assert ingest_main(["--config", str(config)]) == 0
    published = (tmp_path / "index" / "CURRENT").read_text()
    (tmp_path / "corpus" / "new.txt").write_text("Kinship carers asked for allowances.", encoding="utf-8")
    capsys.readouterr()

    nobody = f"tcp://127.0.0.1:{free_port()}"
    assert ingest_main(["--config", str(config), "--workers", nobody]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith(f"ingest: --workers {nobody}: no Dask scheduler answers (")
    assert err[0].endswith("start one with `dask scheduler` or fix the address")

    monkeypatch.setattr(cluster_module, "WORKER_SECONDS", 2)
    with LocalCluster(n_workers=0, host="127.0.0.1", dashboard_address="127.0.0.1:0") as empty:
        assert ingest_main(["--config", str(config), "--workers", empty.scheduler_address]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        f"ingest: --workers {empty.scheduler_address}: no worker joined the scheduler in 2 s; start some with "
        f"`dask worker {empty.scheduler_address}`"
    ]
    assert (tmp_path / "index" / "CURRENT").read_text() == published


def test_a_bad_workers_argument_is_one_line(tmp_path, fake_model, capsys):
    config = str(write_config(tmp_path, make_small_corpus(tmp_path), tmp_path / "index", FAKE_MODEL))
    assert ingest_main(["--config", config, "--workers", "localhost:8786"]) == 2
    assert capsys.readouterr().err == (
        "ingest: --workers 'localhost:8786': not a scheduler address; give it as tcp://HOST:PORT\n"
    )
    with pytest.raises(SystemExit) as stopped:
        ingest_main(["--config", config, "--check", "--workers", "tcp://127.0.0.1:8786"])
    assert stopped.value.code == 2
    assert "--workers embeds passages: use it only for an ingest run" in capsys.readouterr().err
    assert not (tmp_path / "index" / "CURRENT").exists()
