"""Run a dataset through an answering pipeline and collect the scores."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from assistant.answers import Answer
from assistant.config import Settings
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


def run_details(settings: Settings, dataset: Path, backend: str) -> dict:
    """When, from which commit and with which settings a run was made: a report is only
    comparable with another made the same way."""
    return {
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "commit": _commit(),
        "dataset": str(dataset),
        "backend": backend,
        "embedding_model": settings.embedding_model or "all-MiniLM-L6-v2 (packaged)",
        "embedding_backend": settings.embedding_backend,
        "retrieval_k": settings.retrieval_k,
        "chunk_tokens": settings.chunk_tokens,
    }


def _commit() -> str:
    """The checked-out commit, marked '-dirty' when files differ from it; 'unknown' outside git."""
    root = Path(__file__).resolve().parents[2]
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"], cwd=root, capture_output=True, text=True
        )
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            capture_output=True,
            text=True,
        )
    except OSError:
        return "unknown"
    if head.returncode != 0:
        return "unknown"
    return head.stdout.strip() + ("-dirty" if status.stdout.strip() else "")


def results_document(scores: list[ItemScore], backend: str, run: dict | None = None) -> dict:
    """The JSON other tools read: {"run": {...}, "summary": {...}, "results": [...]}."""
    return {
        "run": run or {"backend": backend},
        "summary": {
            "backend": backend,
            **summarise(scores),
            "by_topic": summarise_by(scores, "topic"),
            "by_language": summarise_by(scores, "language"),
            "by_kind": summarise_by(scores, "kind"),
        },
        "results": [{**score.__dict__, "passed": score.passed} for score in scores],
    }


def comparison(old_path: Path, new: dict) -> dict:
    """Per metric old -> new, and the questions that newly fail or newly pass."""
    old = json.loads(old_path.read_text(encoding="utf-8"))
    metrics = [
        (key, before, value)
        for key, value in new["summary"].items()
        if isinstance(value, int | float)
        and not isinstance(value, bool)
        and isinstance(before := old["summary"].get(key), int | float)
    ]
    previous = {r["id"]: r.get("passed") for r in old["results"]}
    newly_failing, newly_passing = [], []
    for result in new["results"]:
        was = previous.get(result["id"])
        if was is True and not result["passed"]:
            newly_failing.append(result)
        elif was is False and result["passed"]:
            newly_passing.append(result)
    return {
        "old": str(old_path),
        "old_run": old.get("run", {}),
        "metrics": metrics,
        "newly_failing": newly_failing,
        "newly_passing": newly_passing,
    }


def comparison_lines(change: dict) -> list[str]:
    """The comparison as terminal lines."""
    lines = [
        f"{key:22s} {before:>9.3f} -> {value:>9.3f} ({value - before:+.3f})"
        for key, before, value in change["metrics"]
    ]
    lines += [f"now failing: {r['id']}: {r['question']}" for r in change["newly_failing"]]
    lines += [f"now passing: {r['id']}: {r['question']}" for r in change["newly_passing"]]
    return lines
