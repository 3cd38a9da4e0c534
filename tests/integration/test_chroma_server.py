"""The assistant on a real Chroma server (`chroma run`), as replicas behind a proxy use it.

Two Assistants with their own HTTP clients stand for two app replicas; an ingest through
one must reach the other through the version marker, and a server that stops and comes
back must give a clear error, then answers again.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from assistant.service import Assistant
from assistant.store import IndexStore, StoreUnavailable
from ingest.indexing import Indexer
from tests.conftest import free_port, make_settings, require
from ui.app import status_html

pytestmark = pytest.mark.slow

CHROMA = Path(sys.executable).parent / "chroma"
QUESTION = "Who acquired Ablynx?"


class ChromaServer:
    """One `chroma run` subprocess that can be stopped and started again on the same path/port."""

    def __init__(self, path: Path, log: Path) -> None:
        self.path = path
        self.log = log
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 30.0) -> None:
        with self.log.open("ab") as log:
            command = [CHROMA, "run", "--path", self.path, "--host", "127.0.0.1"]
            self.process = subprocess.Popen(
                [*command, "--port", str(self.port)],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"chroma exited with {self.process.returncode}: {self.tail()}")
            try:
                if httpx.get(f"{self.url}/api/v2/heartbeat", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"chroma did not answer within {timeout} s: {self.tail()}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""


@pytest.fixture
def chroma_server(tmp_path) -> Iterator[ChromaServer]:
    require(
        CHROMA.exists() or shutil.which("chroma") is not None,
        "needs the `chroma` CLI shipped by chromadb",
    )
    server = ChromaServer(tmp_path / "chroma-server", tmp_path / "chroma.log")
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture
def server_settings(tmp_path, small_corpus, model_cache, embeddings, chroma_server):
    return make_settings(tmp_path, small_corpus, model_cache, chroma_url=chroma_server.url)


def cited_doc_ids(assistant: Assistant, question: str) -> set[str]:
    answer = assistant.answer(question)
    return {c.doc_id for c in answer.citations} | {c.doc_id for c in answer.contexts}


def test_two_replicas_share_index_and_see_removal(server_settings, embeddings):
    indexer = Indexer(server_settings, embeddings=embeddings)
    report = indexer.sync()
    assert len(report.added) == 7 and not report.failed
    assert not server_settings.chroma_dir.exists()  # nothing embedded on local disk

    replicas = [
        Assistant(server_settings, embeddings=embeddings, store=IndexStore(server_settings))
        for _ in range(2)
    ]
    assert replicas[0].store.client is not replicas[1].store.client
    for replica in replicas:
        answer = replica.answer(QUESTION)
        assert "Sanofi" in answer.text and not answer.refused
        assert "ablynx" in {c.doc_id for c in answer.citations}
    first, other = replicas
    version = other.store.version()

    Indexer(server_settings, embeddings=embeddings, store=first.store).remove("ablynx")
    assert other.store.version() != version
    # No refresh() on the other replica: it notices the marker on its own, at most 1 s later.
    time.sleep(1.1)
    assert "ablynx" not in cited_doc_ids(other, QUESTION)
    assert "ablynx" not in {c.metadata["doc_id"] for c in other.retriever.keyword.chunks}
    assert "ablynx" not in cited_doc_ids(first, "Ablynx nanobodies Sanofi acquisition")


def test_server_down_is_a_clear_error_then_recovers(server_settings, embeddings, chroma_server):
    Indexer(server_settings, embeddings=embeddings).sync()
    assistant = Assistant(server_settings, embeddings=embeddings)
    assert assistant.warmed.wait(60)
    assert "Sanofi" in assistant.answer(QUESTION).text

    chroma_server.stop()
    assistant.retriever.refresh()  # also make the keyword index ask the store
    with pytest.raises(StoreUnavailable, match="not answering"):
        assistant.answer(QUESTION)
    footer = status_html(
        assistant, Indexer(server_settings, embeddings=embeddings, store=assistant.store)
    )
    assert "index unavailable" in footer and "7 documents" in footer
    with pytest.raises(StoreUnavailable, match=chroma_server.url):
        assistant.store.version()

    chroma_server.start()
    assistant.retriever.refresh()
    answer = assistant.answer(QUESTION)
    assert "Sanofi" in answer.text and not answer.refused


def test_app_follows_a_collection_deleted_and_rebuilt_on_the_server(
    tmp_path, model_cache, embeddings, chroma_server
):
    """The server lost its data (here: the collection is deleted), then an ingest rebuilds it
    under a new id: the running app says the index is unavailable, then answers again."""
    gradio_client = pytest.importorskip("gradio_client", reason="needs gradio_client")
    from tests.conftest import running_app
    from ui.texts import ENGLISH

    with running_app(tmp_path / "app", model_cache, embeddings, chroma_url=chroma_server.url) as (
        url,
        settings,
        _,
    ):
        client = gradio_client.Client(url, verbose=False)
        assert "Sanofi" in client.predict(QUESTION, [], "all", api_name="/answer")["text"]

        IndexStore(settings).client.delete_collection(settings.collection)
        time.sleep(1.1)  # past the keyword index's version check interval
        with pytest.raises(gradio_client.exceptions.AppError, match="unavailable"):
            client.predict(QUESTION, [], "all", api_name="/answer")
        messages, *_ = client.predict(QUESTION, [], "all", api_name="/ask")
        assert ENGLISH.unavailable in messages[-1]["content"][0]["text"]

        report = Indexer(settings, embeddings=embeddings).sync()
        assert len(report.added) == 7
        deadline = time.monotonic() + 5
        while True:
            try:
                answer = client.predict(QUESTION, [], "all", api_name="/answer")
                break
            except gradio_client.exceptions.AppError:
                assert time.monotonic() < deadline, "answers did not resume within 5 s"
                time.sleep(0.2)
        assert "Sanofi" in answer["text"] and not answer["refused"]
