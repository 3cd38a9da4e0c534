"""The assistant end to end on a real index of a small corpus, with the real embedder."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from assistant.answers import QuestionError
from assistant.evaluation.metrics import citation_validity
from ingest.chunking import body_of

pytestmark = pytest.mark.slow  # indexes a corpus or starts processes: not the fast subset

MARKER = re.compile(r"\[(\d+)\]")


@pytest.mark.parametrize(("query", "doc_id"), [("1928", "ucb-history"), ("Keppra", "ucb-history")])
def test_a_bare_year_or_name_finds_the_page_that_holds_it(assistant, query, doc_id):
    """Embeddings blur exact names and years; a reader searching for one still gets the page
    (and the passage) that contains it first: BM25 beside the dense search sees to that."""
    vector = assistant.embeddings.embed_query(query)
    hits = assistant.retriever.retrieve(query, 3, query_vector=vector)
    assert hits[0].doc_id == doc_id
    assert query in hits[0].chunk.text


def test_filters_by_kind(assistant):
    hits = assistant.retriever.retrieve("research institute in Leuven", 5, kind="ecosystem")
    assert hits and {h.chunk.metadata["kind"] for h in hits} == {"ecosystem"}


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Who acquired Ablynx?", "Sanofi"),
        ("When was UCB founded?", "1928"),
        ("Which British company did UCB buy in 2004?", "Celltech"),
        ("When was argenx founded?", "2008"),
    ],
)
def test_extractive_answers_are_source_sentences_with_valid_markers(assistant, question, expected):
    answer = assistant.answer(question)
    assert not answer.refused
    assert expected in answer.text
    assert citation_validity(answer) == 1.0
    cited = {c.number: c for c in answer.citations}
    claims = [c.strip() for c in MARKER.split(answer.text)[::2] if c.strip()]
    numbers = [int(n) for n in MARKER.findall(answer.text)]
    assert len(claims) == len(numbers)
    for claim, number in zip(claims, numbers, strict=True):
        assert claim in cited[number].text  # verbatim from the cited chunk
        assert claim in body_of(cited[number].text) or claim in cited[number].text


@pytest.mark.parametrize(
    ("question", "language", "page"),
    [
        ("Wie nam Ablynx over?", "nl", "ablynx-nl"),
        ("Who acquired Ablynx?", "en", "ablynx"),
    ],
)
def test_a_question_is_answered_from_the_page_in_its_language(assistant, question, language, page):
    answer = assistant.answer(question)
    assert not answer.refused and "Sanofi" in answer.text
    assert answer.language == language
    assert answer.citations[0].doc_id == page
    # The twin in the other language comes only after every passage in the question's own.
    languages = [c.language for c in answer.contexts]
    assert languages == sorted(languages, key=lambda found: found != language)


def test_the_visitors_language_decides_when_the_question_does_not(assistant):
    assert assistant.answer("ablynx sanofi", language="nl").language == "nl"
    assert assistant.answer("ablynx sanofi", language="en").language == "en"
    with pytest.raises(QuestionError, match="Typ een vraag"):
        assistant.answer("   ", language="nl")
    with pytest.raises(QuestionError, match=r"telt 6\.000 tekens"):
        assistant.answer("x" * 6000, language="nl")


def test_unrelated_question_is_refused(assistant):
    answer = assistant.answer("What is the best stoofvlees recipe?")
    assert answer.refused and not answer.citations
    assert "don't know" in answer.text


def test_known_entity_unknown_attribute_is_refused(assistant):
    answer = assistant.answer("Who is the current CEO of UCB?")
    assert answer.refused


def test_follow_up_carries_the_entity(assistant):
    answer = assistant.answer("When was it sold, and to whom?", history=["Who founded Ablynx?"])
    assert not answer.refused
    assert "Sanofi" in answer.text
    assert "ablynx" in {c.doc_id for c in answer.citations}


@pytest.mark.parametrize("question", ["", "   ", "\x00\x01\x02", "x" * 2001, "?!"])
def test_bad_questions_get_a_clear_message(assistant, question):
    with pytest.raises(QuestionError) as error:
        assistant.answer(question)
    assert str(error.value)


def test_stream_yields_deltas_then_the_answer(assistant):
    items = list(assistant.stream("Who acquired Ablynx?"))
    deltas, final = items[:-1], items[-1]
    assert len(deltas) > 1 and all(isinstance(d, str) for d in deltas)
    assert "".join(deltas) == final.text
    assert final.timings["total_ms"] > 0


def test_cli_ask_json(indexed_settings, monkeypatch):
    from assistant.config import get_settings
    from cli.main import app

    monkeypatch.setenv("FA_CORPUS_DIR", str(indexed_settings.corpus_dir))
    monkeypatch.setenv("FA_DATA_DIR", str(indexed_settings.data_dir))
    get_settings.cache_clear()
    result = CliRunner().invoke(app, ["ask", "Who acquired Ablynx?", "--json"])
    get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output[result.output.index("{") :])
    assert "Sanofi" in payload["text"] and payload["citations"][0]["doc_id"] == "ablynx"
