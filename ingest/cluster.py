"""python -m ingest --workers tcp://HOST:PORT: passages embedded on the workers of a Dask distributed cluster.

Extraction and chunking stay in the ingest process; each batch of passages it would have embedded itself (the
same FLUSH batches, so the same vectors) becomes one task, and the run goes on extracting while the workers
embed. Every worker loads the model once, checked against [model] sha256 as the ingest process checks it."""

from __future__ import annotations

import re
import warnings

import numpy as np

from index.config import Config
from index.embedding import load_embedder

ADDRESS = re.compile(r"(tcp|tls)://[^\s/:]+:\d+")
CONNECT_SECONDS = 10  # to reach the scheduler
WORKER_SECONDS = 60  # for a first worker to join it


class ClusterError(RuntimeError):
    """The cluster cannot be used; the message names the address, the problem and the fix."""


def embed(texts: list[str], sha256: str, precision: str, batch_size: int) -> np.ndarray:
    """On a worker: the vectors of `texts` (the model is loaded once per worker process)."""
    return load_embedder(sha256, precision).encode(texts, batch_size)


class Cluster:
    """A connection to a Dask scheduler with at least one worker."""

    def __init__(self, address: str, config: Config):
        if not ADDRESS.fullmatch(address):
            raise ClusterError(f"--workers {address!r}: not a scheduler address; give it as tcp://HOST:PORT")
        from distributed import Client

        self.address, self.config = address, config
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # a version mismatch warning is repeated by the error, if it matters
                self.client = Client(address, timeout=CONNECT_SECONDS, set_as_default=False)
        except (OSError, TimeoutError) as error:
            raise ClusterError(
                f"--workers {address}: no Dask scheduler answers ({error}); start one with `dask scheduler` "
                "or fix the address"
            ) from None
        try:
            self.client.wait_for_workers(1, timeout=WORKER_SECONDS)
        except TimeoutError:
            self.close()
            raise ClusterError(
                f"--workers {address}: no worker joined the scheduler in {WORKER_SECONDS} s; start some with "
                f"`dask worker {address}`"
            ) from None

    def submit(self, texts: list[str]):
        """Start embedding `texts` on a worker; returns a future of their vectors."""
        return self.client.submit(
            embed, texts, self.config.sha256, self.config.precision, self.config.batch_size, pure=False
        )

    def result(self, future) -> np.ndarray:
        """The vectors of a submitted batch; ClusterError, in one line, when the cluster could not embed it."""
        try:
            return future.result()
        except RuntimeError as error:  # raised by our code on the worker (a model that fails its check)
            raise ClusterError(f"--workers {self.address}: a worker could not embed: {error}") from None
        except Exception as error:  # lost workers or connections: distributed's own exceptions
            reason = str(error).splitlines()[0] if str(error) else type(error).__name__
            raise ClusterError(
                f"--workers {self.address}: embedding failed on the cluster ({reason}); check the workers and run "
                "the ingest again"
            ) from None

    def close(self) -> None:
        self.client.close()
