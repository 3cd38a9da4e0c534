"""The answer-quality gate: each question set through the default backend, against thresholds."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from assistant.evaluation.dataset import load_dataset
from assistant.evaluation.metrics import summarise
from assistant.evaluation.runner import run_items

EVAL = Path(__file__).parent / "eval"
THRESHOLDS = tomllib.loads((EVAL / "thresholds.toml").read_text())
UPPER_BOUNDS = {"false_refusal_rate"}


@pytest.mark.parametrize("name", sorted(THRESHOLDS))
def test_dataset_is_well_formed(name):
    items = load_dataset(EVAL / f"{name}.jsonl")
    assert len(items) >= 120
    assert sum(not i.answerable for i in items) >= 20
    assert sum(bool(i.history) for i in items) >= 15
    assert sum(i.language == "nl" for i in items) >= 12


@pytest.mark.parametrize("name", sorted(THRESHOLDS))
def test_answer_quality_meets_thresholds(shipped_assistant, name):
    summary = summarise(run_items(shipped_assistant, load_dataset(EVAL / f"{name}.jsonl")))
    failures = []
    for metric, bound in THRESHOLDS[name].items():
        value = summary[metric]
        ok = value <= bound if metric in UPPER_BOUNDS else value >= bound
        if not ok:
            failures.append(f"{metric} = {value} (limit {bound})")
    assert not failures, "; ".join(failures)
