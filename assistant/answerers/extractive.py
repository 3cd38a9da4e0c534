"""The default answerer: picks source sentences that answer the question, no LLM needed.

Each sentence of the retrieved passages gets a probability that it answers the question,
from a learned, calibrated model over named features (`features.py`, `model.py`): meaning,
rarity-weighted word coverage, names, the asked value type, years and figures, and whether
the question asks for live data or lies outside the corpus. The answer is the best sentence,
verbatim with its citation marker, plus further sentences that are themselves likely
answers; a question in parts ("when ..., and by whom?") gets a sentence per part. When no
sentence is likely enough, the answer is an honest "I don't know" that says why.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.answerers.features import (
    QuestionContext,
    SentenceContext,
    asks_live_data,
    asks_practical_help,
    sentence_features,
)
from assistant.answerers.model import AnswerModel
from assistant.answers import Answer, Citation
from assistant.keyword_index import chunk_language
from assistant.lexical import detect_language, stems, terms, words
from assistant.question import (
    SYNONYMS,
    QuestionProfile,
    analysed_in,
    names_in,
    question_parts,
)
from assistant.retrieval import Hit
from assistant.sentences import split_sentences
from ingest.injection import flagged_in

logger = logging.getLogger(__name__)

MAX_SENTENCES = 3
# Below this cosine a passage is not about the question: no related topics, "off-topic".
RELATED_MIN_DENSE = 0.3
# A word in fewer than about one passage in eight tells what a question is about.
TELLING_IDF = 2.0

REFUSAL = {
    "en": "I don't know: the documents I have do not answer that question.",
    "nl": "Dat weet ik niet: de documenten waarover ik beschik, geven daar geen antwoord op.",
}
REFUSAL_REASONS = {
    "live": {
        "en": "I can't tell: that asks for live or current information, and my documents are "
        "dated pages, not a live feed.",
        "nl": "Dat kan ik niet zeggen: u vraagt naar actuele gegevens, en mijn documenten zijn "
        "gedateerde pagina's, geen live bron.",
    },
    "practical": {
        "en": "I can't help with that: my documents describe the life-sciences ecosystem and "
        "its history; they hold no contact details, applications or bookings.",
        "nl": "Daar kan ik niet bij helpen: mijn documenten beschrijven het life-sciences-"
        "ecosysteem en zijn geschiedenis, zonder contactgegevens, sollicitaties of reservaties.",
    },
    "offtopic": {
        "en": "I don't know: that lies outside what my documents cover, the life sciences in "
        "Flanders and the history of Flemish biotech.",
        "nl": "Dat weet ik niet: dat valt buiten waar mijn documenten over gaan, de life "
        "sciences in Vlaanderen en de geschiedenis van de Vlaamse biotech.",
    },
    "nothing": REFUSAL,
}
UNANSWERED_PART = {
    "en": "My documents do not answer this part: “{part}”.",
    "nl": "Mijn documenten beantwoorden dit deel niet: “{part}”.",
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
    """A sentence of a retrieved passage and the model's probability that it answers."""

    sentence: str
    hit_index: int
    probability: float
    terms: set[str]


class ExtractiveAnswerer:
    """Grounded answers made only of source sentences and citation markers."""

    name = "extractive"

    def __init__(self, embeddings, keyword_index, model: AnswerModel) -> None:
        self.vectors = SentenceVectors(embeddings)
        self.keyword_index = keyword_index  # callable returning the current KeywordIndex
        self.model = model

    def idf(self, term: str) -> float:
        """Inverse document frequency; kind words ("university") weigh little in a name."""
        weight = self.keyword_index().idf(term)
        return weight * 0.2 if term in KIND_WORDS else weight

    def features(
        self, question: QuestionProfile, hits: list[Hit], query_vector: np.ndarray
    ) -> tuple[list[SentenceContext], np.ndarray]:
        """Every sentence of the passages (with the one before it: "that award" names its
        subject there) and its feature row. Sentences flagged at ingest as addressing the
        assistant are never quoted."""
        pool = [
            (index, sentence, previous)
            for index, hit in enumerate(hits)
            for sentences, flagged in [(split_sentences(hit.body), flagged_in(hit.chunk.metadata))]
            for sentence, previous in zip(sentences, ["", *sentences[:-1]], strict=True)
            if sentence not in flagged
        ]
        if not pool:
            return [], np.zeros((0, 0), dtype=np.float32)
        similarities = self.vectors.get([s for _, s, _ in pool]) @ query_vector
        # Each page is compared with the question stemmed as the page's language is.
        languages = [chunk_language(hit.chunk) for hit in hits]
        contexts = {
            language: QuestionContext(
                profile=analysed_in(question, language),
                idf=self.idf,
                gazetteer=self.keyword_index().gazetteer,
                max_meaning=float(similarities.max()),
                top_dense=hits[0].dense,
            )
            for language in set(languages)
        }
        passage_terms = [
            set(terms(hit.chunk.text, language))
            for hit, language in zip(hits, languages, strict=True)
        ]
        sentences = []
        for (index, sentence, previous), meaning in zip(pool, similarities, strict=True):
            hit, language = hits[index], languages[index]
            # "Galapagos: from genomics joint venture to ..." is about Galapagos; an overview
            # titled "Immunology biotech: argenx, Galapagos, ..." is not.
            title_terms = set(terms(re.split(r"[:(—–]", hit.title, maxsplit=1)[0], language))
            section_terms = set(terms(str(hit.chunk.metadata.get("section", "")), language))
            sentences.append(
                SentenceContext(
                    sentence=sentence,
                    previous=previous,
                    language=language,
                    hit=hit,
                    hit_index=index,
                    meaning=float(meaning),
                    sentence_terms=set(terms(sentence, language)) | role_terms(sentence),
                    context_terms=title_terms | section_terms,
                    title_terms=title_terms,
                    passage_terms=passage_terms[index],
                )
            )
        rows = np.vstack([sentence_features(contexts[s.language], s) for s in sentences])
        return sentences, rows

    def candidates(
        self, question: QuestionProfile, hits: list[Hit], query_vector: np.ndarray
    ) -> list[Candidate]:
        """The sentences of the passages, most likely answer first."""
        sentences, rows = self.features(question, hits, query_vector)
        probabilities = self.model.probabilities(rows)
        ranked = [
            Candidate(s.sentence, s.hit_index, float(p), s.sentence_terms)
            for s, p in zip(sentences, probabilities, strict=True)
        ]
        ranked.sort(key=lambda c: c.probability, reverse=True)
        return ranked

    def confidence(self, prepared) -> float:
        """The probability of the likeliest answer sentence for a prepared question."""
        candidates = self.candidates(prepared.profile, prepared.hits, prepared.answer_vector)
        return candidates[0].probability if candidates else 0.0

    # --- answering ---

    def answer(
        self, question: QuestionProfile, hits: list[Hit], query_vector: np.ndarray
    ) -> Answer:
        parts = question_parts(question)
        if len(parts) == 1:
            candidates = self.candidates(question, hits, query_vector)
            threshold = self.model.threshold(question.language)
            if not candidates or candidates[0].probability < threshold:
                return self.refusal(question, hits, candidates[0].probability if candidates else 0)
            limit = MAX_SENTENCES if len(question.qtypes) > 1 else 2
            return self.compose(
                question, self._select(candidates, limit), hits, candidates[0].probability
            )
        chosen: list[Candidate] = []
        unanswered: list[str] = []
        best = 0.0
        for part in parts:
            candidates = self.candidates(part, hits, query_vector)
            lead = candidates[0] if candidates else None
            if lead is None or lead.probability < self.model.threshold(question.language):
                unanswered.append(part.text)
                continue
            best = max(best, lead.probability)
            if not any(c.sentence == lead.sentence for c in chosen):
                chosen.append(lead)
        if not chosen:
            return self.refusal(question, hits, best)
        answer = self.compose(question, chosen, hits, best)
        # Said beside the answer, not in it: the answer text holds only cited sentences.
        language = question.language if question.language in UNANSWERED_PART else "en"
        answer.notice = " ".join(
            UNANSWERED_PART[language].format(part=part.strip(" ?")) for part in unanswered
        )
        return answer

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

    def _select(self, candidates: list[Candidate], limit: int) -> list[Candidate]:
        """The lead sentence, then further likely answers that say something new."""
        chosen = [candidates[0]]
        for candidate in candidates[1:]:
            if len(chosen) >= limit or candidate.probability < self.model.extra_threshold:
                break
            if any(_overlap(candidate.terms, c.terms) > 0.6 for c in chosen):
                continue
            chosen.append(candidate)
        return chosen

    def compose(
        self, question: QuestionProfile, chosen: list[Candidate], hits: list[Hit], evidence: float
    ) -> Answer:
        numbers: dict[int, int] = {}
        parts = []
        # The visitor reads their own language first: a Dutch question leads with (and cites
        # first) the Dutch page's sentence when one was chosen.
        chosen = sorted(chosen, key=lambda c: detect_language(c.sentence) != question.language)
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
        """ "I don't know", saying why, with related topics."""
        language = question.language if question.language in REFUSAL else "en"
        topics = related_topics(question, hits, self.idf)
        reason = refusal_reason(question.text, bool(topics))
        text = REFUSAL_REASONS[reason][language]
        if topics and reason != "offtopic":
            text += " " + RELATED[language] + "; ".join(topics) + "."
        return Answer(
            text=text,
            citations=[],
            refused=True,
            backend=self.name,
            language=language,
            contexts=[citation_for(hit, i + 1) for i, hit in enumerate(hits)],
            related_topics=topics if reason != "offtopic" else [],
            evidence=evidence,
        )


def related_topics(
    question: QuestionProfile, hits: list[Hit], idf: Callable[[str], float]
) -> list[str]:
    """Titles of passages close to the question, in its language when it has them, that share
    one of its own names or telling words (not "best" or "year"): a follow-up searched with an
    earlier turn, but its related topics come from what is asked now."""

    def own_groups(language: str) -> list[frozenset[str]]:
        asked = analysed_in(question, language)
        groups = [group for group in asked.focus if max(idf(t) for t in group) >= TELLING_IDF]
        names = names_in(question.text, known=question.known)
        return groups + [frozenset(terms(name, language)) for name in names]

    close = [h for h in hits if h.dense >= RELATED_MIN_DENSE]
    own_language = [h for h in close if chunk_language(h.chunk) == question.language]
    close = own_language or close
    groups = {
        language: own_groups(language) for language in {chunk_language(h.chunk) for h in close}
    }
    return list(
        dict.fromkeys(
            h.title
            for h in close
            if any(
                group & set(terms(h.chunk.text, chunk_language(h.chunk)))
                for group in groups[chunk_language(h.chunk)]
            )
        )
    )[:3]


def refusal_reason(question: str, on_topic: bool) -> str:
    """Why a question is refused: live data, a practical request, off-topic, or no answer."""
    if asks_live_data(question):
        return "live"
    if asks_practical_help(question):
        return "practical"
    return "nothing" if on_topic else "offtopic"


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


KIND_WORDS = frozenset(
    stem
    for word in words(
        "university universities universiteit hospital hospitals ziekenhuis institute instituut "
        "centre center centrum company group fund funds foundation school college agency park "
        "campus network cluster association council department lab laboratory research sciences "
        "science medical health therapeutics pharma pharmaceuticals biotech"
    )
    for stem in stems(word)
)
LED_BY = re.compile(
    r"\b(?:led|directed|headed|run|managed|chaired)\s+by\b|\bgeleid\s+door\b", re.IGNORECASE
)


def role_terms(sentence: str) -> set[str]:
    """ "X is led by Y" states who heads X, as "Y is the CEO of X" does."""
    return set(SYNONYMS["ceo"]) if LED_BY.search(sentence) else set()


def _overlap(left: set[str], right: set[str]) -> float:
    """How much of the shorter sentence the other one repeats (1.0 = says nothing new)."""
    return len(left & right) / min(len(left), len(right)) if left and right else 0.0
