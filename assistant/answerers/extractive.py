"""The default answerer: picks source sentences that answer the question, no LLM needed.

Each candidate sentence is scored on meaning (embedding similarity), shared words (weighted
by rarity), whether it holds the asked type of value (a date for "when"), the question's
focus ("CEO", "revenue") and its names and years. The answer is one to three of the best
sentences, verbatim, each followed by its citation marker. When no sentence holds what the
question asks for, the answer is an honest "I don't know" with related topics.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.answers import Answer, Citation
from assistant.lexical import terms
from assistant.question import SYNONYMS, VALUE_TYPES, YEAR, QuestionProfile
from assistant.retrieval import Hit
from assistant.sentences import split_sentences
from ingest.injection import flagged_in

logger = logging.getLogger(__name__)

WEIGHTS = {"meaning": 0.40, "overlap": 0.25, "type": 0.15, "focus": 0.10, "names": 0.10}
EXTRA_SENTENCE_RATIO = 0.85
CLOSE_RUNNER_UP = 0.97
EVIDENCE_POOL = 8
MAX_SENTENCES = 3

REFUSAL = {
    "en": "I don't know: the documents I have do not answer that question.",
    "nl": "Dat weet ik niet: de documenten waarover ik beschik, geven daar geen antwoord op.",
}
RELATED = {
    "en": "Related topics I can answer about: ",
    "nl": "Verwante onderwerpen waarover ik wel iets weet: ",
}


class SentenceVectors:
    """A bounded, thread-safe cache of sentence embeddings (sentences recur across questions).

    `warm` embeds every sentence of the index once, in the background, and keeps the result
    in a file beside the index so that the next start does not embed them again.
    """

    def __init__(self, embeddings, capacity: int = 100_000) -> None:
        self.embeddings = embeddings
        self.capacity = capacity
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, sentences: list[str]) -> np.ndarray:
        with self._lock:
            missing = [s for s in dict.fromkeys(sentences) if s not in self._cache]
        if missing:
            vectors = self.embeddings.embed_array(missing)
            with self._lock:
                for sentence, vector in zip(missing, vectors, strict=True):
                    self._cache[sentence] = vector
                while len(self._cache) > self.capacity:
                    self._cache.popitem(last=False)
        with self._lock:
            for s in sentences:
                self._cache.move_to_end(s)
            return np.vstack([self._cache[s] for s in sentences])

    def warm(
        self, sentences: list[str], cache_file: Path | None, stop: threading.Event | None = None
    ) -> int:
        """Embed (or load from `cache_file`) all given sentences; returns how many were embedded."""
        stored: dict[str, np.ndarray] = {}
        if cache_file and cache_file.exists():
            try:
                with np.load(cache_file, allow_pickle=False) as data:
                    stored = dict(zip(data["sentences"].tolist(), data["vectors"], strict=True))
            except (OSError, ValueError, KeyError):
                logger.warning("Ignoring unreadable sentence cache %s", cache_file)
        wanted = list(dict.fromkeys(sentences))
        with self._lock:
            for sentence in wanted:
                if sentence in stored and sentence not in self._cache:
                    self._cache[sentence] = stored[sentence]
        missing = [s for s in wanted if s not in stored]
        for start in range(0, len(missing), 64):
            if stop is not None and stop.is_set():
                return 0  # the process is exiting: do not save a partial cache
            self.get(missing[start : start + 64])
        if cache_file and missing:
            with self._lock:
                keys = [s for s in wanted if s in self._cache]
                vectors = (
                    np.vstack([self._cache[s] for s in keys])
                    if keys
                    else np.zeros((0, 384), np.float32)
                )
            cache_file.parent.mkdir(parents=True, exist_ok=True)
            partial = cache_file.with_name(cache_file.name + f".{os.getpid()}.partial.npz")
            np.savez(partial, sentences=np.array(keys), vectors=vectors)
            os.replace(partial, cache_file)
        return len(missing)


@dataclass
class Candidate:
    sentence: str
    hit_index: int
    score: float
    meaning: float
    focus: float
    names: float
    type_fit: float
    years_ok: bool
    terms: set[str]
    missing_attribute: bool = False
    missing_counted: bool = False
    new_names: int = 0


class ExtractiveAnswerer:
    """Grounded answers made only of source sentences and citation markers."""

    name = "extractive"

    def __init__(self, embeddings, keyword_index, min_evidence: float) -> None:
        self.vectors = SentenceVectors(embeddings)
        self.keyword_index = keyword_index  # callable returning the current KeywordIndex
        self.min_evidence = min_evidence

    def idf(self, term: str) -> float:
        return self.keyword_index().idf(term)

    def _name_weights(self, name: str) -> dict[str, float]:
        """Each word of a name weighted by rarity: "Luc Van den Brande" is found by "Van den Brande".

        Kind words ("university", "hospital") weigh little: "Ghent University" is not found in
        a sentence about another university.
        """
        return {t: self.idf(t) * (0.2 if t in KIND_WORDS else 1.0) for t in terms(name)}

    @staticmethod
    def _name_found(weights: dict[str, float], present: set[str]) -> bool:
        total = sum(weights.values())
        return bool(total) and sum(w for t, w in weights.items() if t in present) / total >= 0.5

    def candidates(
        self, question: QuestionProfile, hits: list[Hit], query_vector: np.ndarray
    ) -> list[Candidate]:
        # Each sentence with the one before it: "that award" in a sentence names its subject
        # in the sentence before.
        # Sentences flagged at ingest as addressing the assistant are never quoted.
        pool: list[tuple[int, str, str]] = [
            (index, sentence, previous)
            for index, hit in enumerate(hits)
            for sentences, flagged in [(split_sentences(hit.body), flagged_in(hit.chunk.metadata))]
            for sentence, previous in zip(sentences, ["", *sentences[:-1]], strict=True)
            if sentence not in flagged
        ]
        if not pool:
            return []
        similarities = self.vectors.get([s for _, s, _ in pool]) @ query_vector
        question_terms = set(question.terms)
        weights = {t: self.idf(t) for t in question_terms}
        total_weight = sum(weights.values()) or 1.0
        name_weights = [self._name_weights(n) for n in question.names]
        result = []
        for (index, sentence, previous), meaning in zip(pool, similarities, strict=True):
            hit = hits[index]
            sentence_terms = set(terms(sentence)) | role_terms(sentence)
            previous_terms = set(terms(previous))
            # "Galapagos: from genomics joint venture to ..." is about Galapagos; an overview
            # titled "Immunology biotech: argenx, Galapagos, ..." is not.
            title_terms = set(terms(re.split(r"[:(—–]", hit.title, maxsplit=1)[0]))
            context_terms = title_terms | set(terms(str(hit.chunk.metadata.get("section", ""))))
            overlap = sum(
                w * _credit(SYNONYMS.get(t, {t}), sentence_terms, context_terms, 0.6)
                for t, w in weights.items()
            )
            overlap /= total_weight
            matched = [
                _credit(group, sentence_terms, context_terms, 0.5) for group in question.focus
            ]
            # A name counts when the sentence says it, or the page (its title) or the
            # sentence before is about it.
            names = _share(
                [
                    1.0
                    if self._name_found(weights, sentence_terms)
                    else 0.7
                    if self._name_found(weights, title_terms | previous_terms)
                    else 0.0
                    for weights in name_weights
                ]
            )
            type_fit = question.type_fit(sentence)
            # A year of the question must be in the sentence, or in its passage when the
            # sentence names no other year ("In 2014 ..." does not answer "in 2017").
            years_ok = all(
                year in sentence or (year in hit.chunk.text and not YEAR.search(sentence))
                for year in question.years
            ) and all(
                _figure_in(figure, sentence) or _figure_in(figure, hit.chunk.text)
                for figure in question.figures
            )
            score = (
                WEIGHTS["meaning"] * float(meaning)
                + WEIGHTS["overlap"] * overlap
                + WEIGHTS["type"] * type_fit
                + WEIGHTS["focus"] * _share(matched)
                + WEIGHTS["names"] * names
                + 0.03 / (1 + index)
            )
            if question.years and not any(year in sentence for year in question.years):
                score -= 0.1
            if question.figures and not any(_figure_in(f, sentence) for f in question.figures):
                score -= 0.1
            result.append(
                Candidate(
                    sentence=sentence,
                    hit_index=index,
                    score=score,
                    meaning=float(meaning),
                    focus=_share(matched),
                    names=names,
                    type_fit=type_fit,
                    years_ok=years_ok,
                    terms=sentence_terms,
                    new_names=len(question.new_names(sentence)),
                    # The page's title may name "research", but "how many researchers" wants
                    # the number next to the word in the sentence itself.
                    missing_counted=any(not (group & sentence_terms) for group in question.counted),
                    # One asked attribute said is enough: "the head of Biovia's board" is
                    # answered by "chairs the Biovia board".
                    missing_attribute=bool(question.asked)
                    and not any(
                        _says(group, sentence_terms | context_terms) for group in question.asked
                    ),
                )
            )
        result.sort(key=lambda c: c.score, reverse=True)
        return result

    def evidence(self, question: QuestionProfile, candidate: Candidate) -> float:
        """How sure we are that this sentence answers the question (0 = not at all).

        Similarity alone cannot tell "the founder of UCB" from "the CEO of UCB"; so the
        sentence must also name the asked attribute ("the CEO of", or a synonym), the
        question's names and years, and hold a value of the asked type.
        """
        if not candidate.years_ok:
            return 0.0
        if question.names and candidate.names < 0.5:
            return 0.0  # the question's names belong in the sentence or its page's title
        if candidate.missing_attribute or candidate.missing_counted:
            return 0.0  # the asked attribute ("CEO", "revenue", "ISBN") is not in the sentence
        if candidate.type_fit == 0.0 and (
            any(t in VALUE_TYPES for t in question.qtypes) or candidate.meaning < 0.5
        ):
            return 0.0  # a "when" needs a date, a "how many" a number
        if candidate.new_names == 0 and question.qtypes[0] in ("who", "where"):
            return 0.0  # a "who"/"where" needs a name the question did not already give
        if candidate.focus < 0.3 and candidate.meaning < 0.6:
            return 0.0  # hardly any of the question's own words: likely another subject
        if candidate.focus == 0.0 and len(question.focus) >= 2:
            return 0.0  # none of several asked-about words: a neighbouring fact, not this one
        return candidate.score

    @staticmethod
    def _answers_part(question: QuestionProfile, candidate: Candidate) -> bool:
        """Can this sentence answer the other part of a two-part question? The asked
        attribute belongs to one part ("how many patents ... and when did he retire"), so
        only the names and years must match."""
        return candidate.years_ok and (not question.names or candidate.names >= 0.5)

    # --- answering ---

    def answer(
        self, question: QuestionProfile, hits: list[Hit], query_vector: np.ndarray
    ) -> Answer:
        candidates = self.candidates(question, hits, query_vector)
        if not candidates:
            return self.refusal(question, hits, 0.0)
        scored = sorted(
            ((self.evidence(question, c), c) for c in candidates[:EVIDENCE_POOL]),
            key=lambda p: p[0],
            reverse=True,
        )
        evidence, lead = scored[0]
        if evidence < self.min_evidence:
            return self.refusal(question, hits, evidence)
        candidates = [lead] + [c for c in candidates if c is not lead]
        chosen = self._select(question, candidates)
        return self.compose(question, chosen, hits, evidence)

    def stream(
        self,
        question: QuestionProfile,
        hits: list[Hit],
        query_vector: np.ndarray,
        history: list[str],
    ) -> Iterator[str | Answer]:
        """Word-by-word deltas of the finished answer (it is computed in milliseconds)."""
        answer = self.answer(question, hits, query_vector)
        pieces = answer.text.split(" ")
        for number, piece in enumerate(pieces):
            yield piece if number == 0 else " " + piece
        yield answer

    def _select(self, question: QuestionProfile, candidates: list[Candidate]) -> list[Candidate]:
        """The lead sentence, then sentences for asked types it lacks, then close runners-up."""
        best = candidates[0]
        chosen = [best]
        limit = MAX_SENTENCES if len(question.qtypes) > 1 or " and " in question.text else 2
        for qtype in question.qtypes:
            if any(question.holds(qtype, c.sentence) for c in chosen):
                continue
            for candidate in candidates[1:]:
                if candidate.score < 0.7 * best.score or not self._answers_part(
                    question, candidate
                ):
                    continue
                if question.holds(qtype, candidate.sentence) and candidate not in chosen:
                    chosen.append(candidate)
                    break
        for candidate in candidates[1:]:
            if candidate in chosen:
                continue
            if len(chosen) >= limit:
                break
            if (
                candidate.score < EXTRA_SENTENCE_RATIO * best.score
                or self.evidence(question, candidate) == 0.0
            ):
                continue
            if any(_overlap(candidate.terms, c.terms) > 0.6 for c in chosen):
                continue
            said = set().union(*(c.terms for c in chosen))
            adds = any(group & candidate.terms and not group & said for group in question.focus)
            if not adds and candidate.score < CLOSE_RUNNER_UP * best.score:
                continue  # a second sentence must add something the question asked about
            chosen.append(candidate)
        return chosen

    def compose(
        self, question: QuestionProfile, chosen: list[Candidate], hits: list[Hit], evidence: float
    ) -> Answer:
        numbers: dict[int, int] = {}
        parts = []
        for candidate in chosen:
            number = numbers.setdefault(candidate.hit_index, len(numbers) + 1)
            parts.append(f"{candidate.sentence} [{number}]")
        citations = [citation_for(hits[index], number) for index, number in numbers.items()]
        return Answer(
            text=" ".join(parts),
            citations=citations,
            refused=False,
            backend=self.name,
            language=question.language,
            contexts=[citation_for(hit, i + 1) for i, hit in enumerate(hits)],
            evidence=evidence,
        )

    def refusal(self, question: QuestionProfile, hits: list[Hit], evidence: float) -> Answer:
        language = question.language if question.language in REFUSAL else "en"
        topics = list(dict.fromkeys(h.title for h in hits if h.dense >= 0.3))[:3]
        text = REFUSAL[language]
        if topics:
            text += " " + RELATED[language] + "; ".join(topics) + "."
        return Answer(
            text=text,
            citations=[],
            refused=True,
            backend=self.name,
            language=language,
            contexts=[citation_for(hit, i + 1) for i, hit in enumerate(hits)],
            related_topics=topics,
            evidence=evidence,
        )


def citation_for(hit: Hit, number: int) -> Citation:
    meta = hit.chunk.metadata
    sources = str(meta.get("sources", "")).split()
    return Citation(
        number=number,
        doc_id=hit.doc_id,
        title=hit.title,
        url=sources[0] if sources else "",
        section=str(meta.get("section", "")),
        text=hit.body,
        score=round(hit.score, 5),
        kind=str(meta.get("kind", "")),
        language=str(meta.get("language", "")),
        sources=sources,
    )


def _figure_in(figure: str, text: str) -> bool:
    """ "75%" is also written "75 %" or "75 percent"."""
    number = re.sub(r"\s?%$", "", figure)
    if number == figure:
        return figure.lower() in text.lower()
    return bool(re.search(rf"(?<![\d.,]){re.escape(number)}\s?(?:%|percent|procent)", text))


KIND_WORDS = frozenset(
    terms(
        "university universities universiteit hospital hospitals ziekenhuis institute instituut "
        "centre center centrum company group fund funds foundation school college agency park "
        "campus network cluster association council department lab laboratory research sciences "
        "science medical health therapeutics pharma pharmaceuticals biotech"
    )
)
LED_BY = re.compile(
    r"\b(?:led|directed|headed|run|managed|chaired)\s+by\b|\bgeleid\s+door\b", re.IGNORECASE
)


def role_terms(sentence: str) -> set[str]:
    """ "X is led by Y" states who heads X, as "Y is the CEO of X" does."""
    return set(SYNONYMS["ceo"]) if LED_BY.search(sentence) else set()


def _says(group: frozenset[str], present: set[str]) -> bool:
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


def _credit(
    wanted: set[str] | frozenset[str], sentence: set[str], context: set[str], partial: float
) -> float:
    """1 when the sentence says it, `partial` when only its title or section does."""
    if wanted & sentence:
        return 1.0
    return partial if wanted & context else 0.0


def _share(values: list[float]) -> float:
    return sum(values) / len(values) if values else 1.0


def _overlap(left: set[str], right: set[str]) -> float:
    """How much of the shorter sentence the other one repeats (1.0 = says nothing new)."""
    return len(left & right) / min(len(left), len(right)) if left and right else 0.0
