from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from ingest.documents import DocumentError
from ingest.loaders import load_document

LIMIT = 1_000_000
PAGE = """---
id: test-page
title: Test page
kind: ecosystem
language: en
sources: [https://example.org/a]
---
# Test page

## Founding

Testco was founded in 2001 in Ghent by three researchers.
"""


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def test_markdown_with_front_matter(tmp_path):
    document = load_document(write(tmp_path, "p.md", PAGE), max_bytes=LIMIT)
    assert document.meta.id == "test-page"
    assert document.meta.sources == ["https://example.org/a"]
    assert "founded in 2001" in document.text
    assert "---" not in document.text


def test_txt_takes_metadata_from_options(tmp_path):
    path = write(tmp_path, "notes.txt", "Some plain text about a biotech firm in Leuven.")
    document = load_document(
        path,
        max_bytes=LIMIT,
        defaults={"title": "Notes", "source_url": "https://x.org", "kind": "history"},
    )
    assert (document.meta.title, document.meta.kind, document.meta.id) == (
        "Notes",
        "history",
        "notes",
    )


def test_html_drops_scripts_and_styles(tmp_path):
    html = "<html><head><style>p{}</style><script>alert(1)</script></head><body><main><h2>About</h2><p>Real text here about VIB.</p></main></body></html>"
    document = load_document(write(tmp_path, "page.html", html), max_bytes=LIMIT)
    assert "alert" not in document.text and "p{}" not in document.text
    assert "## About" in document.text and "Real text here" in document.text


def minimal_pdf(*lines: str, title: str | None = None) -> bytes:
    """A one-page PDF with one text line per argument and, optionally, a metadata title."""
    shown = " 0 -30 Td ".join(f"({line}) Tj" for line in lines)
    stream = f"BT /F1 12 Tf 72 720 Td {shown} ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    info = f" /Info {len(objects) + 1} 0 R" if title else ""
    if title:
        objects.append(f"<< /Title ({title}) >>".encode())
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(
        f"trailer << /Size {len(objects) + 1} /Root 1 0 R{info} >>\nstartxref\n{xref}\n%%EOF".encode()
    )
    return out.getvalue()


def test_pdf_text_extracted(tmp_path):
    path = write(tmp_path, "report.pdf", minimal_pdf("Galapagos is based in Mechelen since 1999"))
    assert "Mechelen" in load_document(path, max_bytes=LIMIT).text


def test_pdf_title_from_its_metadata_then_its_first_line(tmp_path):
    body = "The Zorgkompas Institute in Kortrijk studies care for the elderly since 2019."
    heading = "The Zorgkompas Institute"
    from_first_line = load_document(
        write(tmp_path, "scan-0042.pdf", minimal_pdf(heading, body)), max_bytes=LIMIT
    )
    assert from_first_line.meta.title == heading
    assert from_first_line.text.startswith(f"# {heading}\n\n{body}")  # heading apart from body
    from_metadata = load_document(
        write(tmp_path, "scan-0043.pdf", minimal_pdf(body, title="Zorgkompas annual report")),
        max_bytes=LIMIT,
    )
    assert from_metadata.meta.title == "Zorgkompas annual report"
    sentence_only = load_document(
        write(tmp_path, "scan-0044.pdf", minimal_pdf(body)), max_bytes=LIMIT
    )
    assert sentence_only.meta.title == "scan 0044"  # a sentence is no title: the file name


def test_docx_text_and_headings(tmp_path):
    import docx

    document = docx.Document()
    document.add_heading("Overview", level=2)
    document.add_paragraph("Biocartis builds molecular diagnostics in Mechelen.")
    path = tmp_path / "brief.docx"
    document.save(path)
    loaded = load_document(path, max_bytes=LIMIT)
    assert "## Overview" in loaded.text and "Biocartis" in loaded.text


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("binary.md", b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR" * 10, "binary"),
        ("latin1.md", "Caf\xe9 in Gent".encode("latin-1"), "UTF-8"),
        ("empty.md", b"", "empty"),
        ("broken.md", "---\nid: [unclosed\n---\n# T\n\nSome words here.", "front matter"),
        ("fake.pdf", b"this is not a pdf at all", "PDF"),
        ("fake.docx", b"not a zip archive", "docx"),
        ("bad-kind.md", PAGE.replace("kind: ecosystem", "kind: gossip"), "kind"),
        (
            "no-source.md",
            PAGE.replace("sources: [https://example.org/a]", "sources: []"),
            "sources",
        ),
        ("script.exe", b"MZ", "unsupported"),
    ],
)
def test_bad_files_rejected_with_reason(tmp_path, name, data, reason):
    with pytest.raises(DocumentError, match=reason):
        load_document(write(tmp_path, name, data), max_bytes=LIMIT)


def test_oversized_file_rejected(tmp_path):
    path = write(tmp_path, "big.txt", "word " * 1000)
    with pytest.raises(DocumentError, match="limit"):
        load_document(path, max_bytes=100)


def zip_bomb(path: Path) -> Path:
    """A .docx of well under 1 MB that unpacks to 60 MB."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"\0" * (60 * 1024 * 1024))
    path.write_bytes(buffer.getvalue())
    return path


def test_docx_zip_bomb_rejected(tmp_path):
    path = zip_bomb(tmp_path / "bomb.docx")
    assert path.stat().st_size < 1_000_000
    with pytest.raises(DocumentError, match="zip bomb"):
        load_document(path, max_bytes=LIMIT)
