"""The vector index: exact below [search] exact_limit, IVF above, with filters and reconstruction either way."""

import faiss
import numpy as np
import pytest

from index.backends.embedded.vectors import FaissVectors, write_vectors


def unit(rows: int, seed: int) -> np.ndarray:
    """Normalised vectors around 50 topics, as passage vectors are (IVF relies on such clusters)."""
    rng = np.random.default_rng(seed)
    topics = np.random.default_rng(99).normal(size=(50, 32))
    vectors = (topics[rng.integers(50, size=rows)] + 0.4 * rng.normal(size=(rows, 32))).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


@pytest.mark.parametrize("exact_limit, kind", [(10_000, "IndexFlatIP"), (1_000, "IndexIVFFlat")])
def test_big_indexes_are_ivf_and_find_what_exact_search_finds(tmp_path, exact_limit, kind):
    vectors, ids = unit(5_000, 0), list(range(7, 5_007))
    write_vectors(tmp_path / "v.faiss", ids, vectors, exact_limit=exact_limit, nprobe=16)
    index = FaissVectors(tmp_path / "v.faiss")
    assert type(faiss.downcast_index(index.index.index)).__name__ == kind and len(index) == 5_000
    assert (index.ivf is None) == (kind == "IndexFlatIP")
    queries = unit(100, 1)
    exact = np.argsort(-(queries @ vectors.T), axis=1)[:, :10] + 7
    recall = np.mean([len({i for i, _ in index.search(q, 10)} & set(row)) / 10 for q, row in zip(queries, exact)])
    assert recall >= 0.9
    assert index.search(vectors[42], 1)[0][0] == 49  # a stored vector finds itself
    assert np.allclose(index.reconstruct(49), vectors[42])  # reuse at ingest reads vectors back exactly
    allowed = ids[::7]
    found = index.search(queries[0], 10, allowed)
    assert found and {i for i, _ in found} <= set(allowed)
