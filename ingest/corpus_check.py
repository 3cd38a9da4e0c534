"""Quality checks of the shipped corpus and of its coverage of the fact notes."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from assistant.lexical import match_text
from assistant.sentences import split_sentences
from ingest.documents import DocumentError, SourceDocument, slugify
from ingest.injection import flagged_sentences
from ingest.loaders import SUPPORTED, load_document
from ingest.twins import twin_problems

MIN_WORDS, MAX_WORDS = 150, 1500
MAX_BYTES = 2_000_000


def corpus_pages(folder: Path) -> list[Path]:
    """The Markdown pages of the shipped corpus (staff uploads and READMEs excluded)."""
    return sorted(
        p
        for p in folder.rglob("*.md")
        if p.name.lower() != "readme.md" and "uploads" not in p.relative_to(folder).parts
    )


CITATION_LIKE = re.compile(r"\[\d+\]")


def check_corpus(folder: Path, upload_max_bytes: int = 20_000_000) -> tuple[list[str], int]:
    """Every problem of the corpus as one line `path: problem`, and the number of pages
    (staff uploads, up to `upload_max_bytes` each, are checked only for injection attempts)."""
    problems: list[str] = []
    seen_ids: dict[str, Path] = {}
    seen_paragraphs: dict[str, Path] = {}
    pages = corpus_pages(folder)
    documents: list[SourceDocument] = []
    for path in pages:
        if not path.read_bytes().lstrip().startswith(b"---"):
            problems.append(f"{path}: no front matter")
            continue
        try:
            document = load_document(path, max_bytes=MAX_BYTES)
        except DocumentError as error:
            problems.append(f"{path}: {error}")
            continue
        documents.append(document)
        meta = document.meta
        if meta.id in seen_ids:
            problems.append(f"{path}: id '{meta.id}' also used by {seen_ids[meta.id]}")
        seen_ids[meta.id] = path
        words = len(document.text.split())
        if not MIN_WORDS <= words <= MAX_WORDS:
            problems.append(f"{path}: body has {words} words (allowed {MIN_WORDS}-{MAX_WORDS})")
        if not re.search(r"^#{1,3}\s+\S", document.text, re.MULTILINE):
            problems.append(f"{path}: no heading")
        if meta.kind == "history" and not meta.milestones:
            problems.append(f"{path}: history page without milestones")
        for marker in CITATION_LIKE.findall(document.text):
            # Answers quote sentences verbatim and number their sources "[1]": a "[2020]" in a
            # quoted sentence would read as a citation of a source that does not exist.
            problems.append(f"{path}: '{marker}' reads as a citation marker; write (…) instead")
        for paragraph in re.split(r"\n\s*\n", document.text):
            key = " ".join(paragraph.split()).lower()
            if len(key) < 40 or key.startswith("#"):
                continue
            if key in seen_paragraphs and seen_paragraphs[key] != path:
                problems.append(f"{path}: paragraph also in {seen_paragraphs[key]}: {key[:60]}…")
            seen_paragraphs.setdefault(key, path)
        problems.extend(_addressing(document))
    problems.extend(twin_problems(documents))
    problems.extend(_addressing_uploads(folder / "uploads", upload_max_bytes))
    return problems, len(pages)


def _addressing(document: SourceDocument) -> list[str]:
    """Sentences that give orders to the assistant: never quoted, but staff should see them."""
    return [
        f"{document.path}: addresses the assistant (never quoted): {sentence[:160]}"
        for sentence in flagged_sentences(split_sentences(document.text))
    ]


def _addressing_uploads(uploads: Path, max_bytes: int) -> list[str]:
    """Staff uploads skip the page rules, not this one: an injection attempt comes that way."""
    problems: list[str] = []
    files = sorted(uploads.rglob("*")) if uploads.is_dir() else []
    for path in files:
        if path.suffix.lower() not in SUPPORTED or path.name.startswith("."):
            continue
        try:
            document = load_document(path, max_bytes=max_bytes, defaults={"id": slugify(path.stem)})
        except DocumentError:
            continue  # `ingest` reports unreadable uploads
        problems.extend(_addressing(document))
    return problems


@dataclass
class Coverage:
    total: int = 0
    covered: int = 0
    skipped: int = 0
    missing: list[str] = field(default_factory=list)

    @property
    def share(self) -> float:
        return self.covered / self.total if self.total else 0.0


COMMON = {
    "the",
    "this",
    "that",
    "these",
    "there",
    "their",
    "since",
    "from",
    "with",
    "when",
    "where",
    "according",
    "another",
    "other",
    "most",
    "some",
    "both",
    "also",
    "its",
    "his",
    "her",
    "in",
    "on",
    "for",
    "and",
    "but",
    "not",
    "one",
    "two",
    "flanders",
    "belgium",
    "belgian",
    "flemish",
    "conflict",
    "source",
    "sources",
    "page",
    "unverified",
    "note",
    "notes",
    "said",
    "says",
}


def key_terms(bullet: str) -> list[str]:
    """Numbers and proper names of a fact bullet (source URLs removed)."""
    text = re.sub(r"\(https?://[^)]*\)|https?://\S+", " ", bullet)
    text = re.sub(r"\*\*|[\[\]]", " ", text)
    numbers = re.findall(r"\d[\d,.]*\d|\d", text)
    names = [
        word
        for word in re.findall(r"(?<![.!?]\s)(?<!^)\b[A-Z][\w'’-]{2,}", text)
        if word.lower() not in COMMON
    ]
    terms = [match_text(n).rstrip(".,") for n in numbers] + [match_text(n) for n in names]
    return list(dict.fromkeys(t for t in terms if t))


def fact_coverage(fact_files: list[Path], folder: Path, threshold: float = 0.7) -> Coverage:
    """A bullet is covered when most of its key numbers and names appear in the corpus."""
    corpus = match_text(" ".join(p.read_text(encoding="utf-8") for p in corpus_pages(folder)))
    result = Coverage()
    for fact_file in fact_files:
        for line in fact_file.read_text(encoding="utf-8").splitlines():
            if not line.startswith("- "):
                continue
            if "UNVERIFIED" in line:
                result.skipped += 1
                continue
            terms = key_terms(line[2:])
            if not terms:
                continue
            result.total += 1
            found = sum(1 for t in terms if t in corpus)
            if found / len(terms) >= threshold:
                result.covered += 1
            else:
                result.missing.append(line[2:])
    return result
