"""Structure-aware chunking: split on Markdown headings, then by model tokens.

all-MiniLM-L6-v2 silently truncates past 256 word pieces, so every embedded text, the
title/section prefix included, is measured with the model's own tokenizer and kept inside
that window.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from langchain_core.documents import Document
from langchain_text_splitters import MarkdownHeaderTextSplitter, RecursiveCharacterTextSplitter

from assistant.embeddings import MAX_TOKENS, count_tokens
from assistant.sentences import split_sentences
from ingest.documents import SourceDocument
from ingest.injection import FLAGGED_KEY, SEPARATOR, flagged_sentences
from ingest.section_sources import section_sources

HEADINGS = [("#", "h1"), ("##", "h2"), ("###", "h3")]
PREFIX_SEPARATOR = " — "
# Raise when chunk text or metadata change for the same document: the indexer re-indexes
# every document whose chunks were made by another recipe. 2: per-section sources; 3: the
# twin page id (language-first retrieval).
RECIPE_VERSION = 3


@dataclass(frozen=True)
class ChunkingConfig:
    chunk_tokens: int
    overlap_tokens: int

    @property
    def signature(self) -> str:
        """Everything besides the document that decides its chunks."""
        return f"recipe-{RECIPE_VERSION}:{self.chunk_tokens}:{self.overlap_tokens}"


def embed_prefix(title: str, section: str) -> str:
    """The first line of every chunk: lets "it was founded in 2001" be found by the name."""
    label = title if not section or section == title else f"{title}{PREFIX_SEPARATOR}{section}"
    return " ".join(label.split())


def body_of(chunk_text: str) -> str:
    """The chunk text without its title/section prefix line."""
    return chunk_text.split("\n", 1)[1] if "\n" in chunk_text else chunk_text


def _sections(text: str) -> list[tuple[str, str]]:
    splitter = MarkdownHeaderTextSplitter(HEADINGS, strip_headers=True)
    sections = []
    for part in splitter.split_text(text):
        path = [part.metadata[k] for k in ("h2", "h3") if part.metadata.get(k)]
        content = part.page_content.strip()
        if content:
            sections.append((" > ".join(path), content))
    return sections


def chunk_document(document: SourceDocument, tokenizer, config: ChunkingConfig) -> list[Document]:
    """Cut one document into LangChain Documents whose embedded text fits the model window."""

    def length(text: str) -> int:
        return count_tokens(tokenizer, text) - 2  # without [CLS]/[SEP]

    meta = document.meta
    chunks: list[Document] = []
    sections = _sections(document.text)
    backing = section_sources([f"{s}\n{c}" for s, c in sections], list(meta.sources))
    for (section, content), sources in zip(sections, backing, strict=True):
        prefix = embed_prefix(meta.title, section)
        budget = MAX_TOKENS - 2 - length(prefix + "\n") - 1
        size = max(32, min(config.chunk_tokens, budget))
        splitter = RecursiveCharacterTextSplitter(
            chunk_size=size,
            chunk_overlap=min(config.overlap_tokens, size // 3),
            length_function=length,
            separators=["\n\n", "\n", ". ", "? ", "! ", "; ", ", ", " ", ""],
            keep_separator="end",
        )
        for piece in splitter.split_text(content):
            piece = re.sub(r"[ \t]+", " ", piece).strip()
            if not piece:
                continue
            metadata = {
                "doc_id": meta.id,
                "title": meta.title,
                "kind": meta.kind,
                "language": meta.language,
                "section": section,
                "sources": " ".join(sources),  # this section's, see section_sources
                "path": document.path,
                "position": len(chunks),
                "doc_hash": document.content_hash,
            }
            # Only when present (as the flags below): an upload's chunks keep their hash.
            if meta.twin:
                metadata["twin"] = meta.twin
            # Only when present: chunks of clean pages keep their hash and are not re-embedded.
            flagged = flagged_sentences(split_sentences(piece))
            if flagged:
                metadata[FLAGGED_KEY] = SEPARATOR.join(flagged)
            chunks.append(Document(page_content=f"{prefix}\n{piece}", metadata=metadata))
    return chunks
