"""Query figures: cold start to first answer, retrieval and end-to-end latency (extractive).

    python benchmarks/query_bench.py [--rounds 2] [--dataset tests/eval/questions.jsonl ...]

Uses the index in FA_DATA_DIR (run `flanders-assistant ingest` first) and the questions of
the given sets. Cold start is measured in a fresh process, imports included. To compare two
answerers in one run, run it from each checkout back to back (PYTHONPATH=the checkout).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

COLD_START = """
import time; started = time.perf_counter()
from assistant.config import load_settings
from assistant.service import Assistant
assistant = Assistant(load_settings())
assistant.answer("Who acquired Ablynx?")
print(time.perf_counter() - started)
"""


def percentiles(values: list[float]) -> str:
    return f"p50 {np.percentile(values, 50):.1f} ms, p95 {np.percentile(values, 95):.1f} ms, p99 {np.percentile(values, 99):.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument(
        "--dataset", type=Path, nargs="+", default=[Path("tests/eval/questions.jsonl")]
    )
    args = parser.parse_args()
    cold = subprocess.run(
        [sys.executable, "-c", COLD_START], capture_output=True, text=True, check=True
    )
    print(f"cold start to first answer: {float(cold.stdout.strip().splitlines()[-1]):.2f} s")

    from assistant.config import load_settings
    from assistant.evaluation.dataset import load_dataset
    from assistant.service import Assistant

    assistant = Assistant(load_settings())
    assistant.warmed.wait()
    items = [item for path in args.dataset for item in load_dataset(path)]
    retrieval, total = [], []
    for _ in range(args.rounds):
        for item in items:
            started = time.perf_counter()
            assistant.retriever.retrieve(item.question, assistant.settings.retrieval_k)
            retrieval.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            assistant.answer(item.question, item.history)
            total.append((time.perf_counter() - started) * 1000)
    print(f"{len(total)} questions, warm process, extractive backend")
    print(f"retrieval (embed + dense + BM25 + fusion): {percentiles(retrieval)}")
    print(f"end-to-end answer:                         {percentiles(total)}")


if __name__ == "__main__":
    main()
