"""Sentence embeddings behind LangChain's Embeddings interface.

Two backends for the same sentence-transformers model: plain torch (through
langchain-huggingface) and an ONNX export of the model run by onnxruntime, which is
about twice as fast on CPU and imports no torch at query time. The export is made
locally from the model on disk and cached in the data dir.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from filelock import FileLock
from langchain_core.embeddings import Embeddings

if TYPE_CHECKING:
    from assistant.config import Settings

logger = logging.getLogger(__name__)

MAX_TOKENS = 256  # all-MiniLM-L6-v2 reads at most this many word pieces and drops the rest
BATCH_SIZE = 32


def load_tokenizer(model_path: str):
    """The model's own fast tokenizer (used for embedding and for measuring chunk sizes)."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(Path(model_path) / "tokenizer.json"))
    tokenizer.no_padding()  # the file pads to a fixed 128; we pad per batch instead
    tokenizer.enable_truncation(MAX_TOKENS)
    return tokenizer


def count_tokens(tokenizer, text: str) -> int:
    """Word pieces of `text` including [CLS]/[SEP], without truncation."""
    tokenizer.no_truncation()
    try:
        return len(tokenizer.encode(text).ids)
    finally:
        tokenizer.enable_truncation(MAX_TOKENS)


class OnnxEmbeddings(Embeddings):
    """Mean-pooled, normalised MiniLM embeddings computed with onnxruntime."""

    def __init__(self, model_path: str, onnx_file: Path) -> None:
        import onnxruntime as ort

        # Padding is configured once and never toggled: the tokenizer is shared by threads.
        self.tokenizer = load_tokenizer(model_path)
        self.tokenizer.enable_padding()
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = ort.InferenceSession(
            str(onnx_file), options, providers=["CPUExecutionProvider"]
        )
        self._input_names = {i.name for i in self.session.get_inputs()}

    def _embed(self, texts: list[str]) -> np.ndarray:
        vectors = []
        for start in range(0, len(texts), BATCH_SIZE):
            batch = texts[start : start + BATCH_SIZE]
            encodings = self.tokenizer.encode_batch(batch)  # padded to the batch's longest text
            ids = np.array([e.ids for e in encodings], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
            feeds = {"input_ids": ids, "attention_mask": mask}
            if "token_type_ids" in self._input_names:
                feeds["token_type_ids"] = np.zeros_like(ids)
            hidden = self.session.run(None, feeds)[0]
            weights = mask[..., None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
            norms = np.linalg.norm(pooled, axis=1, keepdims=True)
            vectors.append(pooled / np.clip(norms, 1e-12, None))
        if not vectors:
            return np.zeros((0, 384), dtype=np.float32)
        return np.vstack(vectors).astype(np.float32)

    def embed_array(self, texts: list[str]) -> np.ndarray:
        """Embeddings as one float32 matrix (rows are unit vectors)."""
        return self._embed(texts)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self._embed(list(texts)).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self._embed([text])[0].tolist()


class TorchEmbeddings(Embeddings):
    """The plain sentence-transformers model, kept for comparison and as a fallback."""

    def __init__(self, model_path: str) -> None:
        from sentence_transformers import SentenceTransformer

        self.model = SentenceTransformer(model_path, device="cpu")

    def embed_array(self, texts: list[str]) -> np.ndarray:
        return self.model.encode(
            list(texts), batch_size=BATCH_SIZE, normalize_embeddings=True, convert_to_numpy=True
        ).astype(np.float32)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed_array(list(texts)).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_array([text])[0].tolist()


def onnx_cache_path(data_dir: Path, model_path: str) -> Path:
    """Where the ONNX export of `model_path` lives; keyed by the model's config so a new model re-exports."""
    config = Path(model_path) / "config.json"
    key_source = model_path + (config.read_text() if config.exists() else "")
    key = hashlib.sha256(key_source.encode()).hexdigest()[:16]
    return data_dir / "models" / f"minilm-{key}" / "model.onnx"


def export_onnx(model_path: str, target: Path) -> Path:
    """Export the transformer of `model_path` to ONNX (fp32) with the classic exporter, atomically."""
    import torch
    from transformers import AutoModel

    class _HiddenStates(torch.nn.Module):
        """Calls the transformer by keyword (its positional order changes between versions)."""

        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.inner(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    target.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(target) + ".lock"):
        if target.exists():
            return target
        logger.info("Exporting %s to ONNX at %s (one time)", model_path, target)
        model = _HiddenStates(AutoModel.from_pretrained(model_path)).eval()
        tokenizer = load_tokenizer(model_path)
        sample = tokenizer.encode("Flanders biotech example sentence.")
        ids = torch.tensor([sample.ids], dtype=torch.long)
        mask = torch.tensor([sample.attention_mask], dtype=torch.long)
        types = torch.zeros_like(ids)
        partial = target.with_suffix(".partial")
        axes = {0: "batch", 1: "tokens"}
        with torch.no_grad():
            torch.onnx.export(
                model,
                (ids, mask, types),
                str(partial),
                input_names=["input_ids", "attention_mask", "token_type_ids"],
                output_names=["last_hidden_state"],
                dynamic_axes={
                    "input_ids": axes,
                    "attention_mask": axes,
                    "token_type_ids": axes,
                    "last_hidden_state": axes,
                },
                opset_version=17,
                dynamo=False,
            )
        os.replace(partial, target)
        (target.parent / "source.json").write_text(json.dumps({"model": model_path}))
    return target


def quantize_int8(source: Path, target: Path) -> Path:
    """Dynamic int8 quantisation of the MatMul weights, per channel.

    Per-channel MatMul-only keeps embeddings at cosine ~0.99 of the fp32 model; quantising
    every weight per tensor costs far more accuracy (~0.93) for little extra speed.
    """
    from onnxruntime.quantization import QuantType, quantize_dynamic

    with FileLock(str(target) + ".lock"):
        if target.exists():
            return target
        partial = target.with_suffix(".partial")
        quantize_dynamic(
            str(source),
            str(partial),
            weight_type=QuantType.QInt8,
            per_channel=True,
            reduce_range=False,
            op_types_to_quantize=["MatMul"],
        )
        os.replace(partial, target)
    return target


def onnx_model_file(data_dir: Path, model_path: str, variant: str) -> Path:
    """The ONNX file for `variant` ("onnx" fp32 or "onnx-int8"), exported on first use."""
    fp32 = onnx_cache_path(data_dir, model_path)
    if not fp32.exists():
        export_onnx(model_path, fp32)
    if variant == "onnx":
        return fp32
    int8 = fp32.with_name("model-int8.onnx")
    return int8 if int8.exists() else quantize_int8(fp32, int8)


def build_embeddings(settings: Settings) -> OnnxEmbeddings | TorchEmbeddings:
    """Load the configured embedding model once; callers keep and share the object."""
    model_path = settings.embedding_model_path
    if settings.embedding_backend == "torch" or not Path(model_path).is_dir():
        return TorchEmbeddings(model_path)
    return OnnxEmbeddings(
        model_path, onnx_model_file(settings.data_dir, model_path, settings.embedding_backend)
    )
