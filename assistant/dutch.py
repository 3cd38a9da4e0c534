"""Dutch questions read against a mostly English corpus: separable verbs and search words.

"Wie nam Ablynx over?" splits its verb: "nam ... over" is "overnam" (took over). Joined, the
verb meets the shared synonym table, whose groups hold the English words ("acquired",
"bought") that the English pages use; those words are added to the search text.
"""

from __future__ import annotations

import re

from assistant.lexical import stem, words
from assistant.question import SYNONYM_GROUPS

# Particles that split off a Dutch verb and close the clause: "richtte ... op", "nam ... over".
PARTICLES = frozenset("op over uit aan af in mee terug toe door na voor bij weg binnen".split())
CLAUSE = re.compile(r"[^,;?!.]+")

# Each stem of the synonym table with every word of its groups: the English words of a group
# are what an English page says for the Dutch word of the question.
GROUP_WORDS: dict[str, list[str]] = {}
for _group in SYNONYM_GROUPS:
    _words = words(_group)
    for _word in _words:
        GROUP_WORDS.setdefault(stem(_word), []).extend(w for w in _words if w not in GROUP_WORDS)


def join_separable_verbs(text: str) -> str:
    """ "wie nam Ablynx over?" -> "wie overnam Ablynx?": the particle closing a clause joins
    the verb near the clause start with which it forms a word the synonym table knows
    ("overnam", "oprichtte"); otherwise the clause stays as it is."""

    def join(match: re.Match[str]) -> str:
        clause = match.group(0)
        tokens = clause.split()
        if len(tokens) < 3 or tokens[-1].lower() not in PARTICLES:
            return clause
        for position in range(min(4, len(tokens) - 1)):
            joined = tokens[-1].lower() + tokens[position].lower()
            if stem(joined) in GROUP_WORDS:
                lead = clause[: len(clause) - len(clause.lstrip())]
                tokens[position] = joined
                return lead + " ".join(tokens[:-1])
        return clause

    return CLAUSE.sub(join, text)


def search_words(text: str) -> str:
    """The words of the synonym groups that the question's words belong to: "overnam" gives
    "acquired bought takeover ..." for the English pages."""
    found: list[str] = []
    for word in words(text):
        for other in GROUP_WORDS.get(stem(word), ()):
            if other != word and other not in found:
                found.append(other)
    return " ".join(found)
