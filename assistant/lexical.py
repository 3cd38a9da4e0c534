"""Word-level text handling shared by keyword search and answer checks (English and Dutch)."""

from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache

import snowballstemmer

STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "if",
        "of",
        "at",
        "by",
        "for",
        "with",
        "about",
        "against",
        "between",
        "into",
        "through",
        "during",
        "before",
        "after",
        "above",
        "below",
        "to",
        "from",
        "up",
        "down",
        "in",
        "out",
        "on",
        "off",
        "over",
        "under",
        "again",
        "further",
        "then",
        "once",
        "here",
        "there",
        "when",
        "where",
        "why",
        "how",
        "all",
        "any",
        "both",
        "each",
        "few",
        "more",
        "most",
        "other",
        "some",
        "such",
        "no",
        "nor",
        "not",
        "only",
        "own",
        "same",
        "so",
        "than",
        "too",
        "very",
        "can",
        "will",
        "just",
        "should",
        "now",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "have",
        "has",
        "had",
        "having",
        "do",
        "does",
        "did",
        "doing",
        "i",
        "me",
        "my",
        "we",
        "our",
        "you",
        "your",
        "he",
        "him",
        "his",
        "she",
        "her",
        "it",
        "its",
        "they",
        "them",
        "their",
        "what",
        "which",
        "who",
        "whom",
        "this",
        "that",
        "these",
        "those",
        "am",
        "would",
        "could",
        "also",
        "as",
        "per",
        "via",
        "many",
        "much",
        "did",
        "tell",
        "please",
        "give",
        "know",
        "current",
        "currently",
        "today",
        "de",
        "het",
        "een",
        "en",
        "of",
        "maar",
        "als",
        "van",
        "voor",
        "met",
        "over",
        "tegen",
        "tussen",
        "door",
        "tijdens",
        "na",
        "boven",
        "onder",
        "naar",
        "uit",
        "op",
        "af",
        "in",
        "aan",
        "bij",
        "dan",
        "wanneer",
        "waar",
        "waarom",
        "hoe",
        "alle",
        "elk",
        "meer",
        "meest",
        "ander",
        "sommige",
        "zo",
        "geen",
        "niet",
        "alleen",
        "zelf",
        "dezelfde",
        "zeer",
        "kan",
        "zal",
        "zou",
        "moet",
        "nu",
        "is",
        "zijn",
        "was",
        "waren",
        "wordt",
        "werd",
        "worden",
        "heeft",
        "hebben",
        "had",
        "hadden",
        "doen",
        "deed",
        "ik",
        "mij",
        "mijn",
        "wij",
        "ons",
        "onze",
        "jij",
        "je",
        "jouw",
        "u",
        "uw",
        "hij",
        "hem",
        "zij",
        "haar",
        "ze",
        "hun",
        "wat",
        "welke",
        "wie",
        "dit",
        "dat",
        "deze",
        "die",
        "er",
        "ook",
        "als",
        "om",
        "te",
        "tot",
        "nog",
        "wel",
        "veel",
        "hoeveel",
        "welk",
    ]
)

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


_ENGLISH = snowballstemmer.stemmer("english")


_STEMMER_LOCK = threading.Lock()


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Snowball (Porter 2) stem: 'founded'/'founding' and 'isolate'/'isolated' meet."""
    if word.isdigit():
        return word
    # A snowballstemmer object keeps its word in itself: two threads stemming at once (the
    # sentence warm-up and a visitor's question) corrupt each other.
    with _STEMMER_LOCK:
        return _ENGLISH.stemWord(word)


THOUSANDS = re.compile(r"(?<=\d)[,\u202f](?=\d{3}\b)")


def _word(token: str) -> str:
    if token.endswith(("'s", "’s")):
        token = token[:-2]
    return token.strip(".'’-")


def words(text: str) -> list[str]:
    """Folded word tokens (numbers kept whole: '1,995' -> '1995', '2.5' kept)."""
    folded = THOUSANDS.sub("", fold(text)).replace("%", " percent ").replace("²", "2")
    return [_word(w) for w in TOKEN.findall(folded)]


def terms(text: str) -> list[str]:
    """Stemmed content terms for keyword search and overlap scores.

    A hyphenated word also gives its parts: "FIT-brochure" names FIT, "VIB-UGent" names VIB.
    """
    return list(_terms(text))


@lru_cache(maxsize=20_000)
def _terms(text: str) -> tuple[str, ...]:
    # Cached: the same passages and sentences are read for question after question.
    found = []
    for word in words(text):
        if not word or word in STOPWORDS:
            continue
        found.append(stem(word))
        if "-" in word:
            found += [
                stem(part) for part in word.split("-") if len(part) > 1 and part not in STOPWORDS
            ]
    return tuple(found)


def detect_language(text: str) -> str:
    """'nl' or 'en' by counting marker words; English when undecided."""
    tokens = words(text)
    dutch = sum(t in DUTCH_MARKERS for t in tokens)
    english = sum(t in ENGLISH_MARKERS for t in tokens)
    return "nl" if dutch > english else "en"
