"""Shared fixtures: the real packaged embedding model, real Chroma in temp dirs."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from assistant.config import Settings, load_settings
from assistant.embeddings import build_embeddings

ROOT = Path(__file__).resolve().parents[1]
# CI (CI=true, as `.ci/run` runs) installs every system tool the tests use: none may be missing.
IN_CI = os.environ.get("CI", "").lower() in ("true", "1")
SHIPPED_CORPUS = ROOT / "corpus"
# A small corpus for fast integration tests: real pages of the shipped corpus.
SMALL_CORPUS_PAGES = [
    "history/ablynx.md",
    "history/argenx.md",
    "history/ucb-history.md",
    "history/vib-history.md",
    "ecosystem/imec-health.md",
    "history/tigenix.md",
    # A Dutch twin: Dutch questions, the language switch and per-language analysis.
    "history/ablynx-nl.md",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that index the whole shipped corpus or run the GGUF model are slow wherever they
    live (tests/test_answers.py too): `-m "not slow"` leaves them out."""
    for item in items:
        if "shipped_assistant" in getattr(item, "fixturenames", ()) or item.get_closest_marker(
            "llm"
        ):
            item.add_marker(pytest.mark.slow)


def require(available: bool, reason: str) -> None:
    """Skip a test whose system tool is missing here; in CI fail it, since .ci/run installs it."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"{reason}, and CI=true: .ci/run must install it", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory) -> Path:
    """One data dir holding the ONNX export, shared by every test's settings."""
    return tmp_path_factory.mktemp("model-cache")


@pytest.fixture(scope="session")
def embeddings(model_cache):
    """The packaged all-MiniLM-L6-v2, loaded once per test session."""
    return build_embeddings(load_settings(data_dir=model_cache))


def copy_small_corpus(target: Path) -> Path:
    for page in SMALL_CORPUS_PAGES:
        destination = target / page
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(SHIPPED_CORPUS / page, destination)
    return target


@pytest.fixture
def small_corpus(tmp_path) -> Path:
    return copy_small_corpus(tmp_path / "corpus")


def make_settings(tmp_path: Path, corpus: Path, model_cache: Path, **overrides) -> Settings:
    data_dir = tmp_path / "data"
    models = data_dir / "models"
    models.parent.mkdir(parents=True, exist_ok=True)
    if not models.exists():
        models.symlink_to(model_cache / "models", target_is_directory=True)
    return load_settings(corpus_dir=corpus, data_dir=data_dir, **overrides)


@pytest.fixture
def settings(tmp_path, small_corpus, model_cache, embeddings) -> Settings:
    return make_settings(tmp_path, small_corpus, model_cache)


@pytest.fixture
def indexed_settings(settings, embeddings) -> Settings:
    """Settings whose data dir holds an index of the small corpus."""
    from ingest.indexing import Indexer

    Indexer(settings, embeddings=embeddings).sync()
    return settings


@pytest.fixture
def assistant(indexed_settings, embeddings):
    from assistant.service import Assistant

    return Assistant(indexed_settings, embeddings=embeddings, warm=False)


@pytest.fixture(scope="session")
def shipped_assistant(tmp_path_factory, model_cache, embeddings):
    """An Assistant over an index of the whole shipped corpus (built once per session)."""
    from assistant.service import Assistant
    from ingest.indexing import Indexer

    tmp = tmp_path_factory.mktemp("shipped")
    # Pinned: an FA_* variable or a .env file of the machine must not change what the answer
    # gate measures.
    settings = make_settings(
        tmp,
        SHIPPED_CORPUS,
        model_cache,
        embedding_model="",
        embedding_backend="onnx",
        answerer="extractive",
        retrieval_k=6,
        candidate_k=30,
        history_turns=3,
        chunk_tokens=200,
        chunk_overlap_tokens=30,
        chroma_url="",
    )
    report = Indexer(settings, embeddings=embeddings).sync()
    assert not report.failed, report.failed
    instance = Assistant(settings, embeddings=embeddings)
    instance.warmed.wait(timeout=300)
    return instance


def ephemeral_ports() -> range:
    """The ports the kernel hands to outgoing connections and to bind(port 0)."""
    try:
        low, high = map(int, Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split())
    except (OSError, ValueError):
        low, high = 32768, 60999
    return range(low, high + 1)


_handed_out: set[int] = set()


def free_port() -> int:
    """A free TCP port on 127.0.0.1 for a server the test starts.

    Taken below the ephemeral range: a port bind(0) found free could go to any outgoing
    connection before the server binds it; these never do. Random and never handed out twice
    in a session, so that parallel runs and tests rarely meet; `running_app` retries anyway.
    """
    import random
    import socket

    low = min(ephemeral_ports().start, 32768)
    for _ in range(200):
        port = random.randrange(20000, low)
        if port in _handed_out:
            continue
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        _handed_out.add(port)
        return port
    raise RuntimeError("no free port found below the ephemeral range")


@contextmanager
def killing_on_exit() -> Iterator[Callable[..., subprocess.Popen]]:
    """Start subprocesses that are killed on the way out, whatever ended the test (a failed
    assertion, a timeout): none is left running after it."""
    started: list[subprocess.Popen] = []

    def start(*args, **kwargs) -> subprocess.Popen:
        started.append(subprocess.Popen(*args, **kwargs))
        return started[-1]

    try:
        yield start
    finally:
        for process in started:
            if process.poll() is None:
                process.kill()
            process.communicate()  # reaps it and closes its pipes


@pytest.fixture
def spawn() -> Iterator[Callable[..., subprocess.Popen]]:
    with killing_on_exit() as start:
        yield start


@contextmanager
def running_app(root: Path, model_cache: Path, embeddings, **overrides):
    """The real web app on a free port, over an index of the small corpus; yields (url, settings, indexer)."""
    from assistant.service import Assistant
    from ingest.indexing import Indexer
    from ui.app import build_app, launch
    from ui.staff_auth import StaffAccess

    corpus = copy_small_corpus(root / "corpus")
    settings = make_settings(root, corpus, model_cache, port=free_port(), **overrides)
    Indexer(settings, embeddings=embeddings).sync()
    assistant = Assistant(settings, embeddings=embeddings)
    indexer = Indexer(settings, embeddings=embeddings, store=assistant.store)
    staff = StaffAccess.from_settings(settings)
    demo = build_app(settings, assistant, indexer, staff)
    for attempt in range(3):
        try:
            launch(demo, settings, staff, assistant=assistant, prevent_thread_lock=True)
            break
        except OSError:  # the port was taken after all: another one
            if attempt == 2:
                raise
            settings = settings.model_copy(update={"port": free_port()})
    try:
        yield f"http://127.0.0.1:{settings.port}", settings, indexer
    finally:
        demo.close()
