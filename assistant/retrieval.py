"""Hybrid retrieval: dense search in Chroma plus BM25, fused by reciprocal rank.

Dense search finds paraphrases; keyword search finds what embeddings blur: names,
acronyms and years ("imec", "TiGenix", "1996"). Near-duplicate chunks are collapsed so the
answerer sees several pieces of evidence rather than one twice.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

import numpy as np

from assistant.embeddings import OnnxEmbeddings, TorchEmbeddings
from assistant.keyword_index import KeywordIndex
from assistant.lexical import terms
from assistant.store import ChunkRow, IndexStore
from ingest.chunking import body_of

logger = logging.getLogger(__name__)

RRF_K = 60
VERSION_CHECK_SECONDS = 1.0


@dataclass
class Hit:
    """A retrieved chunk with the evidence of each search path."""

    chunk: ChunkRow
    score: float
    dense: float = 0.0
    dense_rank: int | None = None
    keyword_rank: int | None = None

    @property
    def doc_id(self) -> str:
        return str(self.chunk.metadata.get("doc_id", ""))

    @property
    def title(self) -> str:
        return str(self.chunk.metadata.get("title", ""))

    @property
    def body(self) -> str:
        return body_of(self.chunk.text)


def _where(kind: str | None, language: str | None) -> dict | None:
    clauses = [{key: value} for key, value in (("kind", kind), ("language", language)) if value]
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def _matches(chunk: ChunkRow, kind: str | None, language: str | None) -> bool:
    meta = chunk.metadata
    return (not kind or meta.get("kind") == kind) and (
        not language or meta.get("language") == language
    )


# A page in the visitor's language is preferred a little; a page whose twin in that language
# was found too comes only after all passages in that language (a fallback when they miss it).
PREFERRED_LANGUAGE_WEIGHT = 1.15
OTHER_TWIN_WEIGHT = 0.25


def language_weight(chunk: ChunkRow, language: str, found: set[str]) -> float:
    """How much a chunk's fused score counts for a question in `language`, when the pages
    `found` in that language are among the candidates."""
    if chunk.metadata.get("language") == language:
        return PREFERRED_LANGUAGE_WEIGHT
    return OTHER_TWIN_WEIGHT if chunk.metadata.get("twin") in found else 1.0


def _near_duplicate(a: ChunkRow, b: ChunkRow) -> bool:
    left, right = set(terms(body_of(a.text))), set(terms(body_of(b.text)))
    if not left or not right:
        return False
    return len(left & right) / len(left | right) > 0.8


class HybridRetriever:
    """Dense + keyword search over one store; keeps its BM25 index in step with the store."""

    def __init__(
        self, store: IndexStore, embeddings: OnnxEmbeddings | TorchEmbeddings, candidate_k: int
    ):
        self.store = store
        self.embeddings = embeddings
        self.candidate_k = candidate_k
        self._keyword: KeywordIndex | None = None
        self._checked_at = 0.0
        self._lock = threading.Lock()

    @property
    def keyword(self) -> KeywordIndex:
        """The BM25 index, rebuilt when the store's version marker changed (any process)."""
        now = time.monotonic()
        current = self._keyword
        if current is not None and now - self._checked_at < VERSION_CHECK_SECONDS:
            return current
        with self._lock:
            self._checked_at = now
            version = self.store.version()
            if self._keyword is None or self._keyword.version != version:
                if self._keyword is not None and self.store.changed_elsewhere(version):
                    self.store.reopen()
                started = time.perf_counter()
                self._keyword = KeywordIndex(self.store.all_chunks(with_vectors=True), version)
                logger.info(
                    "Keyword index rebuilt: %d chunks in %.0f ms",
                    len(self._keyword.chunks),
                    (time.perf_counter() - started) * 1000,
                )
            return self._keyword

    def refresh(self) -> None:
        """Force the next search to re-read the store (after an in-process ingest)."""
        self._checked_at = 0.0

    def retrieve(
        self,
        query: str,
        k: int,
        *,
        kind: str | None = None,
        language: str | None = None,
        prefer_language: str | None = None,
        query_vector: list[float] | None = None,
    ) -> list[Hit]:
        vector = query_vector if query_vector is not None else self.embeddings.embed_query(query)
        dense = self.store.query(vector, self.candidate_k, _where(kind, language))
        keyword = [
            (chunk, score)
            for chunk, score in self.keyword.search(
                query, self.candidate_k * 2, "nl" if prefer_language == "nl" else "en"
            )
            if _matches(chunk, kind, language)
        ][: self.candidate_k]
        hits: dict[str, Hit] = {}
        for rank, (chunk, similarity) in enumerate(dense):
            hit = hits.setdefault(chunk.id, Hit(chunk, 0.0))
            hit.dense, hit.dense_rank = similarity, rank
            hit.score += 1.0 / (RRF_K + rank + 1)
        for rank, (chunk, _score) in enumerate(keyword):
            hit = hits.setdefault(chunk.id, Hit(chunk, 0.0))
            hit.keyword_rank = rank
            hit.score += 1.0 / (RRF_K + rank + 1)
        if prefer_language:
            found = {
                h.doc_id
                for h in hits.values()
                if h.chunk.metadata.get("language") == prefer_language
            }
            for hit in hits.values():
                hit.score *= language_weight(hit.chunk, prefer_language, found)
        if keyword and any(h.dense_rank is None for h in hits.values()):
            self._fill_dense_scores(hits, vector)
        ranked = sorted(hits.values(), key=lambda h: h.score, reverse=True)
        chosen: list[Hit] = []
        for hit in ranked:
            if any(_near_duplicate(hit.chunk, kept.chunk) for kept in chosen):
                continue
            chosen.append(hit)
            if len(chosen) == k:
                break
        return chosen

    def _fill_dense_scores(self, hits: dict[str, Hit], vector: list[float]) -> None:
        """Keyword-only hits get their cosine too, so evidence scores compare like with like
        (from the vectors the keyword index holds: no round trip to the store)."""
        query = np.asarray(vector, dtype=np.float32)
        for hit in hits.values():
            if hit.dense_rank is None and hit.chunk.vector is not None:
                hit.dense = float(hit.chunk.vector @ query)
