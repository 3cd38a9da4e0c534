"""Faults an operator will meet: a lost or corrupt record database, a lost index directory,
a data directory that cannot be written, an ingest that dies half-way through a document.

Each test breaks something for real (bytes on disk, a directory the kernel refuses to
write), then checks the error is clear and that answers keep working or come back.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.service import Assistant
from assistant.store import StoreUnavailable
from ingest.indexing import Indexer
from tests.conftest import make_settings, require

pytestmark = pytest.mark.slow

ALL_DOCS = {"ablynx", "argenx", "tigenix"}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Three pages of the small corpus: every test here embeds it at least twice."""
    for page in settings.corpus_dir.rglob("*.md"):
        if page.stem not in ALL_DOCS:
            page.unlink()
    return settings


def stored_doc_ids(indexer: Indexer) -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in indexer.store.all_chunks():
        counts[row.metadata["doc_id"]] = counts.get(row.metadata["doc_id"], 0) + 1
    return counts


def assert_consistent(indexer: Indexer, doc_ids: set[str]) -> None:
    """Every corpus document indexed once; no chunk without a record, no record without one."""
    counts = stored_doc_ids(indexer)
    assert set(counts) == doc_ids
    assert {d.doc_id: d.chunks for d in indexer.documents()} == counts
    assert set(indexer.records.list_keys()) == indexer.store.all_ids()


def answers(settings: Settings, embeddings, indexer: Indexer) -> str:
    assistant = Assistant(settings, embeddings=embeddings, store=indexer.store, warm=False)
    return assistant.answer("Who acquired Ablynx?").text


def warnings_of(caplog) -> str:
    return "\n".join(r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING)


@pytest.mark.parametrize("fault", ["garbage", "deleted"])
def test_lost_record_database_rebuilds_from_corpus(settings, embeddings, caplog, fault):
    indexer = Indexer(settings, embeddings=embeddings)
    indexer.sync()
    # A document removed while the ledger was lost: only a sweep can find its chunks.
    (settings.corpus_dir / "history" / "tigenix.md").unlink()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{settings.record_db}{suffix}").unlink(missing_ok=True)
    if fault == "garbage":
        settings.record_db.write_bytes(b"\x00garbage, not SQLite\xff" * 200)

    caplog.set_level(logging.WARNING)
    rebuilt = Indexer(settings, embeddings=embeddings)
    report = rebuilt.sync()

    log = warnings_of(caplog)
    assert "knows no chunks" in log and "rebuilding the index from the corpus" in log
    if fault == "garbage":
        assert "is corrupt" in log
        aside = list(settings.data_dir.glob("records.sqlite.corrupt-*"))
        assert len(aside) == 1 and aside[0].read_bytes().startswith(b"\x00garbage")
    assert sorted(report.added) == sorted(ALL_DOCS - {"tigenix"}) and not report.failed
    assert report.chunks_deleted > 0  # the removed document's chunks were swept
    assert_consistent(rebuilt, ALL_DOCS - {"tigenix"})
    assert "Sanofi" in answers(settings, embeddings, rebuilt)


@pytest.mark.parametrize("also_corrupt_records", [False, True])
def test_lost_index_directory_rebuilds_from_corpus(
    tmp_path, settings, embeddings, model_cache, caplog, also_corrupt_records
):
    Indexer(settings, embeddings=embeddings).sync()
    # The data dir restored without its chroma/ folder, as on a new host. A copy rather than
    # rmtree in place: this process's Chroma keeps the open directory cached by path.
    restored = make_settings(tmp_path / "restored", settings.corpus_dir, model_cache)
    shutil.copytree(
        settings.data_dir,
        restored.data_dir,
        ignore=shutil.ignore_patterns("chroma", "models"),
        dirs_exist_ok=True,
    )
    if also_corrupt_records:
        restored.record_db.write_bytes(b"SQLite format 3\x00" + b"\xde\xad" * 4000)
    assert not restored.chroma_dir.exists()

    caplog.set_level(logging.WARNING)
    indexer = Indexer(restored, embeddings=embeddings)
    report = indexer.sync()

    log = warnings_of(caplog)
    if also_corrupt_records:
        assert "is corrupt" in log
    else:
        assert "The index lost" in log and "re-indexed" in log
    assert sorted(report.added) == sorted(ALL_DOCS)
    assert_consistent(indexer, ALL_DOCS)
    assert "Sanofi" in answers(restored, embeddings, indexer)


def _make_immutable(path: Path) -> bool:
    """chattr +i: refused even to root (tests run as root, so chmod would not stop them)."""
    return subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode == 0


@pytest.mark.parametrize("condition", ["immutable", "path-under-a-file"])
def test_unwritable_data_dir_is_a_clear_error(
    tmp_path, settings, embeddings, model_cache, condition
):
    serving = Indexer(settings, embeddings=embeddings)
    serving.sync()
    assistant = Assistant(settings, embeddings=embeddings, store=serving.store, warm=False)

    if condition == "immutable":
        # An immutable directory behaves like a read-only mount: nothing can be created in it.
        broken = tmp_path / "readonly-data"
        broken.mkdir()
        require(shutil.which("chattr") is not None, "needs chattr (e2fsprogs)")
        require(_make_immutable(broken), "chattr +i is not supported on this filesystem")
    else:
        # FA_DATA_DIR pointing below a regular file (a typo, a mount that did not happen).
        blocker = tmp_path / "not-a-dir"
        blocker.write_text("a file, not a directory")
        broken = blocker / "data"
    try:
        with pytest.raises(StoreUnavailable, match="FA_DATA_DIR") as error:
            Indexer(settings.model_copy(update={"data_dir": broken}), embeddings=embeddings)
        assert str(broken / "chroma") in str(error.value)
    finally:
        if condition == "immutable":
            subprocess.run(["chattr", "-i", str(broken)], check=True)

    answer = assistant.answer("Who acquired Ablynx?")
    assert "Sanofi" in answer.text and not answer.refused


class FailingAfter:
    """The real embedder for the first `ok_calls` batches, then a crash."""

    def __init__(self, inner, ok_calls: int) -> None:
        self.inner, self.ok_calls, self.calls = inner, ok_calls, 0

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.calls += 1
        if self.calls > self.ok_calls:
            raise RuntimeError("simulated crash while embedding")
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text)


def test_crash_mid_document_keeps_previous_version(settings, embeddings, monkeypatch):
    indexer = Indexer(settings, embeddings=embeddings)
    indexer.sync()
    old_ids = {row.id for row in indexer.store.all_chunks() if row.metadata["doc_id"] == "tigenix"}
    old_hash = {d.doc_id: d.content_hash for d in indexer.documents()}["tigenix"]

    page = settings.corpus_dir / "history" / "tigenix.md"
    text = page.read_text().replace("Gil Beyen was the CEO", "Eduardo Bravo was the CEO")
    # Enough new sections that LangChain's index() needs several batches of 64 chunks.
    notes = "".join(
        f"\n## Archive note {n}\n\nArchive note {n} records TiGenix board meeting {n} in Leuven.\n"
        for n in range(90)
    )
    page.write_text(text + notes)

    monkeypatch.setattr(indexer.counting, "inner", FailingAfter(embeddings, ok_calls=1))
    with pytest.raises(RuntimeError, match="simulated crash"):
        indexer.sync()

    stored = indexer.store.all_ids()
    assert stored - old_ids  # the first batch of the new version was stored...
    assert old_ids <= stored  # ...and the previous version is still there, in full
    assert {d.doc_id: d.content_hash for d in indexer.documents()}["tigenix"] == old_hash
    assistant = Assistant(settings, embeddings=embeddings, store=indexer.store, warm=False)
    answer = assistant.answer("Who agreed to buy TiGenix in 2018?")
    assert "Takeda" in answer.text and "tigenix" in {c.doc_id for c in answer.citations}

    monkeypatch.undo()
    report = indexer.sync()
    assert report.updated == ["tigenix"] and report.chunks_embedded > 0
    assert_consistent(indexer, ALL_DOCS)
    tigenix = [row for row in indexer.store.all_chunks() if row.metadata["doc_id"] == "tigenix"]
    assert len(tigenix) > 64
    assert not any("Gil Beyen" in row.text for row in tigenix)
    assert any("Eduardo Bravo" in row.text for row in tigenix)
    assistant.retriever.refresh()
    answer = assistant.answer("Who agreed to buy TiGenix in 2018?")
    assert "Takeda" in answer.text


def test_orphan_vector_with_an_intact_ledger_is_removed(settings, embeddings, caplog):
    """An ingest killed between writing a vector and recording it leaves a chunk no record
    claims, while every record is intact: the next sync deletes just that chunk."""
    indexer = Indexer(settings, embeddings=embeddings)
    indexer.sync()
    ledger, keys = indexer.documents(), set(indexer.records.list_keys())
    text = "Ablynx — Orphan\nA stale chunk that says Novartis acquired Ablynx."
    indexer.store.collection.add(
        ids=["orphan-chunk"],
        documents=[text],
        embeddings=[embeddings.embed_documents([text])[0]],
        metadatas=[{"doc_id": "ablynx", "title": "Ablynx", "section": "Orphan"}],
    )
    report = Indexer(settings, embeddings=embeddings).sync()
    assert report.chunks_deleted == 1 and report.chunks_embedded == 0
    assert "orphan-chunk" not in indexer.store.all_ids()
    assert indexer.documents() == ledger and set(indexer.records.list_keys()) == keys
    assert_consistent(indexer, ALL_DOCS)
    assert "no record claims" in warnings_of(caplog)
    assert "Novartis" not in answers(settings, embeddings, indexer)
