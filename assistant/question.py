"""What a question asks for: its type, focus, names, years and language.

The extractive answerer uses this profile to check that a sentence really answers the
question (a "when" wants a date, "the CEO of UCB" wants the word CEO or a synonym next to
UCB, "revenue in 2025" wants 2025), which similarity alone cannot tell.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.lexical import STOPWORDS, detect_language, fold, stem, terms, words

# Groups of words that ask for, or state, the same thing (English and Dutch).
SYNONYM_GROUPS = [
    "found founded founder founders cofounder co-founded co-founder establish established "
    "set created create start started launch launched spin-off spinoff spun birth oprichting "
    "opgericht oprichter oprichters richtte richt opricht gesticht",
    "acquire acquired acquisition acquisitions buy bought purchase purchased takeover sold sell "
    "sale overname overgenomen gekocht verkocht kocht overnam overnemen",
    "ceo chief executive managing director ceo's topman bestuurder gedelegeerd",
    "chairman chair chairwoman president voorzitter",
    "employee employees staff people jobs workforce headcount personnel werknemers "
    "medewerkers banen personeel employs employ employed",
    "revenue revenues turnover sales omzet",
    "invest investment invested investing investments funding raised capital financing "
    "investering investeringen geinvesteerd",
    "headquarters headquartered based located seat hoofdzetel gevestigd zetel",
    "approve approval approved authorisation authorization authorised authorized "
    "goedkeuring goedgekeurd marketing",
    "discover discovered discovery discoveries invented invention ontdekt ontdekking "
    "ontdekte uitgevonden",
    "drug drugs medicine medicines geneesmiddel geneesmiddelen",
    "born birth geboren",
    "died death passed overleden overleed stierf",
    "nobel prize award awarded laureate prijs",
    "merge merger merged fusie gefuseerd fuseerde",
    "ipo listing listed flotation beursgang beurs euronext nasdaq",
    "member members leden lid",
    "bed beds bedden",
    "budget grant grants subsidy subsidies dotatie",
    "price paid worth valued value bedrag prijs",
    "name named called heet genoemd naam",
    "author authors wrote written auteurs auteur schreef geschreven",
]

SYNONYMS: dict[str, frozenset[str]] = {}
for _group in SYNONYM_GROUPS:
    _stems = frozenset(stem(w) for w in words(_group))
    for _s in _stems:
        SYNONYMS[_s] = SYNONYMS.get(_s, frozenset()) | _stems

# Words that frame a question without saying what it is about.
FRAME_WORDS = frozenset(
    stem(w)
    for w in words(
        "year years date day month time name number amount company companies firm firms "
        "organisation organization institute happen happened role known called exactly "
        "first become became jaar datum bedrijf bedrijven welke welk noem vertel waren "
        "main major important key describe explain mean does role"
    )
)

QUESTION_TYPES = [
    (
        "when",
        r"\b(when|what year|which year|in what year|since when|wanneer|in welk jaar|welk jaar|sinds wanneer)\b",
    ),
    ("count", r"\b(how many|hoeveel)\b"),
    ("amount", r"\b(how much|what amount|how large|how big|what was the value|what price)\b"),
    ("who", r"\b(who|whom|which person|by whom|wie|door wie)\b"),
    ("where", r"\b(where|which city|in which city|waar|in welke stad)\b"),
    ("why", r"\b(why|waarom)\b"),
]

YEAR = re.compile(r"\b(1[4-9]\d\d|20\d\d)\b")
DATE = re.compile(
    r"\b(1[4-9]\d\d|20\d\d)\b|\b\d{1,2} (january|february|march|april|may|june|july|august|"
    r"september|october|november|december|januari|februari|maart|mei|juni|juli|augustus|"
    r"oktober)\b",
    re.IGNORECASE,
)
NUMBER = re.compile(r"\d")
AMOUNT = re.compile(
    r"(€|\$|£|\beur\b|\beuro\b|\busd\b|\bmillion\b|\bbillion\b|\bmiljoen\b|\bmiljard\b)",
    re.IGNORECASE,
)
NAME = re.compile(r"\b[A-Z][a-zA-Zà-ÿ'’-]+|\b[A-Z]{2,}\b|\b[a-z]+[A-Z]\w*")
PRONOUNS = frozenset(
    [
        "it",
        "its",
        "it's",
        "they",
        "them",
        "their",
        "he",
        "him",
        "his",
        "she",
        "her",
        "this",
        "that",
        "there",
        "these",
        "those",
        "het",
        "zij",
        "hij",
        "hem",
        "haar",
        "hun",
        "ze",
        "dat",
        "deze",
        "die",
        "daar",
        "er",
        "ervan",
    ]
)


@dataclass
class QuestionProfile:
    """The parts of a question that an answer must satisfy."""

    text: str
    language: str
    qtypes: list[str]
    terms: list[str]
    names: list[str]
    years: list[str]
    focus: list[frozenset[str]] = field(default_factory=list)

    @property
    def qtype(self) -> str:
        return self.qtypes[0]

    def type_fit(self, sentence: str) -> float:
        """Share of the asked value types ("when ... and to whom": a date and a name) present."""
        return sum(_holds(t, sentence) for t in self.qtypes) / len(self.qtypes)


def _holds(qtype: str, sentence: str) -> bool:
    if qtype == "when":
        return bool(DATE.search(sentence))
    if qtype == "count":
        return bool(NUMBER.search(sentence))
    if qtype == "amount":
        return bool(NUMBER.search(sentence)) and bool(AMOUNT.search(sentence) or "%" in sentence)
    if qtype in ("who", "where"):
        return len(names_in(sentence, skip_first=False)) > 0
    return True


def names_in(text: str, skip_first: bool = True) -> list[str]:
    """Capitalised words, acronyms and camel-cased names (imec, argenx are matched via titles)."""
    found = []
    for match in NAME.finditer(text):
        word = match.group(0).strip("'’-")
        at_start = match.start() == 0 or text[: match.start()].rstrip().endswith(
            (".", "?", "!", ":")
        )
        if (
            skip_first
            and at_start
            and fold(word)
            in STOPWORDS
            | {
                "what",
                "who",
                "when",
                "where",
                "how",
                "which",
                "why",
                "wie",
                "wat",
                "wanneer",
                "waar",
                "hoe",
                "welke",
                "hoeveel",
                "waarom",
                "did",
                "does",
                "is",
                "was",
                "were",
                "are",
                "tell",
                "give",
                "name",
                "list",
            }
        ):
            continue
        if fold(word) in STOPWORDS or stem(fold(word)) in SYNONYMS:
            continue  # "CEO", "IPO": what is asked, not who it is about
        found.append(word)
    return found


def question_types(text: str) -> list[str]:
    """Every value type the question asks for, in order; "what" when none is recognised."""
    lowered = fold(text)
    found = [name for name, pattern in QUESTION_TYPES if re.search(pattern, lowered)]
    return found or ["what"]


def profile(text: str, extra_names: list[str] | None = None) -> QuestionProfile:
    """Analyse a (possibly follow-up) question; `extra_names` come from earlier turns."""
    names = list(dict.fromkeys(names_in(text) + (extra_names or [])))
    name_stems = {stem(w) for n in names for w in words(n)}
    content = terms(text)
    focus_terms = [
        t
        for t in dict.fromkeys(content)
        if t not in name_stems and t not in FRAME_WORDS and not t.isdigit()
    ]
    return QuestionProfile(
        text=text,
        language=detect_language(text),
        qtypes=question_types(text),
        terms=content,
        names=names,
        years=YEAR.findall(text),
        focus=[SYNONYMS.get(t, frozenset({t})) for t in focus_terms],
    )


def has_reference(text: str) -> bool:
    """Does a question lean on an earlier turn ("when was it sold?")?"""
    tokens = set(words(text))
    return bool(tokens & PRONOUNS) or not names_in(text)
