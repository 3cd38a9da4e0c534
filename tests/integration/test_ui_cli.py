"""The web app's CLI commands: votes exported as evaluation lines, `serve` options."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from assistant.answers import Answer, Citation
from assistant.config import get_settings, load_settings
from assistant.feedback import FeedbackStore
from cli.main import app


def answer_citing(*doc_ids: str, refused: bool = False) -> Answer:
    citations = [
        Citation(n, doc_id, doc_id.title(), f"https://example.org/{doc_id}", "", "text", 0.9)
        for n, doc_id in enumerate(doc_ids, 1)
    ]
    return Answer("Sanofi acquired Ablynx in 2018. [1]", citations, refused, "extractive")


def test_feedback_export_writes_eval_dataset_lines(tmp_path, monkeypatch):
    monkeypatch.setenv("FA_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    try:
        store = FeedbackStore(load_settings())
        store.record(
            "When was that?",
            answer_citing("ablynx", "ablynx", "vib"),
            "up",
            ["Who acquired Ablynx?"],
        )
        store.record("Best stoofvlees?", answer_citing(refused=True), "down")
        out = tmp_path / "feedback.jsonl"
        result = CliRunner().invoke(app, ["feedback", "export", str(out)])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "2 feedback lines" in result.output
    first, second = (json.loads(line) for line in out.read_text().splitlines())
    assert first == {
        "id": "feedback-1",
        "question": "When was that?",
        "must_include": [],
        "answerable": True,
        "expected_doc_ids": ["ablynx", "vib"],
        "history": ["Who acquired Ablynx?"],
        "feedback": "up",
        "answer": "Sanofi acquired Ablynx in 2018. [1]",
    }
    assert second["answerable"] is False and second["feedback"] == "down"
    assert second["expected_doc_ids"] == []


def test_serve_offers_host_and_port_overrides():
    result = CliRunner().invoke(app, ["serve", "--help"])
    assert result.exit_code == 0
    assert "--host" in result.output and "--port" in result.output
