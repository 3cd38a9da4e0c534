"""Loaders: one function per file type, each returning clean text or raising DocumentError."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import yaml

from ingest.documents import (
    DocumentError,
    FrontMatter,
    SourceDocument,
    slugify,
    validate_front_matter,
)

SUPPORTED = (".md", ".txt", ".html", ".htm", ".pdf", ".docx")
DOCX_MAX_UNPACKED = 50 * 1024 * 1024  # a .docx that inflates beyond this is treated as a zip bomb
# Metadata titles that name the file, not the document ("Microsoft Word - notes.docx").
PDF_NAME_TITLE = re.compile(r"\.(docx?|pdf|odt|rtf|pptx?)$|^microsoft \w+ - ", re.IGNORECASE)
HEADING_ENDS = (".", ",", ";", ":", "!", "?")
FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*(?:\n|\Z)", re.DOTALL)


def _decode(raw: bytes) -> str:
    if b"\x00" in raw:
        raise DocumentError("binary content (NUL bytes) in a text file")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DocumentError(f"not valid UTF-8 (byte {error.start})") from None


def clean_text(text: str) -> str:
    """Normalise line ends and whitespace; drop control characters."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", text)
    text = re.sub(r"[ \t]+\n", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


def split_front_matter(text: str) -> tuple[dict | None, str]:
    """Return (front matter mapping or None, body)."""
    match = FRONT_MATTER.match(text)
    if not match:
        return None, text
    try:
        data = yaml.safe_load(match.group(1))
    except yaml.YAMLError as error:
        raise DocumentError(f"broken front matter: {str(error).splitlines()[0]}") from None
    return data, text[match.end() :]


def markdown_text(raw: bytes) -> str:
    return _decode(raw)


def plain_text(raw: bytes) -> str:
    return _decode(raw)


def html_text(raw: bytes) -> str:
    """Main text of an HTML page as Markdown-ish text; scripts, styles and navigation dropped."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(_decode(raw), "html.parser")
    for tag in soup(["script", "style", "noscript", "nav", "footer", "header", "iframe", "svg"]):
        tag.decompose()
    root = soup.find("main") or soup.find("article") or soup.body or soup
    lines = []
    for element in root.find_all(["h1", "h2", "h3", "h4", "p", "li", "td", "pre"]):
        words = " ".join(element.get_text(" ", strip=True).split())
        if not words:
            continue
        if element.name in ("h1", "h2", "h3", "h4"):
            words = "#" * int(element.name[1]) + " " + words
        lines.append(words)
    if not lines:
        lines = [" ".join(root.get_text(" ", strip=True).split())]
    return "\n\n".join(lines)


def pdf_text(raw: bytes) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    if not raw.startswith(b"%PDF"):
        raise DocumentError("not a PDF file (missing %PDF header)")
    try:
        reader = PdfReader(io.BytesIO(raw))
        pages = [page.extract_text() or "" for page in reader.pages]
        title = _pdf_metadata_title(reader)
    except (PdfReadError, ValueError, KeyError, TypeError) as error:
        raise DocumentError(f"unreadable PDF: {error}") from None
    # PDF text has no headings: a short first line that reads as one becomes the heading,
    # set apart from the body it would otherwise run into, and the title unless the
    # metadata names one.
    first, _, rest = "\n\n".join(pages).strip().partition("\n")
    if rest.strip() and _reads_as_heading(first):
        text = f"{'##' if title else '#'} {first.strip()}\n\n{rest.strip()}"
    else:
        text = f"{first}\n{rest}".strip()
    return f"# {title}\n\n{text}" if title else text


def _pdf_metadata_title(reader) -> str | None:
    """The document title a PDF declares, unless it is a tool's placeholder or a file name."""
    title = " ".join(str((reader.metadata or {}).get("/Title") or "").split())
    if not title or title.lower() in ("untitled", "title") or PDF_NAME_TITLE.search(title):
        return None
    return title[:200]


def _reads_as_heading(line: str) -> bool:
    line = line.strip()
    return 0 < len(line) <= 100 and len(line.split()) <= 12 and not line.endswith(HEADING_ENDS)


def docx_text(raw: bytes) -> str:
    import docx

    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            if sum(info.file_size for info in archive.infolist()) > DOCX_MAX_UNPACKED:
                raise DocumentError("the .docx unpacks to more than 50 MB (zip bomb?)")
        document = docx.Document(io.BytesIO(raw))
    except zipfile.BadZipFile:
        raise DocumentError("not a .docx file (not a zip archive)") from None
    except KeyError as error:
        raise DocumentError(f"broken .docx: {error}") from None
    lines = []
    for paragraph in document.paragraphs:
        text = paragraph.text.strip()
        if not text:
            continue
        style = (paragraph.style.name or "").lower() if paragraph.style else ""
        if style.startswith("heading"):
            level = style.replace("heading", "").strip()
            text = "#" * (int(level) if level.isdigit() else 2) + " " + text
        lines.append(text)
    return "\n\n".join(lines)


READERS: dict[str, Callable[[bytes], str]] = {
    ".md": markdown_text,
    ".txt": plain_text,
    ".html": html_text,
    ".htm": html_text,
    ".pdf": pdf_text,
    ".docx": docx_text,
}


def first_heading(text: str) -> str | None:
    match = re.search(r"^#\s+(.+)$", text, re.MULTILINE)
    return match.group(1).strip() if match else None


def load_document(
    path: Path,
    *,
    max_bytes: int,
    defaults: dict | None = None,
    display_path: str | None = None,
) -> SourceDocument:
    """Read one file into a SourceDocument.

    Markdown with front matter carries its own metadata; any other file (and Markdown
    without front matter) takes it from `defaults` (title, source_url, kind, language, id)
    or from the file itself.
    """
    suffix = path.suffix.lower()
    if suffix not in READERS:
        raise DocumentError(f"unsupported file type '{suffix}' (use {', '.join(SUPPORTED)})")
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise DocumentError(
                f"file is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB limit"
            )
        raw = path.read_bytes()
    except OSError as error:
        raise DocumentError(f"cannot read file: {error.strerror}") from None
    if not raw.strip():
        raise DocumentError("empty file")
    text = READERS[suffix](raw)
    front, body = split_front_matter(text) if suffix == ".md" else (None, text)
    body = clean_text(body)
    if len(body.split()) < 3:
        raise DocumentError("no readable text")
    if front is None:
        front = _derived_front_matter(path, body, defaults or {})
    elif defaults:
        front = {**front, **{k: v for k, v in _override_fields(defaults).items() if v}}
    meta: FrontMatter = validate_front_matter(front)
    return SourceDocument(meta=meta, text=body, path=display_path or str(path))


def _override_fields(defaults: dict) -> dict:
    fields = {k: defaults.get(k) for k in ("title", "kind", "language")}
    if defaults.get("source_url"):
        fields["sources"] = [defaults["source_url"]]
    return fields


def _derived_front_matter(path: Path, body: str, defaults: dict) -> dict:
    title = (
        defaults.get("title")
        or first_heading(body)
        or path.stem.replace("_", " ").replace("-", " ")
    )
    return {
        "id": defaults.get("id") or slugify(path.stem),
        "title": title[:200],
        "kind": defaults.get("kind") or "ecosystem",
        "language": defaults.get("language") or "en",
        "sources": [
            defaults.get("source_url") or defaults.get("fallback_source") or f"uploads/{path.name}"
        ],
    }


def front_matter_of(path: Path) -> FrontMatter | None:
    """Front matter of a Markdown file, or None when it has none (used to check id clashes)."""
    front, _ = split_front_matter(_decode(path.read_bytes()))
    return validate_front_matter(front) if front is not None else None
