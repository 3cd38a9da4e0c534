"""BM25 over the same chunks as the vector index: catches names, acronyms and years."""

from __future__ import annotations

import logging

import bm25s
import numpy as np

from assistant.gazetteer import Gazetteer
from assistant.lexical import terms
from assistant.store import ChunkRow
from ingest.chunking import body_of

logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs every index build at DEBUG


class KeywordIndex:
    """An in-memory BM25 index, rebuilt from the store whenever its version changes."""

    def __init__(self, chunks: list[ChunkRow], version: str = "") -> None:
        self.chunks = chunks
        self.version = version
        self.gazetteer = Gazetteer.build(
            (body_of(c.text) for c in chunks), (str(c.metadata.get("title", "")) for c in chunks)
        )
        self.document_frequency: dict[str, int] = {}
        tokenized = [terms(chunk.text) for chunk in chunks]
        for tokens in tokenized:
            for token in set(tokens):
                self.document_frequency[token] = self.document_frequency.get(token, 0) + 1
        self._bm25 = bm25s.BM25()
        if chunks:
            self._bm25.index([t or ["_"] for t in tokenized], show_progress=False)

    def idf(self, term: str) -> float:
        """Inverse document frequency; rare names weigh more than common words."""
        count = self.document_frequency.get(term, 0)
        return float(np.log(1 + (len(self.chunks) - count + 0.5) / (count + 0.5)))

    def search(self, query: str, k: int) -> list[tuple[ChunkRow, float]]:
        query_terms = [t for t in terms(query) if t in self._bm25.vocab_dict] if self.chunks else []
        if not query_terms:
            return []
        scores = self._bm25.get_scores(query_terms)
        top = np.argsort(-scores)[:k]
        return [(self.chunks[i], float(scores[i])) for i in top if scores[i] > 0]
