"""Word-level text handling shared by keyword search and answer checks (English and Dutch)."""

from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache

import snowballstemmer

# Function words dropped before keyword search, per language of the text. The English list
# also drops the particles of Flemish names ("Van den Berghe"): they say nothing of the topic.
ENGLISH_STOPWORDS = frozenset(
    """
    a about above after again against all also am an and any are as at be been before being
    below between both but by can could current currently de den der did do does doing down
    during each few for from further give had has have having he her here him his how i if in
    into is it its just know many me more most much my no nor not now of off on once only or
    other our out over own per please same she should so some such tell than that the their
    them then there these they this those through to today too under up van very via was we
    were what when where which who whom why will with would you your
    """.split()
)
# Snowball's Dutch list with the question words.
DUTCH_STOPWORDS = frozenset(
    """
    aan af al alle alleen alles als altijd ander andere ben bij boven daar dan dat de der
    deze dezelfde die dit doch doen door dus een eens elk en er ge geen geweest haar had hadden
    heb hebben heeft hem het hier hij hoe hoeveel hun iemand iets ik in is ja je jij jouw kan
    kon kunnen maar me meer meest men met mij mijn moet na naar niet niets nog nu of om omdat
    onder ons onze ook op over per reeds sommige te tegen tijdens toch toen tot tussen u uit uw
    van veel via voor waar waarom wanneer want waren was wat we wel welk welke werd wezen wie
    wij wil worden wordt zal ze zeer zelf zich zij zijn zo zonder zou
    """.split()
)
# Either language's: for names and question words, which are judged before the language is.
STOPWORDS = ENGLISH_STOPWORDS | DUTCH_STOPWORDS
LANGUAGE_STOPWORDS = {"en": ENGLISH_STOPWORDS, "nl": DUTCH_STOPWORDS}

DUTCH_MARKERS = frozenset(
    [
        "de",
        "het",
        "een",
        "en",
        "van",
        "voor",
        "met",
        "wie",
        "wat",
        "waar",
        "wanneer",
        "hoe",
        "hoeveel",
        "welke",
        "werd",
        "wordt",
        "zijn",
        "is",
        "door",
        "opgericht",
        "overgenomen",
        "bedrijf",
        "jaar",
    ]
)
ENGLISH_MARKERS = frozenset(
    [
        "the",
        "a",
        "an",
        "and",
        "of",
        "for",
        "with",
        "who",
        "what",
        "where",
        "when",
        "how",
        "many",
        "much",
        "which",
        "was",
        "were",
        "is",
        "by",
        "founded",
        "acquired",
        "company",
        "year",
        "did",
        "does",
    ]
)

TOKEN = re.compile(r"[a-z0-9]+(?:[.'’-][a-z0-9]+)*")


def fold(text: str) -> str:
    """Lower case without accents, so 'Désiré' matches 'desire'."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def match_text(text: str) -> str:
    """Folded text with thousands separators removed: how expected facts are compared ("4,500" = "4500")."""
    return re.sub(r"(?<=\d)[,.\u202f ](?=\d{3}\b)", "", fold(text))


_STEMMERS = {"en": snowballstemmer.stemmer("english"), "nl": snowballstemmer.stemmer("dutch")}
_STEMMER_LOCK = threading.Lock()


@lru_cache(maxsize=200_000)
def stem(word: str, language: str = "en") -> str:
    """Snowball stem in the text's language: 'founded'/'founding' and 'opgericht'/'oprichting'
    meet."""
    if word.isdigit():
        return word
    # A snowballstemmer object keeps its word in itself: two threads stemming at once (the
    # sentence warm-up and a visitor's question) corrupt each other.
    with _STEMMER_LOCK:
        return _STEMMERS[language].stemWord(word)


def stems(word: str) -> frozenset[str]:
    """The word's stem in each language: keys of tables that both analyses look up."""
    return frozenset(stem(word, language) for language in _STEMMERS)


THOUSANDS = re.compile(r"(?<=\d)[,\u202f](?=\d{3}\b)")


def _word(token: str) -> str:
    if token.endswith(("'s", "’s")):
        token = token[:-2]
    return token.strip(".'’-")


def words(text: str) -> list[str]:
    """Folded word tokens (numbers kept whole: '1,995' -> '1995', '2.5' kept)."""
    folded = THOUSANDS.sub("", fold(text)).replace("%", " percent ").replace("²", "2")
    return [_word(w) for w in TOKEN.findall(folded)]


def terms(text: str, language: str = "en", written_in: str | None = None) -> list[str]:
    """Stemmed content terms for keyword search and overlap scores, stemmed as a text in
    `language` is: texts compared with each other must be stemmed alike. The stopwords are
    those of the language the text is `written_in` (default: `language`), so a Dutch question
    read against an English page loses "wie" and "heeft" but is stemmed as English.

    A hyphenated word also gives its parts: "FIT-brochure" names FIT, "VIB-UGent" names VIB.
    """
    return list(_terms(text, language, written_in or language))


@lru_cache(maxsize=40_000)
def _terms(text: str, language: str, written_in: str) -> tuple[str, ...]:
    # Cached: the same passages and sentences are read for question after question.
    stopwords = LANGUAGE_STOPWORDS[written_in]
    found = []
    for word in words(text):
        if not word or word in stopwords:
            continue
        found.append(stem(word, language))
        if "-" in word:
            found += [
                stem(part, language)
                for part in word.split("-")
                if len(part) > 1 and part not in stopwords
            ]
    return tuple(found)


# Function and marker words of one language only ("is", "in" and "over" are both).
_ONLY_DUTCH = (DUTCH_STOPWORDS | DUTCH_MARKERS) - (ENGLISH_STOPWORDS | ENGLISH_MARKERS)
_ONLY_ENGLISH = (ENGLISH_STOPWORDS | ENGLISH_MARKERS) - (DUTCH_STOPWORDS | DUTCH_MARKERS)


def detect_language(text: str, default: str = "en") -> str:
    """'nl' or 'en' by counting the words only one of the languages uses; `default` when
    undecided ("argenx ipo"): what the corpus vocabulary or the visitor's choice says."""
    tokens = words(text)
    dutch = sum(t in _ONLY_DUTCH for t in tokens)
    english = sum(t in _ONLY_ENGLISH for t in tokens)
    if dutch == english:
        return default
    return "nl" if dutch > english else "en"
