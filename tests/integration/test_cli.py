"""What a new user meets at the command line: tables that line up, and one-line messages (exit
code 2) for bad input instead of tracebacks or blame in the wrong place."""

from __future__ import annotations

import socket

import pytest
from typer.testing import CliRunner

import ingest.cli
from assistant.config import get_settings
from cli.main import app

pytestmark = pytest.mark.slow  # indexes a corpus or starts processes: not the fast subset


@pytest.fixture
def cli_env(indexed_settings, monkeypatch):
    """The CLI's environment pointing at an indexed small corpus."""
    monkeypatch.setenv("FA_CORPUS_DIR", str(indexed_settings.corpus_dir))
    monkeypatch.setenv("FA_DATA_DIR", str(indexed_settings.data_dir))
    get_settings.cache_clear()
    yield indexed_settings
    get_settings.cache_clear()


def assert_one_line_refusal(result, *words: str) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    for word in words:
        assert word in result.output, result.output


def test_docs_table_headers_match_columns_at_100_columns(cli_env, monkeypatch):
    monkeypatch.setattr(ingest.cli.console, "width", 100)
    result = CliRunner().invoke(app, ["docs"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    header = next(line for line in lines if " kind " in line)
    order = [header.index(f" {name} ") for name in ("id", "kind", "lang", "chunks", "indexed")]
    assert order == sorted(order) and order[-1] < header.index(" title")
    records = ingest.cli.Indexer(cli_env).documents()
    for record in records:
        row = next(line for line in lines if f" {record.doc_id} " in line)
        cells = [cell.strip() for cell in row.split("│")[1:-1]]
        assert cells[:4] == [record.doc_id, record.kind, record.language, str(record.chunks)]
        assert "…" not in "".join(cells[:5])
    assert all(len(line) <= 100 for line in lines)


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["ask", "Who acquired Ablynx?", "--backend", "gpt"], "--backend"),
        (["ask", "Who acquired Ablynx?", "--kind", "foo"], "--kind"),
        (["eval", "--backend", "gpt"], "--backend"),
    ],
)
def test_unknown_choices_are_refused_before_any_work(args, option):
    result = CliRunner().invoke(app, args)
    assert_one_line_refusal(result, option, args[-1])


def test_add_with_a_bogus_kind_names_the_option_not_the_front_matter(cli_env, tmp_path):
    note = tmp_path / "note.txt"
    note.write_text("Quantix opened a lab in Kortrijk in 2024 with 12 staff.")
    result = CliRunner().invoke(app, ["add", str(note), "--kind", "bogus"])
    assert_one_line_refusal(result, "--kind", "bogus")
    assert "front matter" not in result.output
    assert not (cli_env.uploads_dir / "note.txt").exists()


def test_add_a_folder_says_it_is_a_folder(cli_env, tmp_path):
    folder = tmp_path / "notes"
    folder.mkdir()
    result = CliRunner().invoke(app, ["add", str(folder)])
    assert result.exit_code == 1
    assert "is a folder" in result.output and "unsupported" not in result.output


def test_add_twice_names_the_replace_flag(cli_env, tmp_path):
    note = tmp_path / "note.txt"
    note.write_text("Quantix opened a lab in Kortrijk in 2024 with 12 staff.")
    runner = CliRunner()
    assert runner.invoke(app, ["add", str(note)]).exit_code == 0
    again = runner.invoke(app, ["add", str(note)])
    assert again.exit_code == 1 and "--replace" in again.output
    replaced = runner.invoke(app, ["add", str(note), "--replace"])
    assert replaced.exit_code == 0, replaced.output


def test_serve_on_a_busy_port_names_our_settings(monkeypatch, tmp_path):
    monkeypatch.setenv("FA_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(app, ["serve", "--port", str(port)])
    get_settings.cache_clear()
    assert_one_line_refusal(result, str(port), "--port", "FA_PORT")
    assert "GRADIO_SERVER_PORT" not in result.output and "Serving on" not in result.output
