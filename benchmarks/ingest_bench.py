"""Ingestion figures: embedding speed per backend variant, full and no-op sync, peak memory.

    python benchmarks/ingest_bench.py [--synthetic 5000] [--variants torch,onnx,onnx-int8]

Prints chunks/s (median of 3 passes) for full 256-token chunks per embedding variant, with
its mean cosine to the first variant listed (torch by default); the seconds of a full and a
no-op sync of the shipped corpus, padded to 100 documents when smaller (in process and through
the CLI); and the peak RSS. Run it on an idle machine: the figures are wall-clock.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from assistant.config import load_settings
from assistant.embeddings import (
    MAX_TOKENS,
    OnnxEmbeddings,
    TorchEmbeddings,
    load_tokenizer,
    onnx_model_file,
)
from ingest.corpus_check import corpus_pages
from ingest.indexing import Indexer

ROOT = Path(__file__).resolve().parents[1]


def full_window_texts(count: int, model_path: str) -> list[str]:
    """Texts of exactly the model's window (256 word pieces), cut from the shipped corpus."""
    tokenizer = load_tokenizer(model_path)
    words = " ".join(p.read_text(encoding="utf-8") for p in corpus_pages(ROOT / "corpus")).split()
    texts, start = [], 0
    while len(texts) < count:
        piece = " ".join(words[start : start + 260])
        start = (start + 260) % max(1, len(words) - 300)
        ids = tokenizer.encode(piece).ids  # truncated to MAX_TOKENS by the tokenizer
        texts.append(tokenizer.decode(ids[1:-1]))
    assert all(len(tokenizer.encode(t).ids) >= MAX_TOKENS - 8 for t in texts[:5])
    return texts


def speed(embedder, texts: list[str], runs: int = 3) -> tuple[float, np.ndarray]:
    """Median chunks/s over `runs` passes (after a warm-up), and the vectors."""
    embedder.embed_array(texts[:16])
    rates = []
    for _ in range(runs):
        started = time.perf_counter()
        vectors = embedder.embed_array(texts)
        rates.append(len(texts) / (time.perf_counter() - started))
    return float(np.median(rates)), vectors


def corpus_of_100(target: Path) -> Path:
    """The shipped pages, plus copies under new ids when there are fewer than 100."""
    shutil.copytree(ROOT / "corpus", target, ignore=shutil.ignore_patterns("uploads", "README.md"))
    pages = corpus_pages(target)
    for number, page in enumerate(pages[: max(0, 100 - len(pages))]):
        text = page.read_text(encoding="utf-8").replace("\nid: ", f"\nid: copy{number}-", 1)
        (page.parent / f"copy{number}-{page.name}").write_text(text, encoding="utf-8")
    return target


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chunks", type=int, default=160, help="full-window chunks per variant")
    parser.add_argument(
        "--synthetic", type=int, default=5000, help="chunks for the large run (0: skip)"
    )
    parser.add_argument("--variants", default="torch,onnx,onnx-int8")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="fa-bench-"))
    settings = load_settings(data_dir=work / "data", corpus_dir=corpus_of_100(work / "corpus"))
    texts = full_window_texts(args.chunks, settings.embedding_model_path)
    print(f"== embedding {len(texts)} chunks of {MAX_TOKENS} tokens, {os.cpu_count()} cores")
    reference, reference_name = None, ""
    for variant in args.variants.split(","):
        if variant == "torch":
            embedder = TorchEmbeddings(settings.embedding_model_path)
        else:
            embedder = OnnxEmbeddings(
                settings.embedding_model_path,
                onnx_model_file(settings.data_dir, settings.embedding_model_path, variant),
            )
        rate, vectors = speed(embedder, texts)
        if reference is None:  # the first variant listed (torch by default) is the yardstick
            reference, reference_name = vectors, variant
        cosine = float(np.mean(np.sum(vectors * reference, axis=1)))
        query_started = time.perf_counter()
        for _ in range(50):
            embedder.embed_query("Who acquired Ablynx and when?")
        query_ms = (time.perf_counter() - query_started) / 50 * 1000
        print(
            f"{variant:10s} {rate:6.1f} chunks/s  cosine to {reference_name} {cosine:.4f}  query {query_ms:.1f} ms"
        )
        if args.synthetic and variant == settings.embedding_backend:
            many = (texts * (args.synthetic // len(texts) + 1))[: args.synthetic]
            started = time.perf_counter()
            embedder.embed_array(many)
            print(
                f"{variant:10s} {args.synthetic} synthetic chunks: {args.synthetic / (time.perf_counter() - started):.1f} chunks/s"
            )

    print(f"== sync of a {len(corpus_pages(settings.corpus_dir))}-document corpus")
    indexer = Indexer(settings)
    report = indexer.sync()
    print(
        f"full sync:  {len(report.added)} documents, {report.chunks_embedded} chunks, {report.seconds:.1f} s"
    )
    report = indexer.sync()
    print(
        f"no-op sync: {report.chunks_embedded} chunks embedded, {report.seconds:.2f} s (in process)"
    )
    env = {
        **os.environ,
        "FA_DATA_DIR": str(settings.data_dir),
        "FA_CORPUS_DIR": str(settings.corpus_dir),
    }
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "cli", "ingest"], env=env, check=True, capture_output=True
    )
    print(f"no-op sync: {time.perf_counter() - started:.2f} s (CLI, process start included)")
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
