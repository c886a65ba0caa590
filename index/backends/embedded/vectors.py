"""The FAISS index of passage vectors; FAISS ids are the passages' SQLite row ids."""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np

TRAINING_SAMPLE = 100_000  # vectors the IVF lists are trained on, at most


def write_vectors(path: Path, ids: list[int], vectors: np.ndarray, exact_limit: int = 50_000, nprobe: int = 64) -> None:
    """Save an inner-product index (cosine, as vectors are normalised): exact up to `exact_limit` vectors; above,
    IVF with 4·√n lists trained by k-means, of which a query searches `nprobe` (stored in the index)."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    dimensions = vectors.shape[1]
    if len(ids) <= exact_limit:
        index = faiss.IndexIDMap2(faiss.IndexFlatIP(dimensions))
    else:
        lists = max(1, min(int(4 * np.sqrt(len(ids))), len(ids) // 39))  # k-means wants 39 points a list
        ivf = faiss.IndexIVFFlat(faiss.IndexFlatIP(dimensions), dimensions, lists, faiss.METRIC_INNER_PRODUCT)
        sample = np.random.default_rng(0).choice(len(ids), min(len(ids), TRAINING_SAMPLE), replace=False)
        ivf.train(vectors[np.sort(sample)])
        ivf.nprobe = nprobe
        index = faiss.IndexIDMap2(ivf)
    if len(ids):
        index.add_with_ids(vectors, np.asarray(ids, dtype=np.int64))
    if len(ids) > exact_limit:
        faiss.extract_index_ivf(index).make_direct_map()  # so that reconstruct() (reuse at ingest) works
    faiss.write_index(index, str(path))


class FaissVectors:
    """Nearest-neighbour search over one build's passage vectors (the Vectors protocol)."""

    def __init__(self, path: Path):
        self.index = faiss.read_index(str(path))
        self.ivf = faiss.try_extract_index_ivf(self.index)  # None for an exact index

    def __len__(self) -> int:
        return self.index.ntotal

    def search(self, query: np.ndarray, k: int, allowed: list[int] | None = None) -> list[tuple[int, float]]:
        """(passage id, cosine similarity) best first, among `allowed` ids if given; ties broken by id."""
        k = min(k, self.index.ntotal if allowed is None else len(allowed))
        if k == 0:
            return []
        params = None
        if allowed is not None:
            selector = faiss.IDSelectorBatch(np.asarray(allowed, dtype=np.int64))
            params = (faiss.SearchParametersIVF(sel=selector, nprobe=self.ivf.nprobe) if self.ivf
                      else faiss.SearchParameters(sel=selector))  # fmt: skip
        scores, ids = self.index.search(query.reshape(1, -1).astype(np.float32), k, params=params)
        pairs = [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i >= 0]
        return sorted(pairs, key=lambda pair: (-pair[1], pair[0]))

    def ids(self) -> list[int]:
        """Every stored passage id."""
        return faiss.vector_to_array(self.index.id_map).tolist()

    def reconstruct(self, passage_id: int) -> np.ndarray:
        """The stored vector of one passage."""
        return self.index.reconstruct(passage_id)
