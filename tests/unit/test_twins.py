"""The twin check: each corpus page has a twin in the other language holding the same facts."""

from __future__ import annotations

from pathlib import Path

from ingest.corpus_check import check_corpus
from ingest.documents import FrontMatter, SourceDocument
from ingest.twins import figures, twin_problems

ROOT = Path(__file__).resolve().parents[2]

ENGLISH = (
    "# Ablynx\n\nIn 2018 Sanofi bought Ablynx from Ghent for 3.9 billion euro. Ablynx had "
    "4,500 shares. Marc Van Montagu won a Nobel Prize in Ghent."
)
DUTCH = (
    "# Ablynx\n\nIn 2018 kocht Sanofi het Gentse Ablynx voor 3,9 miljard euro. Ablynx had "
    "4.500 aandelen. Marc Van Montagu kreeg een Nobelprijs in Gent."
)


def page(doc_id: str, language: str, text: str, twin: str | None, **meta) -> SourceDocument:
    fields = {
        "id": doc_id,
        "title": f"{doc_id} page",
        "kind": "history",
        "language": language,
        "sources": ["https://example.org/a"],
        "milestones": [{"year": 2018, "event": "Sanofi buys Ablynx"}],
        "twin": twin,
    }
    return SourceDocument(FrontMatter(**(fields | meta)), text, f"{doc_id}.md")


def test_twins_with_the_same_facts_in_other_words_pass():
    # Figures in either notation, exonyms (Ghent/Gent), a Dutch adjective ("Gentse") and a
    # compound ("Nobelprijs") all count as the same fact.
    pair = [page("ablynx", "en", ENGLISH, "ablynx-nl"), page("ablynx-nl", "nl", DUTCH, "ablynx")]
    assert twin_problems(pair) == []


def test_a_page_without_twin_or_with_a_broken_link_is_reported():
    problems = twin_problems(
        [
            page("alone", "en", ENGLISH, None),
            page("ablynx", "en", ENGLISH, "missing"),
            page("one-way", "nl", DUTCH, "alone"),
        ]
    )
    assert any("alone.md: no twin" in p for p in problems)
    assert any("twin 'missing' is not a corpus page" in p for p in problems)
    assert any("one-way.md: twin 'alone' does not link back" in p for p in problems)


def test_each_kind_of_disagreement_names_page_and_fact():
    dutch = DUTCH.replace("In 2018 kocht Sanofi", "Toen kocht Novartis").replace("4.500", "4.600")
    problems = twin_problems(
        [
            page("ablynx", "en", ENGLISH, "ablynx-nl"),
            page(
                "ablynx-nl",
                "nl",
                dutch,
                "ablynx",
                sources=["https://example.org/b"],
                milestones=[{"year": 2019, "event": "Sanofi koopt Ablynx"}],
            ),
        ]
    )
    english_side = [p for p in problems if p.startswith("ablynx.md")]
    assert "ablynx.md: twin 'ablynx-nl' lacks source https://example.org/a" in english_side
    assert any("other milestone years: [2018] here, [2019] there" in p for p in english_side)
    assert "ablynx.md: twin 'ablynx-nl' lacks the figure or year 2018" in english_side
    assert "ablynx.md: twin 'ablynx-nl' lacks the figure or year 4500" in english_side
    assert "ablynx.md: twin 'ablynx-nl' lacks the name 'sanofi'" in english_side
    assert "ablynx-nl.md: twin 'ablynx' lacks the name 'novartis'" in problems


def test_figures_compare_across_notations():
    assert figures("4,500 staff and 3.9 billion") == figures("4.500 mensen en 3,9 miljard")


def test_the_shipped_corpus_has_a_twin_for_every_page():
    problems, pages = check_corpus(ROOT / "corpus")
    assert pages >= 160
    assert [p for p in problems if "twin" in p] == []
