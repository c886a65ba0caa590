"""The FAISS index of passage vectors; FAISS ids are the passages' SQLite row ids."""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np


def write_vectors(path: Path, ids: list[int], vectors: np.ndarray) -> None:
    """Save an exact inner-product index (cosine, as vectors are normalised)."""
    index = faiss.IndexIDMap2(faiss.IndexFlatIP(vectors.shape[1]))
    if len(ids):
        index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), np.asarray(ids, dtype=np.int64))
    faiss.write_index(index, str(path))


class Vectors:
    """Nearest-neighbour search over one index's passage vectors."""

    def __init__(self, path: Path):
        self.index = faiss.read_index(str(path))

    def __len__(self) -> int:
        return self.index.ntotal

    def search(self, query: np.ndarray, k: int, allowed: list[int] | None = None) -> list[tuple[int, float]]:
        """(passage id, cosine similarity) best first, among `allowed` ids if given; ties broken by id."""
        k = min(k, self.index.ntotal if allowed is None else len(allowed))
        if k == 0:
            return []
        params = None
        if allowed is not None:
            params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(np.asarray(allowed, dtype=np.int64)))
        scores, ids = self.index.search(query.reshape(1, -1).astype(np.float32), k, params=params)
        pairs = [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i >= 0]
        return sorted(pairs, key=lambda pair: (-pair[1], pair[0]))

    def ids(self) -> list[int]:
        """Every stored passage id."""
        return faiss.vector_to_array(self.index.id_map).tolist()

    def reconstruct(self, passage_id: int) -> np.ndarray:
        """The stored vector of one passage."""
        return self.index.reconstruct(passage_id)
