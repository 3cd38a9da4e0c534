"""`flanders-assistant eval --report --compare`: the report says when, from which commit and
with which settings it was made, how each metric stands against the gate, what each metric
means, and what changed since an earlier run: in the HTML and in the Markdown."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from typer.testing import CliRunner

from assistant.config import get_settings
from assistant.evaluation.report import DEFINITIONS
from cli.main import app

pytestmark = pytest.mark.slow  # indexes a corpus or starts processes: not the fast subset

QUESTIONS = [
    {
        "id": "ablynx-buyer",
        "question": "Who acquired Ablynx?",
        "must_include": ["Sanofi"],
        "expected_doc_ids": ["ablynx"],
    },
    {"id": "stoofvlees", "question": "What is the best stoofvlees recipe?", "answerable": False},
    {
        "id": "impossible",
        "question": "Who founded argenx?",
        "must_include": ["a term no answer contains"],
    },
]


def test_report_holds_run_gate_definitions_and_comparison(indexed_settings, monkeypatch, tmp_path):
    monkeypatch.setenv("FA_CORPUS_DIR", str(indexed_settings.corpus_dir))
    monkeypatch.setenv("FA_DATA_DIR", str(indexed_settings.data_dir))
    monkeypatch.setenv("FA_EMBEDDING_BACKEND", "onnx")
    get_settings.cache_clear()
    dataset = tmp_path / "tiny.jsonl"
    dataset.write_text("\n".join(json.dumps(q) for q in QUESTIONS))
    thresholds = tmp_path / "thresholds.toml"
    thresholds.write_text(
        "[tiny]\nhit_at_5 = 0.5\nanswer_recall = 0.99\nfalse_refusal_rate = 0.5\n"
    )
    # An earlier run in which the first question failed and the impossible one passed.
    old = tmp_path / "old.json"
    first = CliRunner().invoke(app, ["eval", "--dataset", str(dataset), "--json", str(old)])
    assert first.exit_code == 0, first.output
    earlier = json.loads(old.read_text())
    for result in earlier["results"]:
        result["passed"] = {"ablynx-buyer": False, "impossible": True}.get(
            result["id"], result["passed"]
        )
    earlier["summary"]["pass_rate"] = 0.25
    old.write_text(json.dumps(earlier))

    result = CliRunner().invoke(
        app,
        [
            "eval",
            "--dataset",
            str(dataset),
            "--thresholds",
            str(thresholds),
            "--report",
            str(tmp_path / "report"),
            "--compare",
            str(old),
        ],
    )
    get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    page = (tmp_path / "report" / "index.html").read_text()
    markdown = (tmp_path / "report" / "summary.md").read_text()
    today = dt.date.today().isoformat()
    for text in (page, markdown):
        assert today in text
        assert re.search(r"\b[0-9a-f]{12}\b", text) or "unknown" in text  # the commit
        assert "extractive" in text and "onnx" in text  # backend and embedding variant
        # The gate: answer_recall cannot reach 0.99 with an impossible term; hit_at_5 can.
        assert re.search(r"answer_recall.{0,80}?≥ 0\.99.{0,40}?FAIL", text)
        assert re.search(r"hit_at_5.{0,80}?≥ 0\.5.{0,40}?pass", text)
        assert "Gate: 2/3 metrics pass" in text
        assert "0.25" in text  # pass_rate before -> now
        assert re.search(r"Newly failing \(1\).*impossible", text, re.DOTALL)
        assert re.search(r"Newly passing \(1\).*ablynx-buyer", text, re.DOTALL)
    summary = json.loads(old.read_text())["summary"]
    for key, value in summary.items():
        if isinstance(value, int | float) and key != "items":
            assert key in DEFINITIONS, f"no definition for {key}"
            assert DEFINITIONS[key] in markdown
    assert "<pre>" not in page  # tables, not raw Markdown in a box
