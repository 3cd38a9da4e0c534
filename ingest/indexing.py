"""Keep the Chroma index in step with the corpus folder.

LangChain's `index()` does the chunk bookkeeping (hashes, skips, deletes of stale chunks)
with our SQLite record manager; this module decides which documents to hand it, one
document at a time, so that a crash loses at most the document in flight and the
previous version of every document stays answerable until its replacement is stored.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import sqlite3
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from chromadb.errors import ChromaError
from filelock import FileLock, Timeout
from langchain_chroma import Chroma
from langchain_core.embeddings import Embeddings
from langchain_core.indexing import index

from assistant.config import Settings
from assistant.embeddings import build_embeddings, load_tokenizer
from assistant.store import IndexStore, StoreUnavailable
from assistant.write_failures import reporting_write_failures
from ingest.chunking import ChunkingConfig, chunk_document
from ingest.documents import DocumentError, SourceDocument, slugify
from ingest.loaders import SUPPORTED, load_document
from ingest.record_manager import DocumentRecord, SQLiteRecordManager

logger = logging.getLogger(__name__)

SKIPPED_NAMES = {"readme.md"}


class IngestBusy(RuntimeError):
    """Another ingest holds the lock."""


class UploadError(ValueError):
    """A staff upload was refused; the message says why."""


@dataclass
class FileProblem:
    path: str
    reason: str


@dataclass
class SyncReport:
    """What one sync or add did, for the CLI summary and the admin page."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: list[FileProblem] = field(default_factory=list)
    chunks_embedded: int = 0
    chunks_deleted: int = 0
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed or self.chunks_deleted)


class CountingEmbeddings(Embeddings):
    """Wraps the embedder to count (and report) every text actually embedded."""

    def __init__(self, inner: Embeddings, on_embedded: Callable[[int], None] | None = None):
        self.inner = inner
        self.on_embedded = on_embedded
        self.count = 0

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        vectors = self.inner.embed_documents(texts)
        self.count += len(texts)
        if self.on_embedded:
            self.on_embedded(len(texts))
        return vectors

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text)


class Indexer:
    """Syncs, adds and removes documents; one per process, shared by CLI and admin page."""

    def __init__(
        self,
        settings: Settings,
        *,
        embeddings: Embeddings | None = None,
        store: IndexStore | None = None,
        lock_timeout: float = 120.0,
    ) -> None:
        self.settings = settings
        self.embedder = embeddings or build_embeddings(settings)
        self.counting = CountingEmbeddings(self.embedder)
        self.store = store or IndexStore(settings)
        self._writer: tuple[object, Chroma] | None = None
        self.records = SQLiteRecordManager(f"chroma/{settings.collection}", settings.record_db)
        self.records.create_schema()
        self.tokenizer = load_tokenizer(settings.embedding_model_path)
        self.chunking = ChunkingConfig(settings.chunk_tokens, settings.chunk_overlap_tokens)
        self.lock_timeout = lock_timeout
        self._thread_lock = threading.Lock()

    @property
    def writer(self) -> Chroma:
        """LangChain's Chroma over the store's current collection (the store may reopen it or
        follow a rebuilt one), with an embedder that counts what it embeds."""
        if self._writer is None or self._writer[0] is not self.store.collection:
            chroma = Chroma(
                collection_name=self.settings.collection,
                embedding_function=self.counting,
                client=self.store.client,
            )
            self._writer = (self.store.collection, chroma)
        return self._writer[1]

    # --- locking ---

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """Serialise writers: threads of this process, then other processes via a file lock."""
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        lock_path = self.settings.data_dir / "ingest.lock"
        if not self._thread_lock.acquire(timeout=self.lock_timeout):
            raise IngestBusy("another ingest is running in this process; try again later")
        try:
            with FileLock(str(lock_path), timeout=self.lock_timeout):
                yield
        except Timeout:
            raise IngestBusy(
                f"another ingest is running (lock held on {lock_path}); try again when it ends"
            ) from None
        finally:
            self._thread_lock.release()

    # --- public operations ---

    def sync(self, on_progress: Callable[[str, int, int], None] | None = None) -> SyncReport:
        """Bring the index in line with every file under the corpus folder."""
        started = time.perf_counter()
        report = SyncReport()
        with reporting_write_failures(self.settings.data_dir), self._locked():
            self.store.ensure_collection()
            # A lost or corrupt record database leaves a full index and an empty ledger: keep
            # the stored chunks answering while everything is re-indexed, then sweep.
            self._drop_if_embedding_changed()
            rebuilding = self._records_lost()
            if not rebuilding:
                report.chunks_deleted += self._reconcile()
            documents, report.failed = self._load_corpus()
            ledger = self.records.documents()
            failed_paths = {p.path for p in report.failed}
            todo = []
            for document in documents:
                known = ledger.get(document.doc_id)
                if known and known.content_hash == self._index_hash(document):
                    report.unchanged.append(document.doc_id)
                else:
                    todo.append(document)
                    (report.updated if known else report.added).append(document.doc_id)
            loaded_ids = {d.doc_id for d in documents}
            for doc_id, known in ledger.items():
                if doc_id not in loaded_ids and known.path not in failed_paths:
                    report.chunks_deleted += self._delete_chunks(doc_id)
                    report.removed.append(doc_id)
            for number, document in enumerate(todo, 1):
                if on_progress:
                    on_progress(document.doc_id, number, len(todo))
                embedded, deleted = self._index_one(document)
                report.chunks_embedded += embedded
                report.chunks_deleted += deleted
            if rebuilding:
                report.chunks_deleted += self._reconcile()
            if report.changed:
                self.store.bump_version()
        report.seconds = time.perf_counter() - started
        return report

    def add_file(
        self,
        source: Path,
        *,
        title: str | None = None,
        source_url: str | None = None,
        kind: str | None = None,
        language: str | None = None,
        original_name: str | None = None,
        replace: bool = False,
    ) -> SyncReport:
        """Copy a staff file into corpus/uploads under a safe name and index it at once."""
        started = time.perf_counter()
        if source.is_dir():
            raise UploadError(f"{source}: is a folder; add the files inside it ({source}/*)")
        name = safe_upload_name(original_name or source.name)
        uploads = self.settings.uploads_dir
        uploads.mkdir(parents=True, exist_ok=True)
        target = uploads / name
        max_bytes = int(self.settings.max_file_mb * 1e6)
        defaults = {
            "id": slugify(Path(name).stem),
            "title": title,
            "source_url": source_url,
            "fallback_source": f"uploads/{name}",
            "kind": kind,
            "language": language,
        }
        report = SyncReport()
        with reporting_write_failures(self.settings.data_dir), self._locked():
            # Validate from the source before anything is written into the corpus.
            try:
                document = load_document(
                    source, max_bytes=max_bytes, defaults=defaults, display_path=str(target)
                )
            except DocumentError as error:
                raise UploadError(f"{name}: {error}") from None
            ledger = self.records.documents()
            clash = ledger.get(document.doc_id)
            if (target.exists() or clash) and not replace:
                raise UploadError(
                    f"{name}: a document with id '{document.doc_id}' already exists; "
                    "to overwrite it, use --replace (on the staff page: 'Replace a document "
                    "with the same id')"
                )
            if clash and clash.path != str(target) and Path(clash.path).exists():
                raise UploadError(
                    f"{name}: id '{document.doc_id}' belongs to {clash.path}; rename the upload"
                )
            before = set(self.records.list_keys(group_ids=[document.doc_id]))
            new_file = None if target.exists() else target
            try:
                _atomic_copy(source, target)
                self.store.ensure_collection()
                embedded, deleted = self._index_one(document)
            except BaseException:
                self._roll_back(document.doc_id, before, new_file, forget=clash is None)
                raise
            (report.updated if clash else report.added).append(document.doc_id)
            report.chunks_embedded, report.chunks_deleted = embedded, deleted
            self.store.bump_version()
        report.seconds = time.perf_counter() - started
        return report

    def remove(self, doc_id: str) -> SyncReport:
        """Remove a document from the index and its file from the corpus folder."""
        started = time.perf_counter()
        report = SyncReport()
        with reporting_write_failures(self.settings.data_dir), self._locked():
            known = self.records.documents().get(doc_id)
            if known is None:
                raise KeyError(f"no document with id '{doc_id}'")
            path = Path(known.path)
            if path.exists() and _is_inside(path, self.settings.corpus_dir):
                path.unlink()
            report.chunks_deleted = self._delete_chunks(doc_id)
            report.removed.append(doc_id)
            self.store.bump_version()
        report.seconds = time.perf_counter() - started
        return report

    def is_shipped(self, doc_id: str) -> bool:
        """A page of the corpus itself (not a staff upload): removing it needs confirmation."""
        known = self.records.documents().get(doc_id)
        return known is not None and not _is_inside(Path(known.path), self.settings.uploads_dir)

    def documents(self) -> list[DocumentRecord]:
        return list(self.records.documents().values())

    # --- internals ---

    def _load_corpus(self) -> tuple[list[SourceDocument], list[FileProblem]]:
        documents: dict[str, SourceDocument] = {}
        problems: list[FileProblem] = []
        max_bytes = int(self.settings.max_file_mb * 1e6)
        for path in sorted(self.settings.corpus_dir.rglob("*")):
            if not path.is_file() or path.name.lower() in SKIPPED_NAMES:
                continue
            if path.name.startswith(".") or path.suffix.lower() not in SUPPORTED:
                continue
            uploads = self.settings.uploads_dir
            defaults = {"id": slugify(path.stem)} if _is_inside(path, uploads) else None
            try:
                document = load_document(path, max_bytes=max_bytes, defaults=defaults)
            except DocumentError as error:
                problems.append(FileProblem(str(path), str(error)))
                continue
            if document.doc_id in documents:
                other = documents[document.doc_id].path
                problems.append(
                    FileProblem(str(path), f"duplicate id '{document.doc_id}' (also {other})")
                )
                continue
            documents[document.doc_id] = document
        return list(documents.values()), problems

    def _index_one(self, document: SourceDocument) -> tuple[int, int]:
        chunks = chunk_document(document, self.tokenizer, self.chunking)
        before = self.counting.count
        result = index(
            chunks,
            self.records,
            self.writer,
            cleanup="scoped_full",
            source_id_key="doc_id",
            key_encoder="sha256",
            batch_size=64,
        )
        self.records.record_document(
            DocumentRecord(
                doc_id=document.doc_id,
                path=document.path,
                title=document.meta.title,
                kind=document.meta.kind,
                language=document.meta.language,
                content_hash=self._index_hash(document),
                chunks=len(chunks),
                indexed_at=time.time(),
            )
        )
        return self.counting.count - before, result["num_deleted"]

    def _roll_back(
        self, doc_id: str, before: set[str], new_file: Path | None, *, forget: bool
    ) -> None:
        """Undo a failed add (a full disk mid-way): no chunk of it may stay answerable while
        absent from the ledger, and the same add must work again as is."""
        if new_file is not None:
            new_file.unlink(missing_ok=True)
        try:
            written = self.store.ids_of(doc_id) - before
            if written:
                self.store.delete(sorted(written))
            keys = set(self.records.list_keys(group_ids=[doc_id])) - before
            if keys:
                self.records.delete_keys(sorted(keys))
            if forget:
                self.records.forget_document(doc_id)
        except (OSError, sqlite3.Error, ChromaError, StoreUnavailable) as error:
            logger.warning(
                "Could not roll back the failed add of %s (%s); the next ingest removes "
                "what is left",
                doc_id,
                error,
            )

    def _index_hash(self, document: SourceDocument) -> str:
        """The document's content and the chunking recipe: a change to either re-indexes it
        (a data dir made by an older recipe picks up the new chunks and their metadata)."""
        key = f"{document.content_hash}:{self.chunking.signature}"
        return hashlib.sha256(key.encode()).hexdigest()

    def _delete_chunks(self, doc_id: str) -> int:
        keys = self.records.list_keys(group_ids=[doc_id])
        if keys:
            self.store.delete(keys)
            self.records.delete_keys(keys)
        self.records.forget_document(doc_id)
        return len(keys)

    def _drop_if_embedding_changed(self) -> None:
        """Vectors of another model (or variant) cannot be searched with this one's queries:
        forget them all so that every document is embedded again."""
        previous = self.store.stored_embedding_signature()
        if not previous or previous == self.store.embedding_signature or not self.store.count():
            return
        logger.warning(
            "Embedding model changed (%s -> %s): re-embedding every document",
            previous,
            self.store.embedding_signature,
        )
        self.store.delete(sorted(self.store.all_ids()))
        self.records.delete_keys(self.records.list_keys())
        for doc_id in self.records.documents():
            self.records.forget_document(doc_id)

    def _records_lost(self) -> bool:
        """True when the index holds chunks but the record database none (deleted, corrupt)."""
        stored = self.store.count()
        if not stored or self.records.list_keys(limit=1):
            return False
        logger.warning(
            "The record database %s knows no chunks but the index holds %d: "
            "rebuilding the index from the corpus in %s",
            self.settings.record_db,
            stored,
            self.settings.corpus_dir,
        )
        return True

    def _reconcile(self) -> int:
        """Repair what a crash or a lost index directory left: orphan vectors, lost chunks.

        Returns how many orphan chunks (stored, recorded nowhere) were deleted.
        """
        stored = self.store.all_ids()
        recorded = set(self.records.list_keys())
        orphans = sorted(stored - recorded)
        if orphans:
            logger.warning(
                "Removing %d chunks no record claims (an interrupted ingest, a lost record "
                "database or a removed document)",
                len(orphans),
            )
            self.store.delete(orphans)
        lost = sorted(recorded - stored)
        if lost:
            docs = self.records.group_ids_for(lost)
            logger.warning(
                "The index lost %d chunks of %d documents; they will be re-indexed",
                len(lost),
                len(docs),
            )
            self.records.delete_keys(lost)
            for doc_id in docs:
                self.records.forget_document(doc_id)
        return len(orphans)


def safe_upload_name(name: str) -> str:
    """A file name that cannot escape corpus/uploads: no directories, NULs or odd characters."""
    if "\x00" in name:
        raise UploadError("file name contains a NUL byte")
    base = Path(name.replace("\\", "/")).name
    suffix = Path(base).suffix.lower()
    if suffix not in SUPPORTED:
        raise UploadError(f"{base or name!r}: unsupported file type (use {', '.join(SUPPORTED)})")
    stem = slugify(Path(base).stem)
    return f"{stem}{suffix}"


def _is_inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


def _atomic_copy(source: Path, target: Path) -> None:
    handle, temp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
    os.close(handle)
    try:
        shutil.copyfile(source, temp)
        os.replace(temp, target)
    finally:
        if os.path.exists(temp):
            os.unlink(temp)
