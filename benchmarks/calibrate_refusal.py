"""Calibrate the extractive answerer's evidence threshold on the evaluation set.

Runs every question with the threshold at 0, records each answer's evidence score, and
prints refusal recall and false-refusal rate for a sweep of thresholds; the suggested value
is the highest one that keeps false refusals at or under the target.

    python benchmarks/calibrate_refusal.py [--dataset tests/eval/questions.jsonl] [--max-false 0.05]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from assistant.config import load_settings
from assistant.evaluation.dataset import load_dataset
from assistant.evaluation.metrics import found_terms
from assistant.service import Assistant


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dataset", type=Path, default=Path("tests/eval/questions.jsonl"))
    parser.add_argument("--max-false", type=float, default=0.05)
    args = parser.parse_args()
    assistant = Assistant(load_settings())
    assistant.extractive.min_evidence = 0.0
    rows = []
    for item in load_dataset(args.dataset):
        answer = assistant.answer(item.question, item.history)
        correct = len(found_terms(item.must_include, answer.text)) == len(item.must_include)
        rows.append((item.answerable, answer.evidence, correct))
    answerable = np.array([e for a, e, _ in rows if a])
    unanswerable = np.array([e for a, e, _ in rows if not a])
    print(f"{len(answerable)} answerable, {len(unanswerable)} unanswerable")
    print("threshold  refusal_recall  false_refusals")
    best = 0.0
    for threshold in np.arange(0.0, 0.75, 0.02):
        recall = float(np.mean(unanswerable < threshold))
        false = float(np.mean(answerable < threshold))
        print(f"{threshold:9.2f}  {recall:14.3f}  {false:14.3f}")
        if false <= args.max_false:
            best = float(threshold)
    print(f"suggested threshold: {best:.2f} (false refusals <= {args.max_false:.0%})")


if __name__ == "__main__":
    main()
