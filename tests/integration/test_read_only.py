"""A prebuilt index on a read-only volume (a container's normal deployment): `ask` and the
web app answer from it without writing a byte, and feedback is switched off with a notice."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.config import Settings
from tests.conftest import ROOT, free_port

pytestmark = pytest.mark.slow
gradio_client = pytest.importorskip("gradio_client", reason="needs gradio_client")


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in folder.rglob("*")
        if p.is_file() and not p.is_symlink()
    }


@pytest.fixture
def read_only(indexed_settings: Settings, tmp_path) -> Iterator[Settings]:
    """The built data dir, bind-mounted read-only (refused even to root, unlike chmod)."""
    mount = tmp_path / "read-only-data"
    mount.mkdir()
    source = str(indexed_settings.data_dir)
    if subprocess.run(["mount", "--bind", source, str(mount)], capture_output=True).returncode:
        pytest.skip("needs bind mounts (root in a mount namespace)")
    try:
        remount = ["mount", "-o", "remount,ro,bind", str(mount)]
        if subprocess.run(remount, capture_output=True).returncode:
            pytest.skip("cannot remount read-only")
        assert not os.access(mount, os.W_OK)
        yield indexed_settings.model_copy(update={"data_dir": mount})
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_ask_answers_from_a_read_only_data_dir(read_only):
    before = snapshot(read_only.data_dir)
    env = {
        **os.environ,
        "FA_CORPUS_DIR": str(read_only.corpus_dir),
        "FA_DATA_DIR": str(read_only.data_dir),
    }
    result = subprocess.run(
        [sys.executable, "-m", "cli", "ask", "Who acquired Ablynx?"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Sanofi" in result.stdout and "Traceback" not in result.stderr
    assert snapshot(read_only.data_dir) == before


def test_the_app_serves_a_read_only_data_dir_with_feedback_off(read_only, embeddings):
    from assistant.feedback import FeedbackStore
    from assistant.service import Assistant
    from ui.app import build_app, launch

    before = snapshot(read_only.data_dir)
    settings = read_only.model_copy(update={"port": free_port()})
    assistant = Assistant(settings, embeddings=embeddings, warm=False)
    demo = build_app(settings, assistant)
    launch(demo, settings, prevent_thread_lock=True)
    try:
        client = gradio_client.Client(f"http://127.0.0.1:{settings.port}", verbose=False)
        answer = client.predict("Who acquired Ablynx?", [], "all", api_name="/answer")
        assert "Sanofi" in answer["text"] and not answer["refused"]
    finally:
        demo.close()
    assert not FeedbackStore(settings).enabled
    assert snapshot(read_only.data_dir) == before
