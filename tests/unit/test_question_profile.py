"""What the question profile reads from a question: value types, attributes, names, figures."""

from __future__ import annotations

import pytest

from assistant.conversation import resolve
from assistant.lexical import terms
from assistant.question import SYNONYMS, answer_category, profile


@pytest.mark.parametrize(
    ("question", "answering", "not_answering"),
    [
        ("When was VIB founded?", "VIB was founded in 1995.", "VIB is an institute in Ghent."),
        ("And when did it close?", "The plant closed in 2012.", "The plant made vaccines."),
        ("Tell me when UCB was founded", "UCB was founded in 1928.", "UCB makes medicines."),
        (
            "How large was Qbic's second fund when it closed in 2018?",
            "Qbic's second fund closed at 60 million euro in 2018.",
            "Qbic's second fund closed in 2018.",
        ),
        ("Where is argenx based?", "argenx is based in Ghent.", "argenx develops antibodies."),
        (
            "Which city was the company founded in, and where is it now?",
            "It was founded in Leuven and later moved to Mechelen.",
            "It was founded to make vaccines.",
        ),
        (
            "What does Gimv stand for?",
            "Gimv (Gewestelijke Investeringsmaatschappij voor Vlaanderen) invests in biotech.",
            "Gimv invests in biotech.",
        ),
        (
            "Why did Galapagos take over sales in Europe?",
            "Galapagos took over sales in Europe because Gilead handed the rights back.",
            "Galapagos took over sales in Europe in 2020.",
        ),
    ],
)
def test_a_sentence_with_the_asked_kind_of_value_fits_better(question, answering, not_answering):
    """What a reader checks: the sentence that gives the asked date, figure, place, expansion
    or reason fits the question better than one on the same topic that does not."""
    asked = profile(question)
    assert asked.type_fit(answering) > asked.type_fit(not_answering)


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
    paid = set(terms("betaalde"))
    assert not any(paid & group for group in profile("Hoeveel betaalde Sanofi?").asked)


def test_people_who_work_somewhere_are_staff():
    assert profile("How many people work at Confo Therapeutics?").counted
    assert profile("How many people take part in clinical trials each year?").counted == []


def test_figures_and_answer_category():
    assert "100th" in profile("Which company was KU Leuven's 100th spin-off?").figures
    assert "75%" in profile("How many did it employ when AgrEvo bought a 75% stake?").figures
    category = answer_category("Which cell structure did Albert Claude describe?")
    assert set(terms("cell structure")) <= category


def test_one_way_synonyms():
    assert "ceo" in SYNONYMS["run"]  # "who runs X" is answered by "the CEO of X"
    assert "run" not in SYNONYMS["ceo"]  # "links run through Ghent" names no CEO


def test_hyphenated_words_give_their_parts():
    parts = set(terms("FIT")) | set(terms("brochure"))
    assert parts <= set(terms("Een ongedateerde FIT-brochure"))


def test_follow_up_searches_with_the_earlier_turn():
    resolved = resolve(
        "What's the most it can invest in one start-up?", ["What is imec.istart?"], 3
    )
    assert "imec.istart" in resolved.search_text
    standalone = resolve("When was VIB founded?", ["Who bought Ablynx?"], 3)
    assert "VIB" in standalone.search_text and "Ablynx" not in standalone.search_text


def test_stemming_from_many_threads_at_once_gives_the_same_stems():
    """The warm-up thread and visitors' questions stem at the same time; snowballstemmer's
    stemmer object is not thread-safe (without the lock 91 of 100 rounds went wrong)."""
    import sys
    from concurrent.futures import ThreadPoolExecutor

    from assistant.lexical import stem

    interval = sys.getswitchinterval()
    words_ = [
        f"{base}{suffix}"
        for base in ("acquisit", "found", "nation", "relat")
        for suffix in ("ional", "ization", "fulness", "iveness", "ing", "ed", "ations")
    ]
    expected = [stem.__wrapped__(w) for w in words_]
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        with ThreadPoolExecutor(8) as pool:
            for _ in range(100):
                assert list(pool.map(stem.__wrapped__, words_)) == expected
    finally:
        sys.setswitchinterval(interval)
