"""The learned answerer on the shipped corpus: refusals that say why, parts, follow-ups, and a
model file that its training command rebuilds."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.answerers.model import MODEL_FILE, AnswerModel
from assistant.answerers.training import train
from tests.conftest import ROOT

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    ("question", "reason_words"),
    [
        ("What is UCB's market value right now?", "live or current"),
        ("Wat is de beurswaarde van UCB vandaag?", "actuele gegevens"),
        ("How do I apply for a job at Janssen in Beerse?", "contact details, applications"),
        ("Can you explain the rules of cricket?", "outside what my documents cover"),
    ],
)
def test_refusals_say_why_in_the_visitors_language(shipped_assistant, question, reason_words):
    answer = shipped_assistant.answer(question)
    assert answer.refused and not answer.citations
    assert reason_words in answer.text


def test_off_topic_refusal_names_no_related_topics(shipped_assistant):
    answer = shipped_assistant.answer("What is the best recipe for stoofvlees with fries?")
    assert answer.refused and answer.related_topics == []


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("who acquired ablynx", "Sanofi"),
        ("who bougth tigenix", "Takeda"),
        ("When did Sanofi buy Ablynx?", "2018"),
    ],
)
def test_lowercase_names_and_slips_are_understood(shipped_assistant, question, expected):
    answer = shipped_assistant.answer(question)
    assert not answer.refused and expected in answer.text


def test_each_part_of_a_two_part_question_gets_its_own_sentence(shipped_assistant):
    answer = shipped_assistant.answer("Who bought TiGenix, and for how much?")
    assert not answer.refused
    assert "Takeda" in answer.text and "520" in answer.text


def test_a_follow_up_without_a_name_carries_the_earlier_entity(shipped_assistant):
    answer = shipped_assistant.answer("and who bought it?", ["When was Ablynx founded?"])
    assert not answer.refused and "Sanofi" in answer.text


def test_a_standalone_question_is_answered_as_asked_after_another_topic(shipped_assistant):
    answer = shipped_assistant.answer("When was UCB founded?", ["Who acquired Ablynx?"])
    assert "1928" in answer.text
    assert all(c.doc_id != "ablynx" for c in answer.citations)


def test_related_topics_of_a_refusal_come_from_the_question_asked_now(shipped_assistant):
    answer = shipped_assistant.answer(
        "What is the best recipe for stoofvlees?", ["Who acquired Ablynx?"]
    )
    assert answer.refused
    assert not any("Ablynx" in topic for topic in answer.related_topics)


def test_training_command_reproduces_the_shipped_model(shipped_assistant, tmp_path):
    shipped = AnswerModel.load(MODEL_FILE)
    before = shipped_assistant.extractive.model
    rebuilt = train(shipped_assistant, tmp_path / "model.json", root=ROOT / "tests" / "eval")
    assert shipped_assistant.extractive.model is before  # training does not swap the model
    assert AnswerModel.load(tmp_path / "model.json").coef == rebuilt.coef
    # The same data and features give the same weights (up to floating-point noise of the
    # embedding kernels on another CPU) and thresholds within one step of the sweep.
    assert np.allclose(rebuilt.coef, shipped.coef, atol=0.05)
    assert abs(rebuilt.answer_threshold - shipped.answer_threshold) <= 0.025 + 1e-9
    assert rebuilt.language_thresholds.keys() == shipped.language_thresholds.keys() == {"nl"}
    assert abs(rebuilt.threshold("nl") - shipped.threshold("nl")) <= 0.025 + 1e-9
    assert abs(rebuilt.extra_threshold - shipped.extra_threshold) <= 0.05 + 1e-9
