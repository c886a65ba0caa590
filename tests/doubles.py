"""Test doubles for the fast tier. HashingEmbedder stands in for the real model: it is NOT the model, and
tests that judge ranking quality or the model itself use the real one (the `embedder` fixture)."""

from __future__ import annotations

import hashlib
import re
import zlib

import numpy as np

TOKEN = re.compile(r"\w+|[^\w\s]")


class HashingEmbedder:
    """TEST DOUBLE of index.embedding.Embedder: each word hashed into one of 384 dimensions, then normalised.

    Deterministic and instant; texts sharing words get similar vectors, so semantic search still behaves
    plausibly. Its sha256 is not the model's, so a config made for it can never load the real weights."""

    name = "hashing-test-double"
    sha256 = hashlib.sha256(b"hashing test double").hexdigest()
    precision = "int8"
    dimensions = 384
    max_tokens = 256

    def count_tokens(self, text: str) -> int:
        return len(TOKEN.findall(text)) + 2

    def fits(self, text: str) -> bool:
        return self.count_tokens(text) <= self.max_tokens

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        vectors = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                vectors[row, zlib.crc32(word.encode()) % self.dimensions] += 1.0
            if not vectors[row].any():
                vectors[row, 0] = 1.0
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    def encode_query(self, text: str) -> np.ndarray:
        return self.encode([text])[0]
