"""A data dir that fills up: one clear line, a distinct exit code, nothing half-written kept,
and the same command works again once there is room."""

from __future__ import annotations

import errno
import sqlite3

import pytest
from typer.testing import CliRunner

from assistant.config import get_settings
from assistant.embeddings import _write_atomically
from assistant.write_failures import EXIT_CODE
from cli.main import app
from ingest.indexing import CountingEmbeddings, Indexer
from ingest.record_manager import SQLiteRecordManager

pytestmark = pytest.mark.slow

NOTE = "Zorgbedrijf Quantix opened a lab in Kortrijk in 2024 with 12 staff and two robots."


@pytest.fixture
def cli(indexed_settings, monkeypatch):
    monkeypatch.setenv("FA_CORPUS_DIR", str(indexed_settings.corpus_dir))
    monkeypatch.setenv("FA_DATA_DIR", str(indexed_settings.data_dir))
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def disk_full(*args, **kwargs):
    raise sqlite3.OperationalError("database or disk is full")


def test_a_full_disk_during_add_rolls_back_and_the_add_can_be_retried(
    cli, indexed_settings, embeddings, monkeypatch, tmp_path
):
    note = tmp_path / "quantix.txt"
    note.write_text(NOTE)
    # The chunks reach Chroma, then the ledger write fails: the half-state of a full disk.
    monkeypatch.setattr(SQLiteRecordManager, "update", disk_full)
    result = cli.invoke(app, ["add", str(note)])
    assert result.exit_code == EXIT_CODE, result.output
    assert "the data dir is full" in result.output and "MB free" in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1

    indexer = Indexer(indexed_settings, embeddings=embeddings)
    assert indexer.store.ids_of("quantix") == set()  # nothing answerable left behind
    assert "quantix" not in {d.doc_id for d in indexer.documents()}
    assert not (indexed_settings.uploads_dir / "quantix.txt").exists()

    monkeypatch.undo()
    monkeypatch.setenv("FA_CORPUS_DIR", str(indexed_settings.corpus_dir))
    monkeypatch.setenv("FA_DATA_DIR", str(indexed_settings.data_dir))
    retried = cli.invoke(app, ["add", str(note)])
    assert retried.exit_code == 0, retried.output
    assert indexer.store.ids_of("quantix")


def test_a_full_disk_during_ingest_is_one_line_and_its_own_exit_code(
    cli, indexed_settings, monkeypatch
):
    page = indexed_settings.corpus_dir / "history" / "ablynx.md"
    page.write_text(page.read_text() + "\nAblynx also ran a small lab in Zwijnaarde.\n")

    def no_space(self, texts):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(CountingEmbeddings, "embed_documents", no_space)
    result = cli.invoke(app, ["ingest"])
    assert result.exit_code == EXIT_CODE, result.output
    assert "the data dir is full" in result.output and "Traceback" not in result.output


def test_a_failed_export_leaves_no_partial_file(tmp_path):
    target = tmp_path / "models" / "exported.onnx"

    def write(partial):
        partial.write_bytes(b"\0" * 1000)
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(OSError):
        _write_atomically(target, write)
    assert not target.exists()
    assert [p.name for p in target.parent.iterdir() if not p.name.endswith(".lock")] == []


def test_removing_a_shipped_page_needs_yes(cli, indexed_settings):
    page = indexed_settings.corpus_dir / "history" / "ablynx.md"
    refused = cli.invoke(app, ["remove", "ablynx"])
    assert refused.exit_code == 1 and "--yes" in refused.output
    assert page.exists()
    confirmed = cli.invoke(app, ["remove", "ablynx", "--yes"])
    assert confirmed.exit_code == 0, confirmed.output
    assert not page.exists()
