"""Named features of (question, sentence, passage) for the learned answer scorer.

Each feature is a number a person can check by hand on a small example; the scorer
(`assistant/answerers/model.py`) weighs them with weights learned from the question sets,
instead of weights and thresholds set by hand. Question-level features (does it ask for
live data, how much of it does the corpus never mention) are repeated on every sentence of
the question, so one model decides both which sentence answers and whether any does.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from assistant.gazetteer import Gazetteer
from assistant.lexical import detect_language, terms, words
from assistant.question import SYNONYMS, VALUE_TYPES, YEAR, QuestionProfile
from assistant.retrieval import Hit

# "right now", "today's", "currently": live data, which dated documents cannot hold.
LIVE = re.compile(
    r"\b(right now|at the moment|currently|today'?s?|tonight|this (?:week|month|morning)|"
    r"latest|live|real[- ]time|up[- ]to[- ]date|nowadays|momenteel|vandaag|op dit moment|"
    r"deze (?:week|maand)|actuele?|nu)\b",
    re.IGNORECASE,
)
# A practical request a knowledge base cannot fulfil: "how do I apply", "phone number of".
PRACTICAL = re.compile(
    r"\b(how (?:do|can|should|could) (?:i|we)|can i|where (?:can|do) i|could you|"
    r"phone|telephone|e-?mail address|contact|opening hours|open(?:s)? (?:at|on)|"
    r"apply|book|sign up|register|subscribe|hoe kan ik|kan ik|waar kan ik|telefoonnummer|"
    r"openingsuren|solliciteren|inschrijven|contacteren)\b",
    re.IGNORECASE,
)
QTYPES = ("when", "count", "amount", "who", "where", "why", "expansion", "what")


@dataclass
class SentenceContext:
    """One candidate sentence with what surrounds it: its passage, title and neighbour."""

    sentence: str
    previous: str
    # The page's language: the sentence's terms are stemmed as that language.
    language: str
    hit: Hit
    hit_index: int
    meaning: float
    sentence_terms: set[str]
    context_terms: set[str]
    title_terms: set[str]
    passage_terms: set[str]


@dataclass
class QuestionContext:
    """What every sentence of one question shares: the profile, weights and corpus stats."""

    profile: QuestionProfile
    idf: Callable[[str], float]
    gazetteer: Gazetteer
    max_meaning: float
    top_dense: float

    def __post_init__(self) -> None:
        self.weights = {t: self.idf(t) for t in set(self.profile.terms)}
        # What is said about the names ("founded", "cost", "employees"): the sentence itself
        # must say it; the names may sit in its title or the sentence before.
        name_terms = {t for n in self.profile.names for t in terms(n, self.profile.analysis)}
        self.predicate_weights = {t: w for t, w in self.weights.items() if t not in name_terms}
        text = self.profile.text
        # Every page has a Dutch twin: a Dutch question's words are as known as an English one's.
        self.unknown_share = self.gazetteer.unknown_share(text)
        self.unknown_names = self.gazetteer.unknown_names(self.profile.names)
        self.live_data = asks_live_data(text)
        self.practical_help = asks_practical_help(text)


def idf_coverage(
    weights: dict[str, float], present: set[str], context: set[str] = frozenset(), partial=0.5
) -> float:
    """IDF-weighted share of the question's terms (or a synonym) in `present`; a term only in
    the `context` (title, section) earns `partial` credit. Rare words weigh most."""
    total = sum(weights.values())
    if not total:
        return 0.0
    earned = 0.0
    for term, weight in weights.items():
        wanted = SYNONYMS.get(term, {term})
        if wanted & present:
            earned += weight
        elif wanted & context:
            earned += partial * weight
    return earned / total


def name_found(
    name: str, present: set[str], idf: Callable[[str], float], language: str = "en"
) -> bool:
    """Most of a name's rarity-weighted words are present: "Van den Brande" finds the name."""
    weights = {t: idf(t) for t in terms(name, language)}
    total = sum(weights.values())
    return bool(total) and sum(w for t, w in weights.items() if t in present) / total >= 0.5


def names_share(
    names: list[str], present: set[str], idf: Callable[[str], float], language: str = "en"
) -> float:
    """Share of the question's names found (1.0 when the question names nothing); `present`
    holds terms stemmed as `language`."""
    if not names:
        return 1.0
    return sum(name_found(n, present, idf, language) for n in names) / len(names)


def asks_live_data(text: str) -> float:
    return 1.0 if LIVE.search(text) else 0.0


def asks_practical_help(text: str) -> float:
    return 1.0 if PRACTICAL.search(text) else 0.0


def years_agree(profile: QuestionProfile, sentence: str, passage: str) -> float:
    """1 when each year of the question is in the sentence, or in the passage while the
    sentence names no other year ("In 2014 ..." does not answer "in 2017")."""
    return float(
        all(
            year in sentence or (year in passage and not YEAR.search(sentence))
            for year in profile.years
        )
    )


def figures_agree(profile: QuestionProfile, sentence: str, passage: str) -> float:
    """1 when each figure of the question ("the 100th", "75%") is in the sentence or passage."""
    return float(all(figure_in(f, sentence) or figure_in(f, passage) for f in profile.figures))


def figure_in(figure: str, text: str) -> bool:
    """ "75%" is also written "75 %" or "75 percent"."""
    number = re.sub(r"\s?%$", "", figure)
    if number == figure:
        return figure.lower() in text.lower()
    return bool(re.search(rf"(?<![\d.,]){re.escape(number)}\s?(?:%|percent|procent)", text))


def says(group: frozenset[str], present: set[str]) -> bool:
    """The group's word, a derived form ("failed" says "failure": stems fail/failur) or the
    head of a compound ("genoomanalyse" says "analyse")."""
    return bool(group & present) or any(
        (
            min(len(w), len(p)) >= 4
            and 0 < abs(len(w) - len(p)) <= 2
            and (w.startswith(p) or p.startswith(w))
        )
        or (len(w) >= 5 and len(p) > len(w) + 2 and p.endswith(w))
        for w in group
        for p in present
    )


def checks_pass(profile: QuestionProfile, values: dict[str, float]) -> float:
    """1 when the sentence passes every plain check a reader would make: the question's years
    and names are there, the asked attribute is said, a value of the asked type is given (a
    name the question did not give for "who"), and it shares the question's own words. The
    model learns how far to trust this conjunction."""
    qtype = profile.qtypes[0]
    failed = (
        not values["years_agree"]
        or (profile.names and values["names_context"] < 0.5)
        or values["attribute_missing"]
        or values["counted_missing"]
        or (values["type_fit"] == 0.0 and (qtype in VALUE_TYPES or values["meaning"] < 0.5))
        or values["who_without_new_name"]
        or (values["focus_share"] < 0.3 and values["meaning"] < 0.6)
        or (values["focus_share"] == 0.0 and len(profile.focus) >= 2)
    )
    return 0.0 if failed else 1.0


FEATURE_NAMES = (
    "meaning",
    "meaning_gap",
    "passage_dense",
    "hit_rank",
    "coverage_sentence",
    "coverage_passage",
    "predicate_sentence",
    "predicate_around",
    "focus_share",
    "names_sentence",
    "names_context",
    "question_has_names",
    "type_fit",
    "who_without_new_name",
    "years_agree",
    "years_in_sentence",
    "figures_agree",
    "attribute_missing",
    "counted_missing",
    "same_language",
    "sentence_words",
    "question_words",
    "unknown_share",
    "unknown_names",
    "question_dutch",
    "meaning_x_names",
    "type_x_names",
    "checks_pass",
    "live_data",
    "practical_help",
    "max_meaning",
    "top_dense",
    # The embedding model was trained on English: its similarities run lower for Dutch text,
    # so a Dutch question gets its own slope on them.
    "meaning_dutch",
    "max_meaning_dutch",
    "top_dense_dutch",
    *(f"asks_{t}" for t in QTYPES),
)


# The direction each feature may push the probability: more meaning or coverage can only
# help, a missing attribute or a live-data question can only hurt. The model is fitted under
# these signs, so that it cannot learn a spurious slope from correlated features and
# extrapolate it to questions unlike its training data (an off-topic question's unknown
# words must never raise its score). 0 leaves the sign to the data.
NEGATIVE = {
    "meaning_gap",
    "who_without_new_name",
    "attribute_missing",
    "counted_missing",
    "unknown_share",
    "unknown_names",
    "live_data",
    "practical_help",
}
FREE = {
    "question_has_names",
    "sentence_words",
    "question_words",
    "question_dutch",
    "meaning_dutch",
    "max_meaning_dutch",
    "top_dense_dutch",
} | {f"asks_{t}" for t in QTYPES}
FEATURE_SIGNS = tuple(
    -1 if name in NEGATIVE else 0 if name in FREE else 1 for name in FEATURE_NAMES
)


def sentence_features(question: QuestionContext, candidate: SentenceContext) -> np.ndarray:
    """The feature vector of one candidate, in FEATURE_NAMES order."""
    profile = question.profile
    passage = candidate.hit.chunk.text
    passage_terms = candidate.passage_terms | candidate.context_terms
    sentence_terms = candidate.sentence_terms
    previous_terms = set(terms(candidate.previous, candidate.language))
    around = candidate.title_terms | previous_terms
    focus = [
        1.0 if group & sentence_terms else 0.5 if group & candidate.context_terms else 0.0
        for group in profile.focus
    ]
    qtype = profile.qtypes[0]
    sentence_language = detect_language(candidate.sentence)
    values = {
        "meaning": candidate.meaning,
        "meaning_gap": question.max_meaning - candidate.meaning,
        "passage_dense": candidate.hit.dense,
        "hit_rank": 1.0 / (1 + candidate.hit_index),
        "coverage_sentence": idf_coverage(
            question.weights, sentence_terms, candidate.context_terms
        ),
        "coverage_passage": idf_coverage(question.weights, passage_terms),
        "predicate_sentence": idf_coverage(question.predicate_weights, sentence_terms),
        "predicate_around": idf_coverage(
            question.predicate_weights, sentence_terms | previous_terms
        ),
        "focus_share": sum(focus) / len(focus) if focus else 1.0,
        "names_sentence": names_share(
            profile.names, sentence_terms, question.idf, candidate.language
        ),
        "names_context": names_share(
            profile.names, sentence_terms | around, question.idf, candidate.language
        ),
        "question_has_names": float(bool(profile.names)),
        "type_fit": profile.type_fit(candidate.sentence),
        "who_without_new_name": float(
            qtype in ("who", "where") and not profile.new_names(candidate.sentence)
        ),
        "years_agree": years_agree(profile, candidate.sentence, passage),
        "years_in_sentence": float(all(y in candidate.sentence for y in profile.years)),
        "figures_agree": figures_agree(profile, candidate.sentence, passage),
        "attribute_missing": float(
            bool(profile.asked)
            and not any(says(g, sentence_terms | candidate.context_terms) for g in profile.asked)
        ),
        "counted_missing": float(any(not (g & sentence_terms) for g in profile.counted)),
        "same_language": float(sentence_language == profile.language),
        "sentence_words": math.log1p(len(words(candidate.sentence))),
        "question_words": math.log1p(len(words(profile.text))),
        "unknown_share": question.unknown_share,
        "unknown_names": question.unknown_names,
        "question_dutch": float(profile.language == "nl"),
        "live_data": question.live_data,
        "practical_help": question.practical_help,
        "max_meaning": question.max_meaning,
        "top_dense": question.top_dense,
        **{f"asks_{t}": float(t in profile.qtypes) for t in QTYPES},
    }
    values["checks_pass"] = checks_pass(profile, values)
    # Meaning and the asked type count only about the asked-about entity.
    values["meaning_x_names"] = values["meaning"] * values["names_context"]
    values["type_x_names"] = values["type_fit"] * values["names_context"]
    for dense in ("meaning", "max_meaning", "top_dense"):
        values[f"{dense}_dutch"] = values[dense] * values["question_dutch"]
    return np.array([values[name] for name in FEATURE_NAMES], dtype=np.float32)
