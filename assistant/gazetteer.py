"""What the corpus knows: its vocabulary and its names, so visitors may type in lower case.

A word is a name when the corpus writes it capitalised (or in mixed case, "argenx"-style
brands in page titles) nearly every time it is not the first word of a sentence. Matching is
case-insensitive: "mdxhealth" and "tibotec" in a question are names. Unknown words that are
one typing slip away from a corpus word ("galapgos") are mapped to it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from assistant.lexical import STOPWORDS, fold, words

# A word token with its original case; the lookbehind tells a sentence start.
TOKEN = re.compile(r"[A-Za-zÀ-ÿ][\w'’.-]*[\w]|[A-Za-zÀ-ÿ]")
SENTENCE_START = re.compile(r"(?:^|[.!?:;\n#*\-]\s*|[\"“(]\s*)$")
NAME_SHARE = 0.85
MIN_CORRECTION_LENGTH = 6


def _deletes(word: str) -> set[str]:
    """The word and every form with one letter left out (SymSpell's key for one slip)."""
    return {word} | {word[:i] + word[i + 1 :] for i in range(len(word))}


@dataclass
class Gazetteer:
    """Corpus vocabulary with counts, the subset that are names, and a typo lookup."""

    counts: Counter[str] = field(default_factory=Counter)
    names: frozenset[str] = frozenset()
    _by_delete: dict[str, list[str]] = field(default_factory=dict, repr=False)

    @classmethod
    def build(cls, texts: Iterable[str], titles: Iterable[str] = ()) -> Gazetteer:
        counts: Counter[str] = Counter()
        capitalised: Counter[str] = Counter()
        inside: Counter[str] = Counter()
        for text in texts:
            for match in TOKEN.finditer(text):
                token = match.group(0)
                parts = words(token)
                if not parts:
                    continue
                word = parts[0]
                counts[word] += 1
                if SENTENCE_START.search(text[max(0, match.start() - 3) : match.start()]):
                    continue
                inside[word] += 1
                if token[0].isupper() or any(c.isupper() for c in token[1:]):
                    capitalised[word] += 1
        names = {
            word
            for word, seen in inside.items()
            if capitalised[word] / seen >= NAME_SHARE and word not in STOPWORDS and len(word) > 1
        }
        for title in titles:  # a page about a brand leads with its name: "argenx: from ..."
            first = title.split()[0] if title.split() else ""
            if first[:1].islower() and len(first) > 2:
                names.add(fold(first).strip(".,:"))
        by_delete: dict[str, list[str]] = {}
        for word in counts:
            if len(word) >= MIN_CORRECTION_LENGTH - 1 and word.isalpha():
                for key in _deletes(word):
                    by_delete.setdefault(key, []).append(word)
        return cls(counts, frozenset(names), by_delete)

    def correct(self, word: str) -> str | None:
        """The corpus word one slip away from an unknown word (most frequent wins), or None."""
        folded = fold(word)
        if len(folded) < MIN_CORRECTION_LENGTH or folded in self.counts or not folded.isalpha():
            return None
        matches = {m for key in _deletes(folded) for m in self._by_delete.get(key, ())}
        # "approve"/"approved" is an inflection, not a slip: the stems meet anyway.
        matches = {
            m
            for m in matches
            if abs(len(m) - len(folded)) <= 1 and not (m.startswith(folded) or folded.startswith(m))
        }
        if not matches:
            return None
        return max(matches, key=lambda m: (self.counts[m], m))

    def corrected_text(self, text: str) -> str:
        """The text with slips mended: "who bougth tigenx" -> "who bought tigenix".

        A capitalised word is left as typed: "Materialise" is a name the corpus does not
        know, not a slip for "materialised".
        """

        def mend(match: re.Match[str]) -> str:
            word = match.group(0)
            return word if word[0].isupper() else self.correct(word) or word

        return re.sub(r"[A-Za-zÀ-ÿ]+", mend, text)

    def unknown_names(self, names: list[str]) -> float:
        """Share of the names none of whose words the corpus uses: "Bekaert" is not in it."""
        if not names:
            return 0.0
        return sum(not any(w in self.counts for w in words(n)) for n in names) / len(names)

    def unknown_share(self, text: str) -> float:
        """Share of the text's content words that the corpus never uses (an off-topic sign)."""
        content = [w for w in words(text) if w not in STOPWORDS and not w.isdigit()]
        if not content:
            return 0.0
        return sum(w not in self.counts for w in content) / len(content)
