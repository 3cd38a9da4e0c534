"""Twin pages: every corpus page exists in English and in Dutch, and both hold the same facts.

A visitor who asks in Dutch is answered from the Dutch page, so a fact that only one twin holds
gives the two languages different answers. The check compares what can be compared across
languages without a translator: sources, milestone years, figures and names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from assistant.lexical import fold
from ingest.documents import SourceDocument

# Place and country names that the two languages spell differently (folded, English -> Dutch).
EXONYMS: dict[str, tuple[str, ...]] = {
    "ghent": ("gent",),
    "antwerp": ("antwerpen",),
    "brussels": ("brussel",),
    "belgium": ("belgie",),
    "flanders": ("vlaanderen",),
    "wallonia": ("wallonie",),
    "liege": ("luik",),
    "louvain": ("leuven",),
    "europe": ("europa",),
    "netherlands": ("nederland",),
    "germany": ("duitsland",),
    "france": ("frankrijk",),
    "switzerland": ("zwitserland",),
    "japan": ("japan",),
    "china": ("china",),
    "america": ("amerika",),
    "united": ("verenigde", "verenigd"),
    "states": ("staten",),
    "us": ("verenigde", "staten"),
    "usa": ("verenigde", "staten"),
    "britain": ("brittannie",),
    "great": ("groot",),
    "low": ("lage",),
    "countries": ("landen",),
    "basel": ("bazel",),
    "turin": ("turijn",),
    "geneva": ("geneve",),
    "london": ("londen",),
    "paris": ("parijs",),
    "greece": ("griekenland",),
    "prague": ("praag",),
    "union": ("unie",),
    "hong": ("hongkong",),
    "kong": ("hongkong",),
    "vienna": ("wenen",),
    "cologne": ("keulen",),
    "munich": ("munchen",),
    "estonia": ("estland",),
    "copenhagen": ("kopenhagen",),
    "catholic": ("katholieke",),
    "oecd": ("oeso",),
    "africa": ("afrika",),
    "middle": ("midden",),
    "east": ("oosten", "oost", "zuidoost"),
    "south": ("zuid", "zuidoost"),
    "asia": ("azie",),
    "soignies": ("zinnik",),
    "parliament": ("parlement",),
    "itm": ("itg",),
    "north": ("noord",),
    "sea": ("zee",),
    "prize": ("prijs",),
    "meuse": ("maas",),
    "naples": ("napels",),
    "tokyo": ("tokio",),
    "king": ("koning",),
    "baudouin": ("boudewijn",),
    "pontifical": ("pauselijke",),
    "world": ("wereldoorlog",),
    "war": ("wereldoorlog",),
    "free": ("onafhankelijke", "vrije"),
    "gmo": ("ggo",),
    "erdf": ("efro",),
    "kingdom": ("koninkrijk",),
    "sweden": ("zweden",),
    "denmark": ("denemarken",),
    "spain": ("spanje",),
    "italy": ("italie",),
    "ireland": ("ierland",),
    "congo": ("congo",),
    "limburg": ("limburg",),
}
# Capitalised but not names: months, days, nationality and language adjectives, and the kind
# words of organisation names, which the twins translate ('Centre'/'Centrum').
NOT_NAMES = frozenset(
    """january february march april may june july august september october november december
    monday tuesday wednesday thursday friday saturday sunday
    belgian flemish dutch european american german french british english swiss japanese
    chinese walloon brussels-based ghent-based leuven-based antwerp-based danish swedish italian
    spanish irish canadian greek ipo ipos phd phds sme smes ceo ceos cfo cso gdp bbp
    januari februari maart mei juni juli augustus oktober
    vlaams vlaamse belgisch belgische europees europese amerikaans amerikaanse nederlands
    nederlandse duits duitse frans franse brits britse zwitsers zwitserse japans japanse waals
    waalse chinees chinese deens deense zweeds zweedse grieks griekse kmo belgen engels
    centre centres center centers centra centrum theatre theater planning planbureau institute
    instituut onderzoeksinstituut university universiteit hospital ziekenhuis school
    foundation stichting agency agentschap fund fonds onderzoeksfonds sciences wetenschappen
    assembly vergadering gbp dutch-speaking french-speaking german-language nederlandstalige
    franstalige duitstalig duitstalige engelse gezondheidsproducten""".split()
)
# Either direction: a Dutch page's 'Gent' is present in its English twin as 'Ghent'.
SPELLINGS: dict[str, tuple[str, ...]] = dict(EXONYMS)
for _english, _forms in EXONYMS.items():
    for _dutch in _forms:
        SPELLINGS[_dutch] = (*SPELLINGS.get(_dutch, ()), _english)
# The shortest start of a word that still names it across languages ('tropi-').
MIN_PREFIX = 5
NUMBER = re.compile(r"\d[\d.,\u202f]*\d|\d")
# A capitalised word that does not open a sentence, list item or heading.
NAME = re.compile(r"(?<![.!?:#>*\-\n]\s)(?<![\n(\"'“‘&])(?<!^)\b([A-Z][\w’'-]*[\w])", re.MULTILINE)


def figures(text: str) -> set[str]:
    """The numbers of a text as bare digits, so '4,500', '4.500' and '3,9'/'3.9' compare."""
    return {re.sub(r"\D", "", number) for number in NUMBER.findall(text)}


def names(text: str, ordinary: set[str]) -> set[str]:
    """Capitalised words that are names: not opening a sentence, not an ordinary word of the
    language (one the corpus also writes in lower case) and not a month or nationality."""
    found = set()
    for match in NAME.findall(text):
        # Of a hyphenated word only the capitalised pieces name something: 'VIB' in
        # 'VIB-onderzoek', nothing in 'A-ronde' or 'fase I-studies'.
        pieces = [p for p in re.sub(r"['’]s?$", "", match).split("-") if p[:1].isupper()]
        for piece in map(fold, pieces):
            if len(piece) > 2 and piece not in ordinary and piece not in NOT_NAMES:
                found.add(piece)
    return found


def _present(name: str, other_text: str) -> bool:
    """A name is present when the other twin writes it or its exonym, or the word it is built on:
    a Dutch adjective ('Gentse' from 'Gent'), compound ('Nobelprijs', 'Willebrandfactor'),
    hyphenated word ('VIB-onderzoek') or cognate ('Tropische', 'Tropical')."""
    if name in other_text:
        return True
    stems = set()
    for piece in (name, *name.split("-")):
        stems |= {piece, re.sub(r"(?:se|s|e)$", "", piece)}
        stems |= {piece[:end] for end in range(len(piece) - 1, MIN_PREFIX - 1, -1)}
    stems = {stem for stem in stems if len(stem) > 1}
    exonyms = {form for stem in stems for form in SPELLINGS.get(stem, ())}
    # A prefix may open a longer word ('biotechnolog-' in 'biotechnology'); another short form
    # must stand alone, or 'gen' would be found everywhere. An exonym may sit anywhere in a
    # word ('Gentse', 'Noordzee', 'Nobelprijs').
    return any(
        re.search(rf"\b{re.escape(form)}" + ("" if len(form) >= MIN_PREFIX else r"\b"), other_text)
        for form in stems
    ) or any(form in other_text for form in exonyms)


def lowercase_words(documents: Iterable[SourceDocument]) -> set[str]:
    """Words the corpus writes in lower case somewhere: ordinary words of its languages."""
    return {
        fold(word)
        for document in documents
        for word in re.findall(r"\b[a-zà-ÿ][\w’'-]*[\w]", document.text)
    }


def twin_problems(documents: list[SourceDocument]) -> list[str]:
    """Every way the corpus pages and their twins disagree, as `path: problem` lines."""
    by_id = {document.meta.id: document for document in documents}
    ordinary = lowercase_words(documents)
    problems: list[str] = []
    for document in documents:
        meta = document.meta
        other_language = "nl" if meta.language == "en" else "en"
        if not meta.twin:
            problems.append(
                f"{document.path}: no twin: write the page in '{other_language}' and link "
                f"both with 'twin:'"
            )
            continue
        twin = by_id.get(meta.twin)
        if twin is None:
            problems.append(f"{document.path}: twin '{meta.twin}' is not a corpus page")
            continue
        if twin.meta.twin != meta.id:
            problems.append(
                f"{document.path}: twin '{meta.twin}' does not link back with 'twin: {meta.id}'"
            )
        if twin.meta.language == meta.language:
            problems.append(f"{document.path}: twin '{meta.twin}' has the same language")
        if twin.meta.kind != meta.kind:
            problems.append(f"{document.path}: twin '{meta.twin}' has another kind")
        problems.extend(_facts_missing(document, twin, ordinary))
    return problems


def _facts_missing(page: SourceDocument, twin: SourceDocument, ordinary: set[str]) -> list[str]:
    """What `page` states that `twin` lacks (the twin's own check reports the other way)."""
    where = f"{page.path}: twin '{twin.meta.id}'"
    problems = [
        f"{where} lacks source {url}" for url in page.meta.sources if url not in twin.meta.sources
    ]
    years = sorted(m.year for m in page.meta.milestones)
    twin_years = sorted(m.year for m in twin.meta.milestones)
    if years != twin_years:
        problems.append(f"{where} has other milestone years: {years} here, {twin_years} there")
    twin_figures = figures(twin.text)
    problems.extend(
        f"{where} lacks the figure or year {number}"
        for number in sorted(figures(page.text) - twin_figures)
    )
    twin_text = fold(twin.text)
    problems.extend(
        f"{where} lacks the name {name!r}"
        for name in sorted(names(page.text, ordinary))
        if not _present(name, twin_text)
    )
    return problems
