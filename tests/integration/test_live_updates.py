"""Staff change the corpus from the command line while the assistant is serving (embedded index)."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from assistant.service import Assistant
from tests.conftest import ROOT

pytestmark = pytest.mark.slow  # indexes a corpus or starts processes: not the fast subset

PAGE = """---
id: zwalmbio
title: Zwalmbio
kind: ecosystem
language: en
sources: [https://example.org/zwalmbio]
---
# Zwalmbio

## Founding

Zwalmbio was founded in Zwalm in 2031 by Ria Verbeke to build enzyme sensors.
"""


def cli(settings, *args: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "FA_CORPUS_DIR": str(settings.corpus_dir),
        "FA_DATA_DIR": str(settings.data_dir),
    }
    return subprocess.run(
        [sys.executable, "-m", "cli", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,  # run() kills the child when it expires
    )


def test_cli_add_and_remove_reach_a_running_assistant(indexed_settings, embeddings, tmp_path):
    assistant = Assistant(indexed_settings, embeddings=embeddings, warm=False)
    assert assistant.answer("Who founded Zwalmbio?").refused

    page = tmp_path / "zwalmbio.md"
    page.write_text(PAGE)
    assert cli(indexed_settings, "add", str(page)).returncode == 0
    time.sleep(1.1)  # the retriever looks at the index version at most once a second
    answer = assistant.answer("Who founded Zwalmbio?")
    assert not answer.refused and "Ria Verbeke" in answer.text
    assert "Sanofi" in assistant.answer("Who acquired Ablynx?").text  # the rest still answers

    assert cli(indexed_settings, "remove", "zwalmbio").returncode == 0
    time.sleep(1.1)
    answer = assistant.answer("Who founded Zwalmbio?")
    assert answer.refused and "zwalmbio" not in {c.doc_id for c in answer.contexts}
