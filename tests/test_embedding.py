"""The ONNX embedder against the packaged PyTorch weights it was exported from (real model)."""

import numpy as np
import pytest

from index import embedding
from index.embedding import ModelError, load_embedder, onnx_path, recorded_source

TEXTS = [
    "Care leavers should have a personal adviser until they are 25.",
    "The local authority must tell the school within five days.",
    "Lifelong Links",
    "Staying Close supports young people leaving residential care " * 12,
]


def torch_vectors(texts: list[str]) -> np.ndarray:
    """all-MiniLM-L6-v2 as sentence-transformers computes it: mean of the token states, normalised."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    folder = embedding.model_dir()
    tokenizer, model = AutoTokenizer.from_pretrained(folder), AutoModel.from_pretrained(folder).eval()
    batch = tokenizer(texts, padding=True, truncation=True, max_length=256, return_tensors="pt")
    with torch.no_grad():
        states = model(**batch).last_hidden_state
    weights = batch["attention_mask"].unsqueeze(-1).float()
    return torch.nn.functional.normalize((states * weights).sum(1) / weights.sum(1), dim=-1).numpy()


@pytest.mark.model
@pytest.mark.parametrize("precision, lowest", [("fp32", 0.9999), ("int8", 0.98)])
def test_onnx_vectors_agree_with_the_pytorch_model(precision, lowest, embedder):
    model = load_embedder(embedder.sha256, precision)
    expected = torch_vectors(TEXTS)
    passages = model.encode(TEXTS)  # batches of one: int8 vectors then do not depend on their neighbours
    assert passages.shape == (len(TEXTS), 384)
    assert np.allclose(np.linalg.norm(passages, axis=1), 1, atol=1e-5)
    assert (passages * expected).sum(axis=1).min() >= lowest
    assert np.allclose(model.encode(TEXTS[::-1])[::-1], passages, atol=1e-6)
    assert float(model.encode_query(TEXTS[0]) @ passages[0]) == pytest.approx(1, abs=1e-5)  # a query, the same way
    assert model.count_tokens("Lifelong Links") == 4  # [CLS] lifelong links [SEP]


@pytest.mark.model
def test_exported_files_name_the_weights_and_recipe_they_came_from(embedder):
    for precision in ("fp32", "int8"):
        assert recorded_source(onnx_path(precision)) == f"{embedder.sha256} {embedding.RECIPE}"


def test_other_weights_are_refused_before_any_export(tmp_path):
    with pytest.raises(ModelError, match="is not the expected"):
        embedding.export_onnx("0" * 64, "int8")
    with pytest.raises(ModelError, match="precision 'int4' is not one of fp32, int8"):
        embedding.Embedder("0" * 64, "int4")
