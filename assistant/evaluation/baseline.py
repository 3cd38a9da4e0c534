"""The plain LangChain tutorial pipeline, as a yardstick for every report.

1,000-character chunks with 200 overlap, dense-only top-4 retrieval, and the single best
sentence (by embedding similarity) as the answer; it never refuses.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np
from langchain_chroma import Chroma
from langchain_core.documents import Document
from langchain_text_splitters import RecursiveCharacterTextSplitter

from assistant.answers import Answer, Citation
from assistant.config import Settings
from assistant.sentences import split_sentences
from assistant.store import open_client
from ingest.corpus_check import corpus_pages
from ingest.loaders import load_document


class BaselinePipeline:
    """Dense top-4 over naive chunks, best sentence as answer."""

    name = "baseline"

    def __init__(self, settings: Settings, embeddings) -> None:
        self.embeddings = embeddings
        documents = [load_document(p, max_bytes=10**7) for p in corpus_pages(settings.corpus_dir)]
        splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
        chunks = [
            Document(
                page_content=piece,
                metadata={"doc_id": d.doc_id, "title": d.meta.title, "url": d.meta.sources[0]},
            )
            for d in documents
            for piece in splitter.split_text(d.text)
        ]
        digest = hashlib.sha256("".join(c.page_content for c in chunks).encode()).hexdigest()[:12]
        self.store = Chroma(
            collection_name=f"baseline-{digest}",
            embedding_function=embeddings,
            client=open_client(settings),
        )
        if self.store._collection.count() != len(chunks):
            self.store.reset_collection()
            self.store.add_documents(chunks, ids=[f"{digest}-{i}" for i in range(len(chunks))])

    def answer(self, question: str, history: Sequence[str] = ()) -> Answer:
        found = self.store.similarity_search(question, k=4)
        contexts = [
            Citation(
                i + 1,
                d.metadata["doc_id"],
                d.metadata["title"],
                d.metadata["url"],
                "",
                d.page_content,
                0.0,
            )
            for i, d in enumerate(found)
        ]
        pool = [(i, s) for i, d in enumerate(found) for s in split_sentences(d.page_content)]
        if not pool:
            return Answer("", [], refused=True, backend=self.name, contexts=contexts)
        query = np.asarray(self.embeddings.embed_query(question), dtype=np.float32)
        vectors = self.embeddings.embed_array([s for _, s in pool])
        index, sentence = pool[int(np.argmax(vectors @ query))]
        return Answer(
            f"{sentence} [1]", [_renumber(contexts[index])], False, self.name, contexts=contexts
        )


def _renumber(citation: Citation) -> Citation:
    return Citation(
        1,
        citation.doc_id,
        citation.title,
        citation.url,
        citation.section,
        citation.text,
        citation.score,
    )
