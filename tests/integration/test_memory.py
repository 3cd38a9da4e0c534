"""Oversized questions against a real server process: refused before they reach any state,
so twenty sessions of a 10 MB question leave its memory where it was."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT, free_port

pytestmark = pytest.mark.slow


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def settled_rss(pid: int, timeout: float = 90.0) -> float:
    """RSS once it stops moving (start-up work, the sentence warm-up, has finished)."""
    deadline = time.monotonic() + timeout
    last = rss_mb(pid)
    while time.monotonic() < deadline:
        time.sleep(2)
        now = rss_mb(pid)
        if abs(now - last) < 2:
            return now
        last = now
    return last


def test_twenty_sessions_of_a_10_mb_question_leave_rss_within_50_mb(indexed_settings, tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "FA_CORPUS_DIR": str(indexed_settings.corpus_dir),
        "FA_DATA_DIR": str(indexed_settings.data_dir),
        "FA_PORT": str(port),
    }
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "cli", "serve"],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            assert server.poll() is None, (tmp_path / "serve.log").read_text()[-2000:]
            try:
                config = httpx.get(f"{url}/config", timeout=2).json()
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.5)
        ask = next(d["id"] for d in config["dependencies"] if d.get("api_name") == "ask")
        before = settled_rss(server.pid)
        question = "Who acquired Ablynx? " + "x" * 10_000_000
        with httpx.Client(base_url=url, timeout=60) as http:
            for _ in range(20):
                response = http.post(
                    "/gradio_api/queue/join",
                    json={
                        "data": [question, [], [], "all", "en"],
                        "fn_index": ask,
                        "session_hash": uuid.uuid4().hex,
                        "event_data": None,
                    },
                )
                assert response.status_code == 413
        after = rss_mb(server.pid)
        assert after - before < 50, f"RSS grew from {before:.0f} MB to {after:.0f} MB"
        # and the server still answers an ordinary question
        answer = httpx.post(
            f"{url}/gradio_api/call/answer", json={"data": ["Who acquired Ablynx?"]}, timeout=30
        )
        assert answer.status_code == 200
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
