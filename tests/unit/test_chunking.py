from __future__ import annotations

from pathlib import Path

from assistant.config import load_settings
from assistant.embeddings import MAX_TOKENS, count_tokens, load_tokenizer
from ingest.chunking import ChunkingConfig, body_of, chunk_document
from ingest.loaders import load_document

ROOT = Path(__file__).resolve().parents[2]
TOKENIZER = load_tokenizer(load_settings().embedding_model_path)


DEFAULT_CONFIG = ChunkingConfig(200, 30)


def chunks_of(path: Path, config: ChunkingConfig = DEFAULT_CONFIG):
    return chunk_document(load_document(path, max_bytes=10**7), TOKENIZER, config)


def test_every_embedded_text_fits_the_model_window():
    pages = sorted((ROOT / "corpus").rglob("*.md"))
    pages = [p for p in pages if p.name != "README.md"]
    assert len(pages) > 20
    for page in pages:
        for chunk in chunks_of(page):
            assert count_tokens(TOKENIZER, chunk.page_content) <= MAX_TOKENS, (
                page,
                chunk.page_content[:80],
            )


def test_long_section_is_split_and_each_piece_keeps_its_prefix(tmp_path):
    sentence = "Ablynx develops Nanobodies against rare blood disorders in Ghent. "
    page = tmp_path / "long.md"
    page.write_text(
        "---\nid: long\ntitle: Ablynx\nkind: history\nlanguage: en\nsources: [https://x.org]\n---\n"
        "# Ablynx\n\n## Products\n\n"
        + sentence * 80
        + "\n\n## Acquisition\n\nSanofi bought Ablynx in 2018.\n"
    )
    chunks = chunks_of(page, ChunkingConfig(120, 20))
    products = [c for c in chunks if c.metadata["section"] == "Products"]
    assert len(products) >= 4
    assert all(c.page_content.startswith("Ablynx — Products\n") for c in products)
    last = chunks[-1]
    assert last.metadata["section"] == "Acquisition"
    assert body_of(last.page_content) == "Sanofi bought Ablynx in 2018."
    assert [c.metadata["position"] for c in chunks] == list(range(len(chunks)))
    for key in ("doc_id", "title", "kind", "language", "section", "sources", "position"):
        assert key in last.metadata


def test_each_chunk_carries_the_sources_of_its_own_section(tmp_path):
    page = tmp_path / "legend.md"
    page.write_text(
        "---\nid: legend\ntitle: Oncology in Ghent\nkind: ecosystem\nlanguage: en\nsources:\n"
        "  - https://news.example.org/walter-fiers-sequenced-the-first-gene\n"
        "  - https://example.org/europes-first-car-t-production-site-opens\n"
        "  - https://example.org/annual-report\n---\n"
        "# Oncology in Ghent\n\n"
        "## CAR-T production\n\nEurope's first CAR-T production site opened in Ghent.\n\n"
        "## Gene sequencing\n\nWalter Fiers sequenced the first gene in Ghent.\n\n"
        "## Press\n\nThe trial results were covered in "
        "[a newspaper](https://www.tijd.be/car-t-trial) and https://vrt.be/trial.\n\n"
        "## Staff\n\nAbout forty people work in the oncology groups in Ghent.\n"
    )
    sources = {c.metadata["section"]: c.metadata["sources"].split() for c in chunks_of(page)}
    assert sources["CAR-T production"] == [
        "https://example.org/europes-first-car-t-production-site-opens"
    ]
    assert sources["Gene sequencing"] == [
        "https://news.example.org/walter-fiers-sequenced-the-first-gene"
    ]
    # Links written in a section are its sources; a section nothing matches keeps the page's.
    assert sources["Press"] == ["https://www.tijd.be/car-t-trial", "https://vrt.be/trial"]
    assert len(sources["Staff"]) == 3
