"""Time to first token and tokens per second of the llamacpp answerer, warm.

Indexes the shipped corpus into a data dir (a fresh temporary one unless --data-dir is
given), loads the GGUF (the packaged Gemma 3 270M unless FA_LLM_MODEL_PATH is set) with one
warm-up question, then streams each question through Assistant.stream and times the deltas.
Time to first token is measured from the call, so it includes retrieval and prompt evaluation.

    python benchmarks/llm_bench.py [--data-dir DIR] [--max-tokens 128]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from assistant.answers import Answer
from assistant.config import load_settings
from assistant.embeddings import build_embeddings
from assistant.service import Assistant
from ingest.indexing import Indexer

WARM_UP = "What is VIB?"
QUESTIONS = [
    "Who founded Ablynx?",
    "When was UCB founded?",
    "What does argenx develop?",
    "What happened to TiGenix?",
    "Wat doet imec in de gezondheidszorg?",
]


def timed(assistant: Assistant, question: str) -> tuple[float, int, float, Answer]:
    """Seconds to the first delta, number of deltas, seconds from first to last, the Answer."""
    started = time.perf_counter()
    stamps: list[float] = []
    for item in assistant.stream(question, backend="llamacpp"):
        if isinstance(item, Answer):
            first, last = (stamps[0], stamps[-1]) if stamps else (time.perf_counter(),) * 2
            return first - started, len(stamps), last - first, item
        stamps.append(time.perf_counter())
    raise RuntimeError("the answerer ended without an answer")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--max-tokens", type=int, default=128)
    args = parser.parse_args()
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="llm-bench-"))
    settings = load_settings(data_dir=data_dir, llm_max_tokens=args.max_tokens, llm_timeout_s=600.0)
    embeddings = build_embeddings(settings)
    started = time.perf_counter()
    report = Indexer(settings, embeddings=embeddings).sync()
    print(
        f"index: {len(report.added) + len(report.updated) + len(report.unchanged)} documents "
        f"in {data_dir} ({time.perf_counter() - started:.1f} s)"
    )
    assistant = Assistant(settings, embeddings=embeddings)

    started = time.perf_counter()
    warm_up = timed(assistant, WARM_UP)[3]
    print(f"warm-up (model load): {time.perf_counter() - started:.1f} s, backend {warm_up.backend}")

    print(f"{'question':40} {'ttft ms':>8} {'tokens':>6} {'tok/s':>6}  notice")
    ttfts, rates = [], []
    for question in QUESTIONS:
        ttft, tokens, generating, answer = timed(assistant, question)
        rate = (tokens - 1) / generating if tokens > 1 and generating > 0 else 0.0
        ttfts.append(ttft * 1000)
        rates.append(rate)
        notice = answer.notice if answer.backend == "llamacpp" else f"FALLBACK: {answer.notice}"
        print(f"{question[:40]:40} {ttft * 1000:8.0f} {tokens:6d} {rate:6.1f}  {notice}")
    print(
        f"median: time to first token {statistics.median(ttfts):.0f} ms, "
        f"{statistics.median(rates):.1f} tokens/s "
        f"(max_tokens {args.max_tokens}; tokens = streamed deltas, one per token)"
    )


if __name__ == "__main__":
    main()
