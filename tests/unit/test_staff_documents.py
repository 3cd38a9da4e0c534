"""The staff page's document table: a fresh upload is at the top, not below 90 shipped pages."""

from __future__ import annotations

from ingest.record_manager import DocumentRecord
from ui.admin import document_rows


class FakeIndexer:
    """Only the ledger listing that the table reads."""

    def __init__(self, records: list[DocumentRecord]) -> None:
        self.records = records

    def documents(self) -> list[DocumentRecord]:
        return self.records


def record(doc_id: str, indexed_at: float) -> DocumentRecord:
    return DocumentRecord(
        doc_id, f"{doc_id}.md", doc_id.title(), "history", "en", "h", 3, indexed_at
    )


def test_documents_are_listed_newest_first_then_by_id():
    indexer = FakeIndexer(
        [record("ablynx", 100.0), record("zz-upload", 500.0), record("argenx", 100.0)]
    )
    assert [row[0] for row in document_rows(indexer)] == ["zz-upload", "ablynx", "argenx"]
