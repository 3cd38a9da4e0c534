"""What the question profile reads from a question: value types, attributes, names, figures."""

from __future__ import annotations

import pytest

from assistant.conversation import resolve
from assistant.lexical import terms
from assistant.question import SYNONYMS, answer_category, profile, question_types


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("When was VIB founded?", ["when"]),
        ("And when did it close?", ["when"]),
        ("Tell me when UCB was founded", ["when"]),
        ("How large was Qbic's second fund when it closed in 2018?", ["count"]),
        ("Where is argenx based?", ["where"]),
        ("Which city was the company founded in, and where is it now?", ["where"]),
        ("What does Gimv stand for?", ["expansion"]),
        ("Why did Galapagos take over sales in Europe?", ["why"]),
    ],
)
def test_question_types(question, expected):
    assert question_types(question) == expected


@pytest.mark.parametrize(
    ("sentence", "is_count"),
    [
        ("VIB started with nine departments.", True),
        ("imec had 5,500 staff in 2023.", True),
        ("The institute was founded in 1972.", False),
        ("The law dates from 7 May 2017.", False),
        ("Joseph Rega was an 18th-century professor.", False),
        ("It implements Regulation 536/2014.", False),
        ("Article 22 sets shorter timelines.", False),
        ("Fewer COVID-19 vaccines were shipped.", False),
    ],
)
def test_a_count_is_not_a_year_date_ordinal_or_reference(sentence, is_count):
    assert profile("How many are there?").holds("count", sentence) is is_count


def test_who_needs_a_name_the_question_did_not_give():
    question = profile("Who set up Flanders Vaccine, and in what year?")
    assert not question.holds("who", "Flanders Vaccine, set up in 2016, is a network.")
    assert question.holds("who", "Flanders Vaccine was founded in 2016 by Biomaric.")


def test_expansion_needs_a_spelled_out_form():
    question = profile("What does RIT stand for?")
    assert question.holds("expansion", "RIT (Recherche et Industrie Thérapeutiques) was founded.")
    assert not question.holds("expansion", "RIT was founded in 1945.")


@pytest.mark.parametrize(
    ("question", "attribute"),
    [
        ("Who is the CEO of UCB?", "ceo"),
        ("Who was CEO of Plant Genetic Systems in 1996?", "ceo"),
        ("Hoeveel omzet draaide imec in 2015?", "omzet"),
        ("How many hospital beds does UZ Gent have?", "bed"),
    ],
)
def test_asked_attribute(question, attribute):
    assert any(attribute in group for group in profile(question).asked)


def test_a_verb_after_hoeveel_is_not_an_attribute():
    assert profile("Hoeveel betaalde Sanofi per aandeel Ablynx?").asked == []


def test_people_who_work_somewhere_are_staff():
    assert profile("How many people work at Confo Therapeutics?").counted
    assert profile("How many people take part in clinical trials each year?").counted == []


def test_figures_and_answer_category():
    assert profile("Which company was KU Leuven's 100th spin-off?").figures == ["100th"]
    assert profile("How many did it employ when AgrEvo bought a 75% stake?").figures == ["75%"]
    assert answer_category("Which cell structure did Albert Claude describe?") == set(
        terms("cell structure")
    )


def test_one_way_synonyms():
    assert "ceo" in SYNONYMS["run"]  # "who runs X" is answered by "the CEO of X"
    assert "run" not in SYNONYMS["ceo"]  # "links run through Ghent" names no CEO


def test_hyphenated_words_give_their_parts():
    assert {"fit", "brochur"} <= set(terms("Een ongedateerde FIT-brochure"))


def test_follow_up_searches_with_the_earlier_turn():
    resolved = resolve(
        "What's the most it can invest in one start-up?", ["What is imec.istart?"], 3
    )
    assert "imec.istart" in resolved.search_text
    standalone = resolve("When was VIB founded?", ["Who bought Ablynx?"], 3)
    assert standalone.search_text == "When was VIB founded?"
