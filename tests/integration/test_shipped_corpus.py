"""The shipped corpus: valid pages, and plain questions find the right page."""

from __future__ import annotations

import pytest

from ingest.corpus_check import check_corpus
from tests.conftest import SHIPPED_CORPUS

pytestmark = pytest.mark.slow  # indexes a corpus or starts processes: not the fast subset


def test_corpus_check_passes():
    problems, pages = check_corpus(SHIPPED_CORPUS)
    assert problems == []
    assert pages >= 75


def test_corpus_has_the_required_pages():
    ecosystem = list((SHIPPED_CORPUS / "ecosystem").glob("*.md"))
    history = list((SHIPPED_CORPUS / "history").glob("*.md"))
    dutch = [p for p in SHIPPED_CORPUS.rglob("*.md") if "language: nl" in p.read_text()]
    assert len(ecosystem) >= 35 and len(history) >= 30 and len(dutch) >= 10


@pytest.mark.parametrize(
    ("question", "doc_ids"),
    [
        ("Who acquired Ablynx?", {"ablynx", "ablynx-nl", "era-2010s-today", "biotech-immunology"}),
        ("When was VIB founded?", {"vib", "vib-history", "vib-nl", "era-1990s-birth-of-vib"}),
        ("Who discovered Nanobodies?", {"hamers-nanobodies", "ablynx"}),
        ("What does imec do in health?", {"imec-health", "imec-nl"}),
        ("Where is the Rega Institute?", {"rega-institute", "piet-de-somer"}),
        ("Who wrote the book Biotech in Flanders?", {"book-biotech-in-flanders"}),
    ],
)
def test_plain_questions_retrieve_the_right_page_in_top_3(shipped_assistant, question, doc_ids):
    hits = shipped_assistant.retriever.retrieve(question, 3)
    assert {h.doc_id for h in hits} & doc_ids, [h.doc_id for h in hits]


def test_dutch_question_is_answered_from_a_dutch_page(shipped_assistant):
    answer = shipped_assistant.answer("Wie heeft argenx opgericht?")
    assert not answer.refused
    assert answer.citations[0].language == "nl"


def test_corpus_check_flags_a_bracketed_number_that_reads_as_a_citation(tmp_path):
    page = (SHIPPED_CORPUS / "history" / "ablynx.md").read_text(encoding="utf-8")
    (tmp_path / "ablynx.md").write_text(page.replace(" in 2001", " [2001]", 1), encoding="utf-8")
    problems, _ = check_corpus(tmp_path)
    assert any("'[2001]' reads as a citation marker" in p for p in problems)
