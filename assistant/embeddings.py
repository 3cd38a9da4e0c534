"""Sentence embeddings behind LangChain's Embeddings interface.

Two backends for the same sentence-transformers model: plain torch and an ONNX export of
the model run by onnxruntime, which is over twice as fast on CPU and imports no torch at
query time. The export is made locally from the model on disk and cached in the data dir:
exported with eager attention (so onnxruntime's transformer optimiser can fuse each
attention block into one kernel), then fused (fp32, the default) or quantised (int8).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from filelock import FileLock
from langchain_core.embeddings import Embeddings

if TYPE_CHECKING:
    from assistant.config import Settings

logger = logging.getLogger(__name__)

MAX_TOKENS = 256  # all-MiniLM-L6-v2 reads at most this many word pieces and drops the rest
TORCH_BATCH_SIZE = 32
# Small batches keep the attention matrices in cache: on 2 cores, full 256-token chunks run
# at 56/s in batches of 4 against 50/s in batches of 16 (benchmarks/ingest_bench.py).
ONNX_BATCH_SIZE = 4
EXPORT_RECIPE = "eager-attention, bert fusion"  # part of the cache key: a new recipe re-exports


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
        # Texts of similar length share a batch, so little time goes into padding.
        order = sorted(range(len(texts)), key=lambda index: len(texts[index]))
        vectors = []
        for start in range(0, len(order), ONNX_BATCH_SIZE):
            batch = [texts[index] for index in order[start : start + ONNX_BATCH_SIZE]]
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
        result = np.empty((len(texts), vectors[0].shape[1]), dtype=np.float32)
        result[order] = np.vstack(vectors)
        return result

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
            list(texts),
            batch_size=TORCH_BATCH_SIZE,
            normalize_embeddings=True,
            convert_to_numpy=True,
        ).astype(np.float32)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed_array(list(texts)).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_array([text])[0].tolist()


def onnx_cache_dir(data_dir: Path, model_path: str) -> Path:
    """Where the ONNX files of `model_path` live; keyed by model, config and export recipe."""
    config = Path(model_path) / "config.json"
    key_source = model_path + (config.read_text() if config.exists() else "") + EXPORT_RECIPE
    key = hashlib.sha256(key_source.encode()).hexdigest()[:16]
    return data_dir / "models" / f"minilm-{key}"


def _write_atomically(target: Path, write: Callable[[Path], None]) -> Path:
    """Run `write(partial)` under a file lock and move the result into place, once."""
    if target.exists():  # the usual case; needs no lock, so a read-only data dir still works
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(target) + ".lock"):
        if not target.exists():
            partial = target.with_suffix(".partial")
            try:
                write(partial)
                os.replace(partial, target)
            finally:
                # A failed export (a full disk) leaves no tens of MB behind.
                if partial.is_dir():
                    shutil.rmtree(partial, ignore_errors=True)
                else:
                    partial.unlink(missing_ok=True)
    return target


def export_onnx(model_path: str, target: Path) -> Path:
    """Export the transformer of `model_path` to ONNX (fp32) with the classic exporter.

    Eager attention matters: the default SDPA attention exports to a graph that the
    transformer optimiser cannot recognise, and runs about 20 % slower.
    """

    def write(partial: Path) -> None:
        import torch  # only for the one-time export: queries never import torch
        from transformers import AutoModel
        from transformers.utils import logging as transformers_logging

        class _HiddenStates(torch.nn.Module):
            """Calls the transformer by keyword (its positional order changes between versions)."""

            def __init__(self, inner: torch.nn.Module) -> None:
                super().__init__()
                self.inner = inner

            def forward(self, input_ids, attention_mask, token_type_ids):
                return self.inner(
                    input_ids=input_ids,
                    attention_mask=attention_mask,
                    token_type_ids=token_type_ids,
                ).last_hidden_state

        logger.info("Exporting %s to ONNX at %s (one time)", model_path, target)
        # A first `make run` prints one line per step: the weight-loading bar and the
        # exporter's tracing warnings say nothing a user can act on.
        transformers_logging.disable_progress_bar()
        inner = AutoModel.from_pretrained(model_path, attn_implementation="eager")
        model = _HiddenStates(inner).eval()
        sample = load_tokenizer(model_path).encode("Flanders biotech example sentence.")
        ids = torch.tensor([sample.ids], dtype=torch.long)
        mask = torch.tensor([sample.attention_mask], dtype=torch.long)
        axes = {0: "batch", 1: "tokens"}
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                model,
                (ids, mask, torch.zeros_like(ids)),
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
        (target.parent / "source.json").write_text(json.dumps({"model": model_path}))

    return _write_atomically(target, write)


def fuse_fp32(source: Path, target: Path, model_path: str) -> Path:
    """Fuse attention, GELU and layer norms into onnxruntime's transformer kernels (still fp32).

    The arithmetic is unchanged (cosine 1.000 to torch); on 2 cores it is the difference
    between about 49 and 56 chunks/s. A model the BERT optimiser cannot read is kept unfused.
    """

    def write(partial: Path) -> None:
        from onnxruntime.transformers.optimizer import optimize_model

        config_file = Path(model_path) / "config.json"
        config = json.loads(config_file.read_text()) if config_file.exists() else {}
        try:
            optimised = optimize_model(
                str(source),
                model_type="bert",
                num_heads=int(config.get("num_attention_heads", 0)),
                hidden_size=int(config.get("hidden_size", 0)),
                opt_level=1,
            )
            optimised.save_model_to_file(str(partial))
        except Exception as error:  # any optimiser failure still leaves a working model
            logger.warning("ONNX fusion failed (%s); using the unfused export", error)
            shutil.copyfile(source, partial)

    return _write_atomically(target, write)


def quantize_int8(source: Path, target: Path) -> Path:
    """Dynamic int8 quantisation of the MatMul weights, per channel.

    Per-channel MatMul-only keeps embeddings at cosine ~0.99 of the fp32 model; quantising
    every weight per tensor costs far more accuracy (~0.93) for little extra speed.
    """

    def write(partial: Path) -> None:
        from onnxruntime.quantization import QuantType, quantize_dynamic

        quantize_dynamic(
            str(source),
            str(partial),
            weight_type=QuantType.QInt8,
            per_channel=True,
            reduce_range=False,
            op_types_to_quantize=["MatMul"],
        )

    return _write_atomically(target, write)


def onnx_model_file(data_dir: Path, model_path: str, variant: str) -> Path:
    """The ONNX file for `variant` ("onnx" fp32 or "onnx-int8"), made on first use."""
    folder = onnx_cache_dir(data_dir, model_path)
    exported = export_onnx(model_path, folder / "exported.onnx")
    if variant == "onnx":
        return fuse_fp32(exported, folder / "model.onnx", model_path)
    # int8 starts from the unfused graph: the quantiser does not know the fused kernels.
    return quantize_int8(exported, folder / "model-int8.onnx")


def build_embeddings(settings: Settings) -> OnnxEmbeddings | TorchEmbeddings:
    """Load the configured embedding model once; callers keep and share the object."""
    model_path = settings.embedding_model_path
    if settings.embedding_backend == "torch" or not Path(model_path).is_dir():
        return TorchEmbeddings(model_path)
    return OnnxEmbeddings(
        model_path, onnx_model_file(settings.data_dir, model_path, settings.embedding_backend)
    )
