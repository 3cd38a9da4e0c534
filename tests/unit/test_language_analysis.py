"""Each language is analysed with its own stemmer and stopwords; a question can be read as
either language's text, so it meets the pages of both."""

from __future__ import annotations

from assistant.gazetteer import Gazetteer
from assistant.lexical import detect_language, stems, terms
from assistant.question import SYNONYMS, analysed_in, profile


def test_dutch_text_is_stemmed_as_dutch():
    # The English stemmer leaves "opgericht"/"oprichting" apart; the Dutch one joins them.
    assert terms("opgericht", "nl") == terms("oprichting", "nl")
    assert terms("bedrijven", "nl") == terms("bedrijf", "nl")
    assert terms("opgericht") != terms("oprichting")


def test_stopwords_follow_the_language_the_text_is_written_in():
    assert terms("Wie heeft Ablynx overgenomen?", "nl") == ["ablynx", "overnoom"]
    # Read against an English page: stemmed as English, but Dutch words are still dropped.
    assert terms("Wie heeft Ablynx overgenomen?", "en", written_in="nl") == [
        "ablynx",
        "overgenomen",
    ]
    assert "wie" in terms("Wie heeft Ablynx overgenomen?", "en")


def test_a_question_profile_can_be_read_in_the_other_language():
    dutch = profile("Wanneer werd Innogenetics opgericht?")
    assert dutch.language == dutch.analysis == "nl"
    english = analysed_in(dutch, "en")
    assert english.analysis == "en" and english.language == "nl"
    assert set(english.terms) == set(terms("innogenetics opgericht"))
    # Both readings find the "founded" synonym group.
    assert english.focus and dutch.focus
    assert english.focus[0] == dutch.focus[0] == SYNONYMS[terms("founded")[0]]


def test_the_synonym_table_is_keyed_by_both_languages_stems():
    for word in ("opgericht", "overgenomen", "werknemers"):
        assert all(stem in SYNONYMS for stem in stems(word)), word


def test_an_undecided_question_takes_the_visitors_language():
    assert detect_language("argenx ipo") == "en"
    assert detect_language("argenx ipo", default="nl") == "nl"
    assert detect_language("Wie richtte argenx op?", default="en") == "nl"
    assert profile("argenx ipo", default_language="nl").language == "nl"


def test_unknown_dutch_compounds_are_read_as_the_corpus_words_they_are_built_of():
    gazetteer = Gazetteer.build(
        [
            "Het bedrijf werkt aan celtherapie. De overname kostte veel. Een prijs van 5 euro.",
            "Het onderzoeksinstituut en het vaccin; de productie van het vaccin; beursintroductie.",
        ]
    )
    assert gazetteer.split_compound("celtherapiebedrijf") == ["celtherapie", "bedrijf"]
    assert gazetteer.split_compound("overnameprijs") == ["overname", "prijs"]
    # A linking "s" between the parts, and a compound of three parts.
    assert gazetteer.split_compound("overnamesprijs") == ["overname", "prijs"]
    assert gazetteer.split_compound("vaccinproductieprijs") == ["vaccin", "productie", "prijs"]
    # Known words and words with an unknown part stay whole.
    assert gazetteer.split_compound("beursintroductie") is None
    assert gazetteer.split_compound("stoofvleesrecept") is None
    assert gazetteer.decompounded_text("Welk celtherapiebedrijf?") == "Welk celtherapie bedrijf?"


def test_a_question_without_function_words_takes_the_language_whose_pages_use_its_words():
    gazetteer = Gazetteer.build(
        ["Innogenetics had a founder in Ghent.", "De oprichter van Innogenetics woonde in Gent."],
        languages=["en", "nl"],
    )
    assert gazetteer.language_of("oprichter innogenetics") == "nl"
    assert gazetteer.language_of("innogenetics founder") == "en"
    assert gazetteer.language_of("innogenetics") is None  # both languages' pages use it
    # Function words of one language only decide first: "in" is both languages' word.
    assert detect_language("Waarom stopte Johan Cardoen in 2020 als directeur bij VIB?") == "nl"
    assert detect_language("vib founding deed date") == "en"
