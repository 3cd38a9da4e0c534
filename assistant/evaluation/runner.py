"""Run a dataset through an answering pipeline and collect the scores."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from assistant.answers import Answer
from assistant.evaluation.dataset import EvalItem
from assistant.evaluation.metrics import ItemScore, score_item, summarise, summarise_by


class Answering(Protocol):
    def answer(self, question: str, history=()) -> Answer: ...


def run_items(
    pipeline: Answering, items: list[EvalItem], on_item: Callable[[ItemScore], None] | None = None
) -> list[ItemScore]:
    """Answer every item (the same call the UI makes) and score it."""
    scores = []
    for item in items:
        started = time.perf_counter()
        answer = pipeline.answer(item.question, item.history)
        score = score_item(item, answer, (time.perf_counter() - started) * 1000)
        scores.append(score)
        if on_item:
            on_item(score)
    return scores


def results_document(scores: list[ItemScore], backend: str) -> dict:
    """The JSON other tools read: {"summary": {...}, "results": [...]}."""
    return {
        "summary": {
            "backend": backend,
            **summarise(scores),
            "by_topic": summarise_by(scores, "topic"),
            "by_language": summarise_by(scores, "language"),
            "by_kind": summarise_by(scores, "kind"),
        },
        "results": [{**score.__dict__, "passed": score.passed} for score in scores],
    }


def compare(old_path: Path, new: dict) -> list[str]:
    """Lines describing the change per metric and the items that went from pass to fail."""
    old = json.loads(old_path.read_text(encoding="utf-8"))
    lines = []
    for key, value in new["summary"].items():
        before = old["summary"].get(key)
        if isinstance(value, int | float) and isinstance(before, int | float):
            lines.append(f"{key:22s} {before:>9.3f} -> {value:>9.3f} ({value - before:+.3f})")
    previous = {r["id"]: r.get("passed") for r in old["results"]}
    for result in new["results"]:
        if previous.get(result["id"]) and not result["passed"]:
            lines.append(f"now failing: {result['id']}: {result['question']}")
    return lines
