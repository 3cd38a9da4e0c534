"""BM25 over the same chunks as the vector index: catches names, acronyms and years."""

from __future__ import annotations

import logging

import bm25s
import numpy as np

from assistant.gazetteer import Gazetteer
from assistant.lexical import terms
from assistant.store import ChunkRow
from ingest.chunking import body_of


def chunk_language(chunk: ChunkRow) -> str:
    """The language a chunk is analysed in: its page's, English when it says none."""
    return "nl" if chunk.metadata.get("language") == "nl" else "en"


logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs every index build at DEBUG


class KeywordIndex:
    """An in-memory BM25 index, rebuilt from the store whenever its version changes."""

    def __init__(self, chunks: list[ChunkRow], version: str = "") -> None:
        self.chunks = chunks
        self.version = version
        self.gazetteer = Gazetteer.build(
            (body_of(c.text) for c in chunks),
            (str(c.metadata.get("title", "")) for c in chunks),
            (chunk_language(c) for c in chunks),
        )
        self.document_frequency: dict[str, int] = {}
        # Each chunk is stemmed as its page's language; a question as its own (see `search`).
        tokenized = [terms(chunk.text, chunk_language(chunk)) for chunk in chunks]
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

    def search(self, query: str, k: int, language: str = "en") -> list[tuple[ChunkRow, float]]:
        """The best chunks for a query stemmed as `language`: it meets the pages of its own
        language on every word, those of the other language on names and figures."""
        vocabulary = self._bm25.vocab_dict if self.chunks else {}
        query_terms = [t for t in terms(query, language) if t in vocabulary]
        if not query_terms:
            return []
        scores = self._bm25.get_scores(query_terms)
        top = np.argsort(-scores)[:k]
        return [(self.chunks[i], float(scores[i])) for i in top if scores[i] > 0]
