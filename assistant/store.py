"""The Chroma index: embedded on disk or on a Chroma server, chosen by FA_CHROMA_URL.

Ingestion writes through LangChain's Chroma vector store; queries go to the Chroma
collection directly (one call, no wrapper overhead). A version marker in the collection
metadata changes after every ingest, so every reader (another replica, the keyword index)
can tell that the index moved on.
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar
from urllib.parse import urlparse

import chromadb
import httpx
import numpy as np
from chromadb.api.models.Collection import Collection
from chromadb.api.shared_system_client import SharedSystemClient
from chromadb.config import Settings as ChromaSettings
from chromadb.errors import InternalError, NotFoundError
from filelock import FileLock

from assistant.write_failures import unwritable

if TYPE_CHECKING:
    from assistant.config import Settings

logger = logging.getLogger(__name__)

T = TypeVar("T")
VERSION_KEY = "index_version"
EMBEDDING_KEY = "embedding"


class StoreUnavailable(RuntimeError):
    """The vector store cannot be reached (server down, directory unreadable)."""


@contextmanager
def _reachable(settings: Settings) -> Iterator[None]:
    """Turn the HTTP client's transport errors (server stopped, restarting) into StoreUnavailable."""
    try:
        yield
    except httpx.TransportError as error:
        raise StoreUnavailable(
            f"Chroma server at {settings.chroma_url} is not answering ({error}); "
            "check that it is running and try again"
        ) from error


def open_client(settings: Settings) -> chromadb.ClientAPI:
    """An embedded persistent client in the data dir, or an HTTP client for a Chroma server."""
    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        try:
            return chromadb.HttpClient(
                host=url.hostname or "127.0.0.1",
                port=url.port or (443 if url.scheme == "https" else 8000),
                ssl=url.scheme == "https",
                settings=chroma_settings,
            )
        except Exception as error:  # chromadb raises bare exceptions for connection failures
            raise StoreUnavailable(
                f"Chroma server at {settings.chroma_url} unreachable: {error}"
            ) from None
    try:
        path = settings.chroma_dir
        if _read_only_index(path):
            path = _private_copy(path)
        path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(path), settings=chroma_settings)
    except (OSError, InternalError) as error:  # InternalError: Chroma's SQLite cannot open
        raise _unusable_directory(settings, error) from error


def _read_only_index(path: Path) -> bool:
    """A built index on a read-only volume (a prebuilt index in a container)."""
    return (path / "chroma.sqlite3").exists() and not os.access(path, os.W_OK)


def _private_copy(path: Path) -> Path:
    """Chroma opens its SQLite file for writing even to read it: serve a private copy in the
    temp dir, so a read-only data dir is never written."""
    copy = Path(tempfile.mkdtemp(prefix="fa-index-")) / "chroma"
    shutil.copytree(path, copy)
    atexit.register(shutil.rmtree, copy.parent, True)
    logger.warning("The index directory %s is read-only: serving a copy in %s", path, copy)
    return copy


def _unusable_directory(settings: Settings, error: Exception) -> StoreUnavailable:
    clear = unwritable(error, settings.data_dir)
    hint = str(clear) if clear else "check that FA_DATA_DIR points at a writable directory"
    return StoreUnavailable(
        f"Cannot open the index directory {settings.chroma_dir} ({error}); {hint}"
    )


@contextmanager
def _opening(settings: Settings) -> Iterator[None]:
    """Serialise opening an embedded index across processes: two ingests started at once
    on an empty data dir would both create Chroma's tables, and one fails ("table
    collections already exists"). A data dir that takes no lock file can still be read."""
    if settings.chroma_url:
        yield
        return
    try:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(settings.data_dir / "chroma-open.lock"))
        lock.acquire()
    except OSError as error:
        if not (settings.chroma_dir / "chroma.sqlite3").exists():
            raise _unusable_directory(settings, error) from error
        yield
        return
    try:
        yield
    finally:
        lock.release()


@dataclass
class ChunkRow:
    """A stored chunk as the retriever sees it."""

    id: str
    text: str
    metadata: dict
    vector: np.ndarray | None = None


class IndexStore:
    """One Chroma collection, embedded or on a server; writers wrap it in LangChain's Chroma."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._own_versions: set[str] = set()
        self._open()

    def _open(self) -> None:
        with _opening(self.settings):
            self.client = open_client(self.settings)
            self.collection = self.client.get_or_create_collection(self.settings.collection)

    def changed_elsewhere(self, version: str) -> bool:
        """Was this version written by another process (a CLI ingest, another replica)?"""
        return version not in self._own_versions

    def reopen(self) -> None:
        """Another process changed the index. Embedded: Chroma's in-process state (its vector
        segment) is stale, so load the index from disk again. Server: the collection may have
        been deleted and rebuilt under a new id, so look it up by name again."""
        if self.settings.chroma_url:
            self._current()
            return
        with self._lock:
            logger.info("The index changed on disk: reopening %s", self.settings.chroma_dir)
            SharedSystemClient.clear_system_cache()
            self._open()

    def ensure_collection(self) -> None:
        """Writers: create the collection when it is gone (a Chroma server that lost its data)."""
        with _reachable(self.settings), self._lock:
            self.collection = self.client.get_or_create_collection(self.settings.collection)

    def _current(self) -> Collection:
        """The collection as stored now, by name; it replaces the one held when its id changed
        (deleted and rebuilt by an ingest), and its absence is StoreUnavailable."""
        with _reachable(self.settings):
            try:
                collection = self.client.get_collection(self.settings.collection)
            except NotFoundError:
                raise StoreUnavailable(
                    f"The index '{self.settings.collection}' does not exist "
                    f"{'on ' + self.settings.chroma_url if self.settings.chroma_url else 'yet'}; "
                    "run `flanders-assistant ingest`"
                ) from None
        if collection.id != self.collection.id:
            logger.warning("The index collection was replaced: following it by name")
            with self._lock:
                self.collection = collection
        return collection

    def _on_collection(self, action: Callable[[Collection], T]) -> T:
        """Run `action` on the held collection, following it by name once when it was
        deleted or replaced since (no restart needed after the server lost its data)."""
        with _reachable(self.settings):
            try:
                return action(self.collection)
            except NotFoundError:
                pass
        collection = self._current()
        with _reachable(self.settings):
            try:
                return action(collection)
            except NotFoundError as error:
                raise StoreUnavailable(f"The index is being rebuilt ({error})") from None

    def version(self) -> str:
        """The marker of the index content; changes after every ingest that changed something."""
        return str((self._current().metadata or {}).get(VERSION_KEY, ""))

    @property
    def embedding_signature(self) -> str:
        """Which model and variant made the vectors; a query must use the same."""
        return f"{self.settings.embedding_model_path}|{self.settings.embedding_backend}"

    def stored_embedding_signature(self) -> str:
        return str((self._current().metadata or {}).get(EMBEDDING_KEY, ""))

    def bump_version(self) -> str:
        marker = f"{time.time():.6f}-{uuid.uuid4().hex[:8]}"
        self._own_versions.add(marker)
        metadata = {
            VERSION_KEY: marker,
            "updated_at": time.time(),
            EMBEDDING_KEY: self.embedding_signature,
        }
        self._on_collection(lambda c: c.modify(metadata=metadata))
        return marker

    def updated_at(self) -> float | None:
        value = (self._current().metadata or {}).get("updated_at")
        return float(value) if value is not None else None

    def count(self) -> int:
        return self._on_collection(lambda c: c.count())

    def all_chunks(self, with_vectors: bool = False) -> list[ChunkRow]:
        """Every stored chunk (text and metadata, optionally its vector), for the keyword
        index and listings."""
        rows: list[ChunkRow] = []
        offset, page = 0, 2000
        include = ["documents", "metadatas", *(["embeddings"] if with_vectors else [])]
        while True:
            result = self._on_collection(
                lambda c, offset=offset: c.get(include=include, limit=page, offset=offset)
            )
            ids = result["ids"]
            vectors = result["embeddings"] if with_vectors else [None] * len(ids)
            for chunk_id, text, meta, vector in zip(
                ids, result["documents"] or [], result["metadatas"] or [], vectors, strict=True
            ):
                array = None if vector is None else np.asarray(vector, dtype=np.float32)
                rows.append(ChunkRow(chunk_id, text or "", dict(meta or {}), array))
            if len(ids) < page:
                return rows
            offset += page

    def all_ids(self) -> set[str]:
        result = self._on_collection(lambda c: c.get(include=[]))
        return set(result["ids"])

    def ids_of(self, doc_id: str) -> set[str]:
        """Ids of every stored chunk of one document, recorded or not."""
        result = self._on_collection(lambda c: c.get(where={"doc_id": doc_id}, include=[]))
        return set(result["ids"])

    def delete(self, ids: list[str]) -> None:
        for start in range(0, len(ids), 1000):
            batch = ids[start : start + 1000]
            self._on_collection(lambda c, batch=batch: c.delete(ids=batch))

    def query(
        self, vector: list[float], k: int, where: dict | None
    ) -> list[tuple[ChunkRow, float]]:
        """Nearest chunks with cosine similarity (vectors are unit length, distance is L2²)."""
        try:
            return self._query(vector, k, where)
        except InternalError:
            # Embedded mode: another process is rewriting the index under us; reload, retry.
            self.reopen()
            return self._query(vector, k, where)

    def _query(
        self, vector: list[float], k: int, where: dict | None
    ) -> list[tuple[ChunkRow, float]]:
        result = self._on_collection(
            lambda c: c.query(
                query_embeddings=[vector],
                n_results=k,
                where=where or None,
                include=["documents", "metadatas", "distances"],
            )
        )
        rows = []
        for chunk_id, text, meta, distance in zip(
            result["ids"][0],
            result["documents"][0],
            result["metadatas"][0],
            result["distances"][0],
            strict=True,
        ):
            rows.append((ChunkRow(chunk_id, text or "", dict(meta or {})), 1.0 - distance / 2.0))
        return rows
