"""What a question asks for: its value types, names, years, focus and language.

The extractive answerer uses this profile to check that a sentence really answers the
question (a "when" wants a date, "the CEO of UCB" wants the word CEO or a synonym next to
UCB, "revenue in 2025" wants 2025), which similarity alone cannot tell.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import cached_property

from assistant.lexical import STOPWORDS, detect_language, fold, stem, stems, terms, words

# Groups of words that ask for, or state, the same thing (English and Dutch).
SYNONYM_GROUPS = [
    "found founded founder founders cofounder co-founded co-founder establish established "
    "set created create start started launch launched spin-off spinoff spun oprichting "
    "opgericht oprichter oprichters richtte richt opricht oprichtte gesticht",
    "acquire acquired acquisition acquisitions buy bought purchase purchased takeover takeovers "
    "sold sell sale deal overname overgenomen gekocht verkocht kocht overnam overnemen pay paid",
    "offer offered bid bids bidding outbid counter-bid counterbid bod",
    "close closed closing complete completed completion finalised finalized afgerond",
    "pioneer pioneered pioneering pionier",
    "ceo chief executive managing director topman bestuurder gedelegeerd boss bosses baas",
    "father son mother daughter parent parents child children vader zoon moeder dochter ouders",
    "chairman chair chairwoman president voorzitter",
    "cto chief technology officer",
    "plant plants site sites facility facilities factory fabriek vestiging",
    "theatre theatres theater theaters room rooms zalen",
    "employee employees staff people jobs workforce headcount personnel werknemers "
    "medewerkers banen personeel mensen employs employ employed",
    "revenue revenues turnover sales omzet",
    "invest investment invested investing investments funding raised capital financing "
    "investering investeringen geinvesteerd money geld",
    "headquarters headquartered based located seat hoofdzetel gevestigd zetel",
    "approve approval approved authorisation authorization authorised authorized clear cleared "
    "goedkeuring goedgekeurd",
    "discover discovered discovery discoveries invented invention ontdekt ontdekking "
    "ontdekte uitgevonden",
    "drug drugs medicine medicines geneesmiddel geneesmiddelen",
    "born birth geboren",
    "died death passed overleden overleed stierf",
    "nobel prize award awarded laureate prijs win won",
    "merge merger merged fusie gefuseerd fuseerde",
    "ipo listing listed flotation float floated public beursgang beurs euronext nasdaq",
    "member members leden lid",
    "bed beds bedden",
    "budget grant grants subsidy subsidies dotatie",
    "price paid pay cost costs worth valued value bedrag betaalde betaald",
    "author authors wrote written auteurs auteur schreef geschreven",
    "student students studenten",
    "old age aged",
    "big large size area hectare hectares surface covers m2 square groot grootte oppervlakte",
    "percentage percent share stake",
    "demonstrate demonstrated demonstration show showed shown prove proved aangetoond toonde",
    "borrow borrowed loan loans lend lent lening leende",
    "partner partners partnered partnership partnerships collaborate collaborated collaboration "
    "alliance samenwerking partnerschap",
    "call called rename renamed rebrand rebranded name naam heet genoemd",
    "nowadays now today currently current present vandaag nu huidige",
]

SYNONYMS: dict[str, frozenset[str]] = {}
for _group in SYNONYM_GROUPS:
    _stems = frozenset(s for w in words(_group) for s in stems(w))
    for _s in _stems:
        SYNONYMS[_s] = SYNONYMS.get(_s, frozenset()) | _stems

# One-way synonyms: "who runs X" is answered by "the CEO of X" or "X's head", but a sentence
# saying that links "run through" Ghent does not answer "who is the CEO".
ONE_WAY_SYNONYMS = {
    "ceo": "head heads leader leaders lead leads leading charge run runs running "
    "leiding leidt leidde geleid"
}
for _target, _askers in ONE_WAY_SYNONYMS.items():
    _asker_stems = frozenset(s for w in words(_askers) for s in stems(w))
    for _s in _asker_stems:
        SYNONYMS[_s] = SYNONYMS.get(_s, frozenset()) | _asker_stems | SYNONYMS[_target]

# Words that frame a question without saying what it asks for.
FRAME_WORDS = frozenset(
    s
    for w in words(
        "year years date day month time name number amount company companies firm firms "
        "organisation organization institute thing things kind type sort part way "
        "jaar datum bedrijf bedrijven naam aantal "
        "roughly approximately about around exactly total end get got make made take took taken "
        "go went come came give gave play played hold held stand stands say said use used "
        "work happen happened main major important key describe explain mean role known "
        "ongeveer totaal kreeg maakte nam gaf ging kwam komt komen vandaan gaat "
        "people person persons mensen every each behind beyond within among across along "
        "summer winter spring autumn beginning middle half quarter zomer winter lente herfst "
        "try tried attempt attempted"
    )
    for s in stems(w)
)
QUESTION_STARTERS = frozenset(
    "what who when where which why how did does do is was were are can could would tell give "
    "name list since according after before during in on at for from to by with about if "
    "wie wat wanneer waar welke welk waarom hoe hoeveel wordt werd is zijn kan volgens sinds "
    "na voor tijdens in op aan met over".split()
)
MONTHS = frozenset(
    "january february march april may june july august september october november december "
    "januari februari maart mei juni juli augustus oktober".split()
)
NATIONALITIES = frozenset(
    "flemish belgian british dutch french german american european walloon brussels-based "
    "vlaamse vlaams belgische brits britse nederlandse franse duitse amerikaanse europese "
    # The corpus's own scope: every page is about Flanders or Belgium.
    "belgium flanders vlaanderen belgie europe belgians us usa uk japanese swiss".split()
)

CLAUSE_START = r"(?:^|[,;:]\s*|\b(?:and|or|but|then|me|us|know|en|of|maar)\s+)"
QUESTION_TYPES = [
    # "when"/"where" ask only where a question or clause starts: in "how large was the fund
    # when it closed" the "when" is a conjunction and no date is asked for.
    (
        "when",
        rf"{CLAUSE_START}(since |sinds )?(when|wanneer)\b|\b(what year|which year|in what year|"
        r"what date|which date|on what date|since what year|in welk jaar|welk jaar|sinds welk jaar)\b",
    ),
    # A size ("how large was the fund", "how big was the database") is a number of some unit.
    ("count", r"\b(how many|hoeveel|how large|how big|hoe groot)\b"),
    (
        "amount",
        r"\b(how much|what amount|what was the value|what price)\b",
    ),
    (
        "who",
        r"\b(who|whom|which person|by whom|which (company|firm|group|pharma\w*)|what company|wie|door wie|welk bedrijf)\b",
    ),
    (
        "where",
        rf"{CLAUSE_START}(where|waar)\b|\b(which city|in which city|what city|which town|"
        r"in welke stad)\b",
    ),
    ("why", r"\b(why|waarom)\b"),
    (
        "expansion",
        r"\b(stands? for|short for|full name|acronym|abbreviation|afkorting|voluit|staat voor)\b",
    ),
]

# The attribute a question asks about: "the CEO of", "how many beds", "what was X revenue".
# The thing counted: "how many hospital beds" (not "how much funding": money has many names).
COUNTED_NOUN = r"\b(?:how many)\s+(?!(?:does|did|do|is|was|were|are|will|has|have|had|can|could)\b)((?:[a-z][\w-]+\s+)?[a-z][\w-]+)"
ASKED_ATTRIBUTE = [
    # "Who was CEO of PGS ...": the role asked.
    r"\b(?:who|wie)\s+(?:is|was|were|are|became|becomes|werd)\s+(?:the\s+|de\s+)?"
    r"(?:current\s+|first\s+|new\s+|huidige\s+|eerste\s+)?([a-z][\w-]+)\s+(?:of|at|for|van|bij)\b",
    # Not a verb: "how much did X pay", "hoeveel betaalde X" ask for the amount, typed.
    r"\b(?:how many|how much|hoeveel)\s+(?!(?:does|did|do|is|was|were|are|will|has|have|had|can|could|"
    r"betaalde|kostte|kost|bracht|haalde|verdiende|investeerde|kreeg|heeft|hebben|zijn|"
    r"waren|werd|werden|wordt|bedroeg|bedraagt)\b)((?:[a-z][\w-]+\s+)?[a-z][\w-]+)",
    r"\bhow much (?:does|did|do|is|was|will)\b.*\b(cost|costs|worth|weigh)\b",
    r"\b(?:the|its|their|his|her|as|de|het|haar|zijn|hun|als)\s+(?:current|first|new|present|latest|"
    r"huidige|eerste|nieuwe)?\s*([a-z][\w-]+)\s+(?:of|for|at|per|in|van|voor|bij)\b",
    r"\b(?i:what|which|wat)\s+(?i:is|was|are|were)\s+(?:[A-Z][\w-]*(?:['’]s)?\s+)+([a-z][\w-]+)",
    r"\b[A-Z][\w-]*['’]s\s+(?:(?:current|first|new|present|latest)\s+)?([A-Za-z][\w-]+)",
    r"\b(?:when|where|wanneer|waar)\s+(?:was|were|did|is|werd|is)\s+.+?\s+(born|died|geboren|overleden)\b",
    r"\bhow\s+(old)\b",  # "how big" asks for an amount (typed), not for the word "big"
    r"\bwhat\s+([a-z]+)\s+(?:per|of|did|does|do|was|were|is|are|has|have)\b",
]

ANSWER_CATEGORY = re.compile(
    r"\b(?:which|what|welke|welk)\s+((?:[a-z][\w-]*\s+){0,2}[a-z][\w-]*)\s+(?:did|does|do|was|were|"
    r"is|are|has|have|had|can|could|will|would|heeft|hebben|werd|zijn)\b",
    re.IGNORECASE,
)
YEAR = re.compile(r"\b(1[4-9]\d\d|20\d\d)\b")
FIGURE = re.compile(r"\b\d+(?:st|nd|rd|th)\b|\b\d+(?:[.,]\d+)?\s?%", re.IGNORECASE)
DATE = re.compile(
    r"\b(1[4-9]\d\d|20\d\d)\b|\b\d{1,2} (january|february|march|april|may|june|july|august|"
    r"september|october|november|december|januari|februari|maart|mei|juni|juli|augustus|"
    r"oktober)\b",
    re.IGNORECASE,
)
NUMBER = re.compile(r"\d")
# An acronym is spelled out in brackets, after a colon or with "short for": "RIT (Recherche ...)".
EXPANSION = re.compile(
    r"[(:]|\b(short for|stands? for|full name|afkorting|voluit|staat voor)\b", re.I
)
# A "why" is answered by a reason: "because", "to avoid", "after the FDA ...", "for tax reasons".
CAUSE = re.compile(
    r"\b(because|since|as a result|due to|owing to|thanks to|after|so that|in order to|to avoid|"
    r"reason|reasons|why|led to|forced|meant|therefore|so|omdat|doordat|want|daardoor|om te|"
    r"reden|dankzij|na)\b|\b(for|as)\s+\w+\s+(reasons?)\b",
    re.IGNORECASE,
)
# A count is a number that is not a year or a day of a date ("nine departments", "1,200 staff").
COUNT = re.compile(
    # A reference number ("Article 22", "page 3") counts nothing.
    r"(?<!article )(?<!artikel )(?<!section )(?<!chapter )(?<!page )(?<!number )(?<!no\. )"
    r"(?<![\w.,/-])(?!(?:1[4-9]\d\d|20\d\d)s?\b)\d+(?:[.,]\d+)*(?![\d/]|st\b|nd\b|rd\b|th\b)(?! (?:january|february|march|april|may|"
    r"june|july|august|september|october|november|december|januari|februari|maart|mei|juni|juli|"
    r"augustus|oktober)\b)|\b(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"fifteen|twenty|thirty|forty|fifty|hundred|hundreds|thousand|thousands|dozen|dozens|"
    r"twee|drie|vier|vijf|zes|zeven|acht|negen|tien|elf|twaalf|twintig|honderd|duizend)\b",
    re.IGNORECASE,
)
AMOUNT = re.compile(
    r"(€|\$|£|\bgbp\b|\beur\b|\beuros?\b|\busd\b|\bmillion\b|\bbillion\b|\bmiljoen\b|\bmiljard\b|"
    r"\bfrancs?\b|\bfrank\b|\bdollars?\b|\bpounds?\b|hectare|m²|km²|\bpercent\b|\bprocent\b)",
    re.IGNORECASE,
)
NAME_WORD = r"(?:[A-Z][\w'’-]*[\w]|[a-z]+[A-Z][\w-]*)"
NAME = re.compile(rf"(?<![\w-]){NAME_WORD}(?:\s+(?:(?:van|de|den|der|le|la)\s+)*{NAME_WORD})*")
PRONOUNS = frozenset(
    "it its it's they them their he him his she her this that there these those "
    "het zij hij hem haar hun ze dat deze die daar er ervan".split()
)


@dataclass
class QuestionProfile:
    """The parts of a question that an answer must satisfy."""

    text: str
    language: str
    qtypes: list[str]
    # Stemmed in `analysis`, the language of the texts they are compared with.
    terms: list[str]
    names: list[str]
    years: list[str]
    # "the 100th spin-off", "a 75% stake": figures the answer's passage must repeat.
    figures: list[str] = field(default_factory=list)
    focus: list[frozenset[str]] = field(default_factory=list)
    asked: list[frozenset[str]] = field(default_factory=list)
    counted: list[frozenset[str]] = field(default_factory=list)
    known: frozenset[str] = frozenset()
    analysis: str = "en"

    @property
    def qtype(self) -> str:
        return self.qtypes[0]

    def holds(self, qtype: str, sentence: str) -> bool:
        """Does the sentence hold a value of this type? A "who" needs a name the question
        did not give: "Flanders Vaccine, set up in 2016" does not say who set it up."""
        if qtype in ("who", "where"):
            return bool(self.new_names(sentence))
        return _holds(qtype, sentence)

    def type_fit(self, sentence: str) -> float:
        """Share of the asked value types ("when ... and to whom": a date and a name) present."""
        return sum(self.holds(t, sentence) for t in self.qtypes) / len(self.qtypes)

    @cached_property
    def _given_terms(self) -> frozenset[str]:
        return frozenset(t for n in self.names for t in terms(n, self.analysis)) | frozenset(
            self.terms
        )

    def new_names(self, sentence: str) -> list[str]:
        """Names in the sentence that the question did not mention."""
        return [
            n
            for n in names_in(sentence, skip_first=False, known=self.known)
            if not set(terms(n, self.analysis)) <= self._given_terms
        ]


VALUE_TYPES = ("when", "count", "amount", "expansion")


def _holds(qtype: str, sentence: str) -> bool:
    if qtype == "when":
        return bool(DATE.search(sentence))
    if qtype == "count":
        return bool(COUNT.search(sentence))
    if qtype == "amount":
        return bool(NUMBER.search(sentence)) and bool(AMOUNT.search(sentence) or "%" in sentence)
    if qtype == "why":
        return bool(CAUSE.search(sentence))
    if qtype == "expansion":
        return bool(EXPANSION.search(sentence))
    return True


def _is_plain_word(word: str) -> bool:
    folded = fold(word)
    return (
        folded in STOPWORDS
        or folded in NATIONALITIES
        or folded in MONTHS
        or stem(folded) in SYNONYMS
    )


def names_in(text: str, skip_first: bool = True, known: frozenset[str] = frozenset()) -> list[str]:
    """Names: runs of capitalised words ("UZ Gent", "Luc Van den Brande"), acronyms, camelCase.

    The first word of a sentence counts only when it is not an ordinary question word;
    asked-for nouns ("CEO", "IPO") and nationalities ("Flemish") are not names.
    """
    found = []
    for match in NAME.finditer(text):
        parts = match.group(0).split()
        at_start = match.start() == 0 or text[: match.start()].rstrip().endswith(
            (".", "?", "!", ":")
        )
        parts = [re.sub(r"['’]s$", "", p).strip("'’-") for p in parts]
        if (
            skip_first
            and at_start
            and (fold(parts[0]) in QUESTION_STARTERS or fold(parts[0]).endswith("ly"))
        ):
            parts = parts[1:]
        while parts and _is_plain_word(parts[0]):
            parts = parts[1:]
        if parts and not all(_is_plain_word(p) for p in parts):
            found.append(" ".join(parts))
    # Names the corpus knows count in any case: "mdxhealth", "imec", "argenx".
    said = {w for f in found for w in words(f)}
    found += [w for w in dict.fromkeys(words(text)) if w in known and w not in said]
    return found


def question_types(text: str) -> list[str]:
    """Every value type the question asks for, in order; "what" when none is recognised."""
    lowered = fold(text)
    found = [name for name, pattern in QUESTION_TYPES if re.search(pattern, lowered)]
    return found or ["what"]


def asked_attributes(
    text: str, patterns: list[str] = ASKED_ATTRIBUTE, language: str = "en"
) -> list[frozenset[str]]:
    """Synonym groups of what the question asks about ("CEO", "beds", "revenue")."""
    groups = []
    for pattern in patterns:
        for match in re.finditer(pattern, text, flags=0 if "A-Z" in pattern else re.IGNORECASE):
            # "how many hospital beds": the last content word is the thing counted; a word
            # we know as an attribute wins ("hoeveel omzet draaide": omzet, not the verb).
            phrase = " ".join(w for w in match.groups() if w)
            content = [t for t in terms(phrase, language) if t not in FRAME_WORDS]
            content = [t for t in content if t in SYNONYMS] or content
            alternatives = (
                SYNONYMS.get(content[-1], frozenset({content[-1]})) if content else frozenset()
            )
            if alternatives:
                groups.append(alternatives)
    return groups


def staff_counted(text: str) -> list[frozenset[str]]:
    """ "How many people work at X" counts staff: the sentence must say staff or employees."""
    if re.search(
        r"\b(how many|hoeveel) (people|persons|mensen)\b", text, re.IGNORECASE
    ) and re.search(r"\b(work|works|worked|working|employ\w*|werk\w*)\b", text, re.IGNORECASE):
        return [SYNONYMS[stem("employees")]]
    return []


def answer_category(text: str, language: str = "en") -> set[str]:
    """The nouns naming the kind of answer ("which cell structure did ..."): the answer names an
    instance ("the endoplasmic reticulum") and seldom repeats the category word."""
    match = ANSWER_CATEGORY.search(text)
    return set(terms(match.group(1), language)) if match else set()


def profile(
    text: str,
    extra_names: list[str] | None = None,
    known: frozenset[str] = frozenset(),
    analysis: str | None = None,
    default_language: str = "en",
) -> QuestionProfile:
    """Analyse a (possibly follow-up) question; `extra_names` come from earlier turns and
    `known` holds the lower-case names of the corpus ("imec"). Its language is
    `default_language` when its words do not tell; its words are stemmed in `analysis`
    (default: the question's own language)."""
    language = detect_language(text, default_language)
    names = list(dict.fromkeys(names_in(text, known=known) + (extra_names or [])))
    return QuestionProfile(
        text=text,
        language=language,
        qtypes=question_types(text),
        names=names,
        years=YEAR.findall(text),
        figures=FIGURE.findall(text),
        known=known,
        **_analysed(text, names, analysis or language, language),
    )


def analysed_in(question: QuestionProfile, language: str) -> QuestionProfile:
    """The same question with its words stemmed as a text in `language` is: how it is compared
    with the sentences of a page in that language."""
    if language == question.analysis:
        return question
    return replace(
        question, **_analysed(question.text, question.names, language, question.language)
    )


def _analysed(text: str, names: list[str], language: str, written_in: str) -> dict:
    """The profile fields that depend on the stemmer: terms, focus and asked attributes."""
    name_stems = {t for n in names for t in terms(n, language)}
    category = answer_category(text, language)
    content = terms(text, language, written_in)
    focus_terms = [
        t
        for t in dict.fromkeys(content)
        if t not in name_stems and t not in FRAME_WORDS and t not in category and not t.isdigit()
    ]
    return {
        "terms": content,
        "focus": [SYNONYMS.get(t, frozenset({t})) for t in focus_terms],
        "asked": asked_attributes(text, language=language),
        "counted": asked_attributes(text, [COUNTED_NOUN], language) or staff_counted(text),
        "analysis": language,
    }


def has_reference(text: str, known: frozenset[str] = frozenset()) -> bool:
    """Does a question lean on an earlier turn ("when was it sold?")?"""
    tokens = set(words(text))
    return bool(tokens & PRONOUNS) or not names_in(text, known=known)


# "..., and by whom?", "... en voor hoeveel?": a second question joined to the first.
PART_BOUNDARY = re.compile(
    r"(?:,\s*|\s+)(?:and|en|&)\s+(?=(?:when|who|whom|where|what|which|why|how|for how much|"
    r"by whom|in which|in what|wanneer|wie|waar|wat|welke|welk|waarom|hoe|hoeveel|door wie|"
    r"voor hoeveel|in welk)\b)",
    re.IGNORECASE,
)


def question_parts(question: QuestionProfile) -> list[QuestionProfile]:
    """ "When was X founded, and by whom?" asks two things. Each part keeps the whole
    question's names and words (the second part often has none of its own) but asks its
    own value type and attribute."""
    pieces = [p.strip() for p in PART_BOUNDARY.split(question.text) if p.strip()]
    if len(pieces) < 2:
        return [question]
    return [
        replace(
            question,
            text=piece,
            qtypes=question_types(piece),
            asked=asked_attributes(piece, language=question.analysis),
            counted=asked_attributes(piece, [COUNTED_NOUN], question.analysis)
            or staff_counted(piece),
        )
        for piece in pieces
    ]
