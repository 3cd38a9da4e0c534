"""The ONNX variants against the torch model they were exported from (real packaged model)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import onnx
import pytest

from assistant.config import load_settings
from assistant.embeddings import OnnxEmbeddings, TorchEmbeddings, onnx_model_file
from tests.conftest import ROOT

pytestmark = pytest.mark.slow  # indexes a corpus or starts processes: not the fast subset

TEXTS = [
    "Who founded Ablynx?",
    "VIB",
    "imec is a research centre in Leuven for nanoelectronics and digital technology. " * 12,
    "When did argenx get its first approval, and where is the company based?",
    "Wie heeft Ablynx overgenomen?",
]


@pytest.fixture(scope="module")
def torch_vectors() -> np.ndarray:
    return TorchEmbeddings(load_settings().embedding_model_path).embed_array(TEXTS)


@pytest.mark.parametrize(("variant", "min_cosine"), [("onnx", 0.9999), ("onnx-int8", 0.98)])
def test_onnx_variant_matches_torch_in_any_batch_order(
    variant, min_cosine, model_cache, torch_vectors
):
    model_path = load_settings().embedding_model_path
    embedder = OnnxEmbeddings(model_path, onnx_model_file(model_cache, model_path, variant))
    batched = embedder.embed_array(TEXTS)  # mixed lengths: sorted into batches, then restored
    one_by_one = np.vstack([embedder.embed_array([text]) for text in TEXTS])
    # int8 quantises activations per batch, so its vectors shift a little with the company.
    assert np.min(np.sum(batched * one_by_one, axis=1)) >= min_cosine
    assert np.min(np.sum(batched * torch_vectors, axis=1)) >= min_cosine


def test_default_export_uses_fused_attention(model_cache):
    """A regression to the SDPA export (about 20 % slower) would lose these fused kernels."""
    model_path = load_settings().embedding_model_path
    graph = onnx.load(str(onnx_model_file(model_cache, model_path, "onnx"))).graph
    op_types = {node.op_type for node in graph.node}
    assert {"Attention", "SkipLayerNormalization"} <= op_types


def test_first_export_prints_nothing(tmp_path):
    """A first `make run` shows one line per step: no weight-loading bar, no tracer warnings."""
    script = (
        "from assistant.config import load_settings\n"
        "from assistant.embeddings import export_onnx\n"
        "import sys\n"
        "export_onnx(load_settings().embedding_model_path, __import__('pathlib').Path(sys.argv[1]))\n"
    )
    target = tmp_path / "exported.onnx"
    done = subprocess.run(
        [sys.executable, "-W", "default", "-c", script, str(target)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert target.exists()
    assert done.stdout == "" and done.stderr == ""
