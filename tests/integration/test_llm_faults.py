"""An OpenAI-compatible server that misbehaves mid-answer: the visitor still gets an answer
by the deadline, and no worker thread keeps reading after the answer is given.

The server is a scripted one on 127.0.0.1 that speaks the streaming chat-completions wire
format (server-sent events in a chunked response), so each fault is exact and repeatable.
"""

from __future__ import annotations

import contextlib
import http.server
import json
import threading
import time
from collections.abc import Iterator

import pytest

from assistant.answerers.llm import CUT_OFF, UNAVAILABLE
from assistant.service import Assistant
from ingest.indexing import Indexer

pytestmark = pytest.mark.slow  # indexes a corpus or starts processes: not the fast subset

pytest.importorskip("langchain_openai", reason="needs the openai extra")

QUESTION = "When was UCB founded?"
DELTAS = ["UCB was ", "founded in ", "Brussels ", "in 1928 ", "[1]."]


def event(delta: str) -> bytes:
    payload = {
        "id": "x",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": "scripted",
        "choices": [{"index": 0, "delta": {"content": delta}, "finish_reason": None}],
    }
    data = f"data: {json.dumps(payload)}\n\n".encode()
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


@contextlib.contextmanager
def scripted_server(mode: str) -> Iterator[str]:
    """cut: two deltas, then the connection drops. trickle: a delta every 0.2 s, forever.
    stall: keep-alive comments and never a token."""
    stop = threading.Event()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            if mode == "cut":
                for delta in DELTAS[:2]:
                    self.wfile.write(event(delta))
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(2)  # mid-stream, no final chunk, no [DONE]
                return
            if mode == "trickle":
                number = 0
                with contextlib.suppress(OSError):
                    while not stop.is_set():
                        self.wfile.write(event(DELTAS[number % len(DELTAS)]))
                        self.wfile.flush()
                        number += 1
                        stop.wait(0.2)
                return
            # stall: alive (a keep-alive comment every 0.3 s resets any read timeout), no tokens
            with contextlib.suppress(OSError):
                while not stop.is_set():
                    self.wfile.write(b"8\r\n: ping\n\n\r\n")  # one chunk of 8 bytes
                    self.wfile.flush()
                    stop.wait(0.3)

        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        stop.set()
        server.shutdown()
        server.server_close()


def openai_assistant(settings, embeddings, url: str, timeout_s: float) -> Assistant:
    settings = settings.model_copy(
        update={"openai_base_url": url, "openai_model": "scripted", "llm_timeout_s": timeout_s}
    )
    Indexer(settings, embeddings=embeddings).sync()
    return Assistant(settings, embeddings=embeddings, warm=False)


def workers_alive() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name == "openai-answer" and t.is_alive()]


def wait_for_no_workers(seconds: float) -> list[str]:
    deadline = time.monotonic() + seconds
    while workers_alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    return workers_alive()


def test_stream_cut_off_mid_answer_falls_back_to_a_whole_answer(settings, embeddings):
    with scripted_server("cut") as url:
        assistant = openai_assistant(settings, embeddings, url, timeout_s=10)
        items = list(assistant.stream(QUESTION, backend="openai"))
    answer = items[-1]
    assert "".join(i for i in items[:-1] if isinstance(i, str)).startswith("UCB was founded in")
    assert answer.backend == "extractive" and answer.notice == UNAVAILABLE
    assert "1928" in answer.text and not answer.refused


def test_stalled_server_answers_by_the_deadline(settings, embeddings):
    with scripted_server("stall") as url:
        assistant = openai_assistant(settings, embeddings, url, timeout_s=1.5)
        started = time.monotonic()
        answer = assistant.answer(QUESTION, backend="openai")
        waited = time.monotonic() - started
        assert answer.backend == "extractive" and answer.notice == UNAVAILABLE
        assert "1928" in answer.text
        assert waited < 1.5 + 10  # the deadline, plus the extractive answer; never unbounded
    assert wait_for_no_workers(10) == []


def test_no_worker_keeps_reading_an_endless_stream_after_the_deadline(settings, embeddings):
    with scripted_server("trickle") as url:
        assistant = openai_assistant(settings, embeddings, url, timeout_s=1.0)
        answer = assistant.answer(QUESTION, backend="openai")
        assert answer.notice.startswith(CUT_OFF)
        assert wait_for_no_workers(5) == []  # while the server is still sending
