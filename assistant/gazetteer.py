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
from itertools import zip_longest

from assistant.lexical import STOPWORDS, fold, words

# A word token with its original case; the lookbehind tells a sentence start.
TOKEN = re.compile(r"[A-Za-zÀ-ÿ][\w'’.-]*[\w]|[A-Za-zÀ-ÿ]")
SENTENCE_START = re.compile(r"(?:^|[.!?:;\n#*\-]\s*|[\"“(]\s*)$")
NAME_SHARE = 0.85
MIN_CORRECTION_LENGTH = 6
MIN_COMPOUND_LENGTH = 8


def _deletes(word: str) -> set[str]:
    """The word and every form with one letter left out (SymSpell's key for one slip)."""
    return {word} | {word[:i] + word[i + 1 :] for i in range(len(word))}


@dataclass
class Gazetteer:
    """Corpus vocabulary with counts, the subset that are names, and a typo lookup."""

    counts: Counter[str] = field(default_factory=Counter)
    names: frozenset[str] = frozenset()
    _by_delete: dict[str, list[str]] = field(default_factory=dict, repr=False)
    # Words the pages of one language use and those of the other never do ("oprichter").
    language_words: dict[str, frozenset[str]] = field(default_factory=dict)

    @classmethod
    def build(
        cls, texts: Iterable[str], titles: Iterable[str] = (), languages: Iterable[str] = ()
    ) -> Gazetteer:
        """`languages` gives each text's language, in order (none: no language words)."""
        counts: Counter[str] = Counter()
        capitalised: Counter[str] = Counter()
        inside: Counter[str] = Counter()
        seen_in: dict[str, set[str]] = {}
        for text, language in zip_longest(texts, languages):
            if text is None:
                break
            if language:
                seen_in.setdefault(language, set()).update(words(text))
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
        language_words = {
            language: frozenset(
                seen.difference(*(other for key, other in seen_in.items() if key != language))
            )
            for language, seen in seen_in.items()
        }
        return cls(counts, frozenset(names), by_delete, language_words)

    def language_of(self, text: str) -> str | None:
        """The language whose pages alone use most of the text's words ("oprichter
        innogenetics" is Dutch), or None when they do not tell."""
        tokens = words(text)
        votes = {
            language: sum(token in vocabulary for token in tokens)
            for language, vocabulary in self.language_words.items()
        }
        ranked = sorted(votes.items(), key=lambda vote: -vote[1])
        if not ranked or ranked[0][1] == 0 or (len(ranked) > 1 and ranked[0][1] == ranked[1][1]):
            return None
        return ranked[0][0]

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

    def split_compound(self, word: str) -> list[str] | None:
        """An unknown Dutch compound as the corpus words it is built of: "celtherapiebedrijf"
        is "celtherapie bedrijf", "beursintroductie" is "beurs introductie" (a linking "s"
        or "e" may join them, as in "onderzoeksinstituut"). None when the word is known or
        no split into known words of at least 3 and 4 letters exists; of several splits the
        one with the longest known tail wins."""
        folded = fold(word)
        if len(folded) < MIN_COMPOUND_LENGTH or folded in self.counts or not folded.isalpha():
            return None
        for cut in range(3, len(folded) - 3):
            head, tail = folded[:cut], folded[cut:]
            if tail not in self.counts:
                continue
            for known_head in (head, head[:-1] if head.endswith(("s", "e")) else ""):
                if known_head in self.counts and known_head not in STOPWORDS:
                    return [known_head, tail]
            parts = self.split_compound(head)
            if parts:
                return [*parts, tail]
        return None

    def decompounded_text(self, text: str) -> str:
        """The text with unknown compounds written as their parts (see `split_compound`)."""

        def split(match: re.Match[str]) -> str:
            parts = self.split_compound(match.group(0))
            return " ".join(parts) if parts else match.group(0)

        return re.sub(r"[A-Za-zÀ-ÿ]+", split, text)

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
