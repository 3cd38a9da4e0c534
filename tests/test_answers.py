"""The answer-quality gate: each question set through the default backend, against thresholds.

A set may name a `split` in thresholds.toml: the visitor set is gated on its locked test
split only (its train and dev splits built and calibrated the answer model).
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from assistant.evaluation.dataset import load_dataset
from assistant.evaluation.gate import UPPER_BOUNDS
from assistant.evaluation.metrics import summarise
from assistant.evaluation.runner import run_items

EVAL = Path(__file__).parent / "eval"
THRESHOLDS = tomllib.loads((EVAL / "thresholds.toml").read_text())


@pytest.mark.parametrize("name", sorted(THRESHOLDS))
def test_dataset_is_well_formed(name):
    items = load_dataset(EVAL / f"{name}.jsonl")
    assert len(items) >= 120
    assert sum(not i.answerable for i in items) >= 20
    assert sum(bool(i.history) for i in items) >= 15
    assert sum(i.language == "nl" for i in items) >= 12


def test_visitor_set_has_its_kinds_and_a_recorded_split():
    items = load_dataset(EVAL / "visitors.jsonl")
    assert len(items) >= 400
    assert sum(not i.answerable for i in items) >= 100
    assert {i.split for i in items} == {"train", "dev", "test"}
    shares = {s: sum(i.split == s for i in items) / len(items) for s in ("train", "dev", "test")}
    assert 0.55 <= shares["train"] <= 0.65 and 0.15 <= shares["test"] <= 0.25
    kinds = {i.kind for i in items}
    assert {"keyword", "typo", "paraphrase", "dutch", "followup", "why_how", "list"} <= kinds
    assert {"neighbour", "offtopic", "live", "howto"} <= kinds
    # Dutch on a par: separable verbs, compounds, lower case and follow-ups, and refusals.
    dutch = [i for i in items if i.language == "nl"]
    assert len(dutch) >= 170 and sum(not i.answerable for i in dutch) >= 40
    assert {"nl_separable_verb", "nl_compound", "nl_lowercase", "nl_followup"} <= kinds
    assert {"train", "dev", "test"} == {i.split for i in dutch}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(THRESHOLDS))
def test_answer_quality_meets_thresholds(shipped_assistant, name):
    """The set's metrics, and those of its questions in one language (a sub-table such as
    [visitors.nl]), against their bounds."""
    gate = dict(THRESHOLDS[name])
    split = gate.pop("split", None)
    scores = run_items(shipped_assistant, load_dataset(EVAL / f"{name}.jsonl", split))
    languages = {key: gate.pop(key) for key in list(gate) if isinstance(gate[key], dict)}
    failures = _failures(summarise(scores), gate, name)
    for language, bounds in languages.items():
        subset = [s for s in scores if s.language == language]
        failures += _failures(summarise(subset), bounds, f"{name}.{language}")
    assert not failures, "; ".join(failures)


def _failures(summary: dict, bounds: dict[str, float], where: str) -> list[str]:
    failures = []
    for metric, bound in bounds.items():
        value = summary[metric]
        ok = value <= bound if metric in UPPER_BOUNDS else value >= bound
        if not ok:
            failures.append(f"{where}: {metric} = {value} (limit {bound})")
    return failures
