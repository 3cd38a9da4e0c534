"""A SQLite record manager for LangChain's indexing API, plus the per-document ledger.

LangChain's own SQL record manager lives in the frozen langchain-classic package and pulls
SQLAlchemy; this one implements the same `RecordManager` interface on the standard
library's sqlite3. Beside the chunk records it keeps one row per document (content hash,
chunk count, time indexed) so that staff can list documents and a sync can say which were
added, updated, unchanged or removed.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import time
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from langchain_core.indexing.base import RecordManager

logger = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    namespace TEXT NOT NULL,
    key TEXT NOT NULL,
    group_id TEXT,
    updated_at REAL NOT NULL,
    PRIMARY KEY (namespace, key)
);
CREATE INDEX IF NOT EXISTS records_group ON records (namespace, group_id);
CREATE INDEX IF NOT EXISTS records_time ON records (namespace, updated_at);
CREATE TABLE IF NOT EXISTS documents (
    namespace TEXT NOT NULL,
    doc_id TEXT NOT NULL,
    path TEXT NOT NULL,
    title TEXT NOT NULL,
    kind TEXT NOT NULL,
    language TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    chunks INTEGER NOT NULL,
    indexed_at REAL NOT NULL,
    PRIMARY KEY (namespace, doc_id)
);
"""


@dataclass(frozen=True)
class DocumentRecord:
    """What the ledger knows about one indexed document."""

    doc_id: str
    path: str
    title: str
    kind: str
    language: str
    content_hash: str
    chunks: int
    indexed_at: float


class SQLiteRecordManager(RecordManager):
    """Chunk records and the document ledger in one SQLite file (WAL, safe across processes)."""

    def __init__(self, namespace: str, db_path: Path) -> None:
        super().__init__(namespace)
        self.db_path = Path(db_path)
        # A built index on a read-only volume: WAL mode needs a writable directory even to
        # read, so open the (checkpointed) file as immutable; nothing is ever written.
        self.read_only = self.db_path.exists() and not os.access(self.db_path.parent, os.W_OK)

    @contextmanager
    def _connect(self):
        if self.read_only:
            uri = f"{self.db_path.resolve().as_uri()}?mode=ro&immutable=1"
            connection = sqlite3.connect(uri, uri=True, isolation_level=None)
        else:
            connection = sqlite3.connect(self.db_path, timeout=60, isolation_level=None)
        try:
            if not self.read_only:
                connection.execute("PRAGMA journal_mode=WAL")
                connection.execute("PRAGMA busy_timeout=60000")
            yield connection
        finally:
            connection.close()

    def create_schema(self) -> None:
        """Create the tables; a corrupt file is moved aside and replaced by an empty one.

        An empty ledger beside a full index makes the next sync rebuild from the corpus.
        """
        if self.read_only:
            return
        self.db_path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._create_tables()
        except sqlite3.OperationalError:
            raise  # locked, unopenable, read-only: not corruption, keep the file
        except sqlite3.DatabaseError as error:
            aside = self._move_aside()
            logger.warning(
                "Record database %s is corrupt (%s); moved it to %s and started an empty one: "
                "the next sync rebuilds the index from the corpus",
                self.db_path,
                error,
                aside,
            )
            self._create_tables()

    def _create_tables(self) -> None:
        with self._connect() as db:
            db.executescript(SCHEMA)
            problems = [row[0] for row in db.execute("PRAGMA quick_check")]
        if problems != ["ok"]:
            raise sqlite3.DatabaseError("; ".join(problems[:3]))

    def _move_aside(self) -> Path:
        """Rename the database (and its WAL) to `<name>.corrupt-<time>`, for inspection."""
        aside = self.db_path.with_name(
            f"{self.db_path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}"
        )
        for suffix in ("", "-wal"):
            source = Path(f"{self.db_path}{suffix}")
            if source.exists():
                source.rename(f"{aside}{suffix}")
        Path(f"{self.db_path}-shm").unlink(missing_ok=True)
        return aside

    def get_time(self) -> float:
        return time.time()

    def update(
        self,
        keys: Sequence[str],
        *,
        group_ids: Sequence[str | None] | None = None,
        time_at_least: float | None = None,
    ) -> None:
        if group_ids is None:
            group_ids = [None] * len(keys)
        if len(keys) != len(group_ids):
            raise ValueError("keys and group_ids must have the same length")
        now = self.get_time()
        if time_at_least and now < time_at_least:
            raise ValueError(f"clock went backwards: {now} < {time_at_least}")
        rows = [(self.namespace, k, g, now) for k, g in zip(keys, group_ids, strict=True)]
        with self._connect() as db:
            db.executemany(
                "INSERT INTO records (namespace, key, group_id, updated_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (namespace, key) DO UPDATE SET group_id=excluded.group_id, "
                "updated_at=excluded.updated_at",
                rows,
            )

    def _column_for_keys(self, column: str, keys: Sequence[str]) -> set[str]:
        """Values of `column` for the records with these keys, queried 500 keys at a time
        (SQLite limits the number of parameters)."""
        values: set[str] = set()
        with self._connect() as db:
            for start in range(0, len(keys), 500):
                part = list(keys[start : start + 500])
                marks = ",".join("?" * len(part))
                query = f"SELECT {column} FROM records WHERE namespace=? AND key IN ({marks})"
                values.update(
                    row[0] for row in db.execute(query, [self.namespace, *part]) if row[0]
                )
        return values

    def exists(self, keys: Sequence[str]) -> list[bool]:
        found = self._column_for_keys("key", keys) if keys else set()
        return [k in found for k in keys]

    def list_keys(
        self,
        *,
        before: float | None = None,
        after: float | None = None,
        group_ids: Sequence[str] | None = None,
        limit: int | None = None,
    ) -> list[str]:
        query = "SELECT key FROM records WHERE namespace=?"
        params: list[object] = [self.namespace]
        if before is not None:
            query += " AND updated_at < ?"
            params.append(before)
        if after is not None:
            query += " AND updated_at > ?"
            params.append(after)
        if group_ids is not None:
            query += f" AND group_id IN ({','.join('?' * len(group_ids))})"
            params.extend(group_ids)
        if limit:
            query += " LIMIT ?"
            params.append(limit)
        with self._connect() as db:
            return [row[0] for row in db.execute(query, params)]

    def delete_keys(self, keys: Sequence[str]) -> None:
        with self._connect() as db:
            db.executemany(
                "DELETE FROM records WHERE namespace=? AND key=?",
                [(self.namespace, k) for k in keys],
            )

    # The async half of the interface is not used here: ingestion runs in one thread.
    async def acreate_schema(self) -> None:
        self.create_schema()

    async def aget_time(self) -> float:
        return self.get_time()

    async def aupdate(self, keys, *, group_ids=None, time_at_least=None) -> None:
        self.update(keys, group_ids=group_ids, time_at_least=time_at_least)

    async def aexists(self, keys: Sequence[str]) -> list[bool]:
        return self.exists(keys)

    async def alist_keys(self, *, before=None, after=None, group_ids=None, limit=None):
        return self.list_keys(before=before, after=after, group_ids=group_ids, limit=limit)

    async def adelete_keys(self, keys: Sequence[str]) -> None:
        self.delete_keys(keys)

    # --- the document ledger ---

    def documents(self) -> dict[str, DocumentRecord]:
        with self._connect() as db:
            rows = db.execute(
                "SELECT doc_id, path, title, kind, language, content_hash, chunks, indexed_at "
                "FROM documents WHERE namespace=? ORDER BY doc_id",
                [self.namespace],
            ).fetchall()
        return {row[0]: DocumentRecord(*row) for row in rows}

    def record_document(self, record: DocumentRecord) -> None:
        with self._connect() as db:
            db.execute(
                "INSERT OR REPLACE INTO documents VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    self.namespace,
                    record.doc_id,
                    record.path,
                    record.title,
                    record.kind,
                    record.language,
                    record.content_hash,
                    record.chunks,
                    record.indexed_at,
                ],
            )

    def forget_document(self, doc_id: str) -> None:
        with self._connect() as db:
            db.execute(
                "DELETE FROM documents WHERE namespace=? AND doc_id=?", [self.namespace, doc_id]
            )

    def group_ids_for(self, keys: Sequence[str]) -> set[str]:
        """Documents owning the given chunk keys (to re-index them after the store lost chunks)."""
        return self._column_for_keys("group_id", keys)
