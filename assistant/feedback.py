"""Visitors' thumbs up/down on answers, kept in SQLite so staff can turn them into eval cases.

Each vote stores the question, the earlier questions it followed, the answer, its citations
and the backend, so `export_jsonl` can write lines in the format of tests/eval/questions.jsonl
(plus `feedback` and `answer`) for a reviewer to complete `must_include` and keep or drop.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from assistant.answers import Answer
from assistant.config import Settings
from assistant.write_failures import unwritable

logger = logging.getLogger(__name__)

Rating = Literal["up", "down"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at REAL NOT NULL,
    rating TEXT NOT NULL CHECK (rating IN ('up', 'down')),
    question TEXT NOT NULL,
    history TEXT NOT NULL,
    answer TEXT NOT NULL,
    refused INTEGER NOT NULL,
    citations TEXT NOT NULL,
    backend TEXT NOT NULL
)
"""


@dataclass
class FeedbackRow:
    """One stored vote."""

    id: int
    created_at: float
    rating: Rating
    question: str
    history: list[str]
    answer: str
    refused: bool
    citations: list[dict]
    backend: str

    def to_eval_case(self) -> dict:
        """A line for the evaluation dataset; `must_include` is left for a reviewer to fill."""
        cited: list[str] = []
        for citation in self.citations:
            doc_id = str(citation.get("doc_id", ""))
            if doc_id and doc_id not in cited:
                cited.append(doc_id)
        return {
            "id": f"feedback-{self.id}",
            "question": self.question,
            "must_include": [],
            "answerable": not self.refused,
            "expected_doc_ids": cited,
            "history": self.history,
            "feedback": self.rating,
            "answer": self.answer,
        }


class FeedbackStore:
    """SQLite file in FA_FEEDBACK_DIR or the data dir; one short connection per call, so
    threads never share one. On a read-only volume it is disabled, never a reason not to serve."""

    def __init__(self, settings: Settings) -> None:
        self.path: Path = (settings.feedback_dir or settings.data_dir) / "feedback.sqlite"
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            if unwritable(error, self.path.parent) is None:
                raise
        self.enabled = os.access(self.path.parent, os.W_OK)
        if not self.enabled:
            logger.warning(
                "Feedback disabled: %s is read-only; set FA_FEEDBACK_DIR to keep votes",
                self.path.parent,
            )
            return
        with self._connect() as db:
            db.execute(SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        with closing(sqlite3.connect(self.path, timeout=10)) as db, db:
            yield db

    def record(
        self,
        question: str,
        answer: Answer,
        rating: Rating,
        history: Sequence[str] = (),
    ) -> int | None:
        """Store one vote; returns its id (None when feedback is disabled)."""
        if not self.enabled:
            return None
        citations = [
            {
                "number": c.number,
                "doc_id": c.doc_id,
                "title": c.title,
                "url": c.url,
                "section": c.section,
            }
            for c in answer.citations
        ]
        with self._connect() as db:
            cursor = db.execute(
                "INSERT INTO feedback (created_at, rating, question, history, answer, refused,"
                " citations, backend) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    time.time(),
                    rating,
                    question,
                    json.dumps(list(history), ensure_ascii=False),
                    answer.text,
                    int(answer.refused),
                    json.dumps(citations, ensure_ascii=False),
                    answer.backend,
                ),
            )
            return int(cursor.lastrowid or 0)

    def rows(self) -> list[FeedbackRow]:
        if not self.enabled:
            return []
        with self._connect() as db:
            records = db.execute(
                "SELECT id, created_at, rating, question, history, answer, refused, citations,"
                " backend FROM feedback ORDER BY id"
            ).fetchall()
        return [
            FeedbackRow(
                id=r[0],
                created_at=r[1],
                rating=r[2],
                question=r[3],
                history=json.loads(r[4]),
                answer=r[5],
                refused=bool(r[6]),
                citations=json.loads(r[7]),
                backend=r[8],
            )
            for r in records
        ]

    def export_jsonl(self, path: Path) -> int:
        """Write every vote as an evaluation-dataset line; returns the number of lines."""
        rows = self.rows()
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8") as out:
            for row in rows:
                out.write(json.dumps(row.to_eval_case(), ensure_ascii=False) + "\n")
        return len(rows)
