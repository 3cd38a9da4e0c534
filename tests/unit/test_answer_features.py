"""Each feature of the learned answer scorer on a tiny example a reader can check by hand."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.answerers.features import (
    FEATURE_NAMES,
    asks_live_data,
    asks_practical_help,
    checks_pass,
    figures_agree,
    idf_coverage,
    names_share,
    years_agree,
)
from assistant.answerers.model import AnswerModel
from assistant.answerers.training import Outcome, choose_threshold
from assistant.gazetteer import Gazetteer
from assistant.lexical import terms
from assistant.question import profile, question_parts


def flat_idf(term: str) -> float:
    return 1.0


def test_idf_coverage_weighs_rare_words_and_counts_synonyms():
    weights = {"sanofi": 3.0, "acquir": 1.0}
    assert idf_coverage(weights, set(terms("Sanofi bought the company"))) == 1.0
    assert idf_coverage(weights, set(terms("Sanofi grew"))) == 0.75
    assert idf_coverage(weights, set(terms("a deal was made"))) == 0.25  # deal ~ acquire
    assert idf_coverage(weights, set(terms("a lab opened")), set(terms("Sanofi"))) == 0.375
    assert idf_coverage({}, {"x"}) == 0.0


def test_names_share_finds_multiword_names_by_their_rare_words():
    idf = {"luc": 1.0, "van": 0.2, "den": 0.2, "brand": 3.0}.get
    present = set(terms("Van den Brande signed the decree"))
    assert names_share(["Luc Van den Brande"], present, lambda t: idf(t, 1.0)) == 1.0
    assert names_share(["Ablynx"], present, flat_idf) == 0.0
    assert names_share([], present, flat_idf) == 1.0


@pytest.mark.parametrize(
    ("question", "live"),
    [
        ("What is UCB's share price right now?", 1.0),
        ("Wat is de beurswaarde van argenx vandaag?", 1.0),
        ("What is the latest news from VIB?", 1.0),
        ("What was UCB's revenue in 2024?", 0.0),
    ],
)
def test_asks_live_data(question, live):
    assert asks_live_data(question) == live


@pytest.mark.parametrize(
    ("question", "practical"),
    [
        ("How do I apply for a job at Janssen in Beerse?", 1.0),
        ("What is the phone number of VIB?", 1.0),
        ("Hoe kan ik me inschrijven voor de opleiding?", 1.0),
        ("How did Janssen grow in Beerse?", 0.0),
    ],
)
def test_asks_practical_help(question, practical):
    assert asks_practical_help(question) == practical


def test_years_must_be_in_the_sentence_or_in_a_passage_whose_sentence_names_no_other_year():
    asked = profile("What did imec announce in 2017?")
    assert years_agree(asked, "In 2017 imec opened a lab.", "") == 1.0
    assert years_agree(asked, "imec opened a lab.", "In 2017 the board met.") == 1.0
    assert years_agree(asked, "In 2014 imec opened a lab.", "In 2017 the board met.") == 0.0


def test_figures_accept_other_spellings_of_a_percentage():
    asked = profile("Who bought a 75% stake?")
    assert figures_agree(asked, "AgrEvo bought 75 percent of PGS.", "") == 1.0
    assert figures_agree(asked, "AgrEvo bought 60 percent of PGS.", "") == 0.0


def test_checks_pass_fails_a_sentence_without_the_asked_type_or_name():
    asked = profile("When was Ablynx founded?")
    good = dict.fromkeys(FEATURE_NAMES, 1.0) | {"who_without_new_name": 0.0}
    good |= {"attribute_missing": 0.0, "counted_missing": 0.0}
    assert checks_pass(asked, good) == 1.0
    assert checks_pass(asked, good | {"type_fit": 0.0}) == 0.0
    assert checks_pass(asked, good | {"names_context": 0.0}) == 0.0
    assert checks_pass(asked, good | {"years_agree": 0.0}) == 0.0


def test_gazetteer_knows_names_in_any_case_and_mends_slips():
    texts = [
        "Sales grew. In 2019 MDxHealth moved to Irvine, and MDxHealth kept its lab in Herstal.",
        "The company raised money. Later the company sold shares to Galapagos and Galapagos paid.",
    ]
    gazetteer = Gazetteer.build(texts, ["argenx: from llamas to medicines"])
    assert {"mdxhealth", "galapagos", "argenx", "herstal"} <= gazetteer.names
    assert "company" not in gazetteer.names and "sales" not in gazetteer.names
    assert gazetteer.correct("galapgos") == "galapagos"
    assert gazetteer.correct("galapagos") is None  # known words stay
    assert gazetteer.corrected_text("who paid galapgos") == "who paid galapagos"
    assert gazetteer.corrected_text("Galapgos") == "Galapgos"  # a capitalised name stays
    assert gazetteer.unknown_names(["Bekaert", "MDxHealth"]) == 0.5
    assert gazetteer.unknown_share("cricket rules galapagos") == pytest.approx(2 / 3)


def test_lowercase_names_are_names_for_the_question():
    known = frozenset({"mdxhealth", "tibotec"})
    assert "mdxhealth" in profile("when was mdxhealth founded", known=known).names


@pytest.mark.parametrize(
    ("question", "parts"),
    [
        ("When was Ablynx founded, and by whom?", [["when"], ["who"]]),
        ("Who bought TiGenix and for how much?", [["who"], ["amount"]]),
        ("Wanneer werd VIB opgericht en door wie?", [["when"], ["who"]]),
        ("Who founded UCB?", [["who"]]),
        ("What do Ablynx and argenx make?", [["what"]]),
    ],
)
def test_question_parts_ask_their_own_value_type(question, parts):
    found = question_parts(profile(question))
    assert [p.qtypes for p in found] == parts
    assert all(p.names == found[0].names for p in found)  # each part keeps the names


def test_answer_model_is_a_monotone_logistic_over_its_features():
    n = len(FEATURE_NAMES)
    coef = [0.0] * n
    coef[FEATURE_NAMES.index("type_fit")] = 2.0
    model = AnswerModel(list(FEATURE_NAMES), [0.0] * n, [1.0] * n, coef, 0.0, 0.5, 0.5)
    rows = np.zeros((2, n), dtype=np.float32)
    rows[1, FEATURE_NAMES.index("type_fit")] = 1.0
    low, high = model.probabilities(rows)
    assert low == pytest.approx(0.5) and high == pytest.approx(1 / (1 + np.exp(-2.0)))
    with pytest.raises(ValueError, match="train-answerer"):
        AnswerModel(["meaning"], [0.0], [1.0], [1.0], 0.0, 0.5, 0.5)


def test_the_refusal_threshold_is_the_best_utility_within_the_false_refusal_budget():
    def outcome(utility: float, false_refusals: int) -> Outcome:
        return Outcome(utility=utility, questions=10, answerable=10, false_refusals=false_refusals)

    # 0.4 is best but refuses 3 of 10 answerable questions: over the budget.
    sweep = {
        0.2: outcome(6.0, 0),
        0.3: outcome(7.0, 0),
        0.35: outcome(7.0, 0),
        0.4: outcome(8.0, 3),
    }
    assert choose_threshold(sweep) == 0.3  # the lowest of the best within the budget
    # When every threshold refuses too much, the lowest is used.
    assert choose_threshold({0.1: outcome(1.0, 5), 0.2: outcome(2.0, 6)}) == 0.1
    assert AnswerModel.untrained().threshold("nl") == AnswerModel.untrained().answer_threshold
