"""The Assistant: one object that loads its models once and answers many questions.

question -> validate -> resolve follow-up -> retrieve (hybrid) -> answerer -> Answer.
The UI, the CLI and the evaluation all go through here.
"""

from __future__ import annotations

import atexit
import hashlib
import logging
import re
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from assistant.answerers import Answerer, build_answerer
from assistant.answerers.extractive import ExtractiveAnswerer
from assistant.answerers.model import AnswerModel
from assistant.answers import Answer, QuestionError
from assistant.config import Settings
from assistant.conversation import ResolvedQuestion, resolve
from assistant.dutch import join_separable_verbs, search_words
from assistant.embeddings import build_embeddings
from assistant.lexical import detect_language
from assistant.question import QuestionProfile, profile
from assistant.retrieval import Hit, HybridRetriever
from assistant.sentences import split_sentences
from assistant.store import IndexStore, StoreUnavailable
from ingest.chunking import body_of

logger = logging.getLogger(__name__)

MARKUP = re.compile(r"<[^<>]{0,200}>")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Passages that a follow-up's earlier turn adds to those found for the question itself.
TURN_HITS = 2


QUESTION_PROBLEMS = {
    "en": {
        "not_text": "The question must be text.",
        "empty": "Please type a question.",
        "too_long": "That question is {length} characters long; please keep it under {limit}.",
        "no_words": "Please ask a question in words.",
    },
    "nl": {
        "not_text": "De vraag moet tekst zijn.",
        "empty": "Typ een vraag.",
        "too_long": "Die vraag telt {length} tekens; houd ze onder de {limit}.",
        "no_words": "Stel je vraag in woorden.",
    },
}


def _grouped(number: int, language: str) -> str:
    """5,000 in English, 5.000 in Dutch."""
    text = f"{number:,}"
    return text.replace(",", ".") if language == "nl" else text


@dataclass
class Prepared:
    """A question made ready for an answerer: its profile, vectors and retrieved passages."""

    text: str
    history: list[str]
    resolved: ResolvedQuestion
    profile: QuestionProfile
    answer_vector: np.ndarray
    hits: list[Hit]
    timings: dict[str, float] = field(default_factory=dict)


class Assistant:
    """Answers questions from the index with citations; safe to share between threads."""

    def __init__(
        self,
        settings: Settings,
        *,
        embeddings=None,
        store: IndexStore | None = None,
        warm: bool = True,
        answer_model: AnswerModel | None = None,
    ) -> None:
        started = time.perf_counter()
        self.settings = settings
        self.embeddings = embeddings or build_embeddings(settings)
        self.store = store or IndexStore(settings)
        self.retriever = HybridRetriever(self.store, self.embeddings, settings.candidate_k)
        self.extractive = ExtractiveAnswerer(
            self.embeddings, lambda: self.retriever.keyword, answer_model or AnswerModel.load()
        )
        self._answerers: dict[str, Answerer] = {"extractive": self.extractive}
        self._answerers_lock = threading.Lock()
        self.load_seconds = time.perf_counter() - started
        self.warmed = threading.Event()
        self._stopping = threading.Event()
        if warm:
            atexit.register(self._stop_warming)
            threading.Thread(
                target=self._warm_sentences, name="warm-sentences", daemon=True
            ).start()

    def _stop_warming(self) -> None:
        """At exit, let the warm-up finish its batch: onnxruntime aborts if torn down mid-run."""
        self._stopping.set()
        self.warmed.wait(timeout=10)

    def _warm_sentences(self) -> None:
        """Embed every indexed sentence once, so answers need no embedding beyond the question."""
        try:
            sentences = [
                s
                for chunk in self.retriever.keyword.chunks
                for s in split_sentences(body_of(chunk.text))
            ]
            key = hashlib.sha256(self.store.embedding_signature.encode()).hexdigest()[:12]
            cache = self.settings.data_dir / f"sentence-vectors-{key}.npz"
            embedded = self.extractive.vectors.warm(sentences, cache, self._stopping)
            logger.info(
                "Sentence vectors ready: %d sentences, %d newly embedded", len(sentences), embedded
            )
        except StoreUnavailable as error:
            logger.warning("Sentence warm-up skipped: %s", error)
        except OSError as error:  # a read-only data dir: vectors stay in memory only
            logger.warning("Sentence cache not saved: %s", error)
        finally:
            self.warmed.set()

    def answerer(self, backend: str | None = None) -> Answerer:
        """The named backend, built once (an LLM loads its model on first use)."""
        name = backend or self.settings.answerer
        with self._answerers_lock:
            if name not in self._answerers:
                self._answerers[name] = build_answerer(self.settings, name, self.extractive)
            return self._answerers[name]

    def clean_question(self, question: str, language: str = "en") -> str:
        """Reject what cannot be a question, with a message a visitor can act on, in the
        language the visitor chose."""
        messages = QUESTION_PROBLEMS["nl" if language == "nl" else "en"]
        if not isinstance(question, str):
            raise QuestionError(messages["not_text"])
        text = CONTROL.sub(" ", question)
        text = MARKUP.sub(" ", text)  # questions are plain text: tags only dilute the words
        text = " ".join(text.split())
        if not text:
            raise QuestionError(messages["empty"])
        if len(text) > self.settings.max_question_chars:
            raise QuestionError(
                messages["too_long"].format(
                    length=_grouped(len(text), language),
                    limit=_grouped(self.settings.max_question_chars, language),
                )
            )
        if not re.search(r"\w", text):
            raise QuestionError(messages["no_words"])
        return text

    def prepare(
        self,
        question: str,
        history: Sequence[str] = (),
        *,
        kind: str | None = None,
        answerer: Answerer | None = None,
        language: str = "en",
    ) -> Prepared:
        """Validate, resolve a follow-up, embed and retrieve (raises QuestionError). The
        answer's language is the question's, or `language` (the visitor's choice) when its
        words do not tell."""
        text = self.clean_question(question, language)
        history = [
            self.clean_question(h, language) for h in history if isinstance(h, str) and h.strip()
        ][-self.settings.history_turns :]
        gazetteer = self.retriever.keyword.gazetteer
        # Slips in words the corpus knows are mended for the search and the checks:
        # "who bougth tigenx" is read as "who bought tigenix".
        mended = gazetteer.corrected_text(text)
        # A question without function words ("oprichter innogenetics") is in the language
        # whose pages alone use its words; failing that, in the visitor's.
        language = detect_language(mended, gazetteer.language_of(mended) or language)
        if language == "nl":
            # "nam ... over" is one verb; "wormenbedrijf", unknown to the pages, is two words.
            mended = gazetteer.decompounded_text(join_separable_verbs(mended))
        resolved = resolve(mended, history, self.settings.history_turns, gazetteer.names)
        if resolved.carried_names and hasattr(answerer, "rewrite"):
            # LLM backends rewrite a follow-up into a standalone question; it is used for the
            # search only when it kept the entity the conversation was about.
            standalone = answerer.rewrite(text, history)
            if standalone and any(n.lower() in standalone.lower() for n in resolved.carried_names):
                resolved = ResolvedQuestion(
                    mended, standalone, resolved.carried_names, resolved.own_names
                )
        prepared = self._retrieve(text, history, resolved, kind, language)
        if resolved.carried_names and resolved.own_names:
            # "Who founded Ablynx and when did it list?" names its own subject, so the earlier
            # turn may not be meant: it is used only when the answer model is then sure enough
            # to answer, and surer than without it.
            alone = self._retrieve(text, history, ResolvedQuestion(mended, mended), kind, language)
            carried = self.extractive.confidence(prepared)
            needed = self.extractive.model.threshold(prepared.profile.language)
            if carried < needed or carried <= (self.extractive.confidence(alone)):
                return alone
        return prepared

    def _retrieve(
        self,
        text: str,
        history: list[str],
        resolved: ResolvedQuestion,
        kind: str | None,
        language: str = "en",
    ) -> Prepared:
        started = time.perf_counter()
        known = self.retriever.keyword.gazetteer.names
        question_profile = profile(
            resolved.question, resolved.carried_names, known, default_language=language
        )
        # A follow-up is judged against what it asks now, with the names it carries: "Who
        # started it?" about Biocartis, not "where is Biocartis based".
        asked_text = " ".join([resolved.question, *resolved.carried_names])
        if resolved.turn and not question_profile.focus:
            # "When was that?" has no words of its own: it asks about the earlier turn's
            # event ("Who acquired Ablynx?"), so that turn's words are what it asks about.
            earlier = profile(resolved.turn, known=known, analysis=question_profile.analysis)
            question_profile = replace(
                question_profile,
                terms=question_profile.terms + earlier.terms,
                focus=earlier.focus,
            )
            asked_text = resolved.search_text
        if question_profile.language == "nl":
            # The pages are mostly English: the Dutch words' English synonyms join the search.
            asked_text += " " + search_words(resolved.question)
        answer_vector = np.asarray(self.embeddings.embed_query(asked_text), dtype=np.float32)
        searches = [(asked_text, answer_vector)]
        if resolved.search_text != asked_text:
            # The whole earlier turn names its subject in ways no name pattern catches
            # ("What is imec.istart?"); its best passages join those of the question.
            turn_vector = np.asarray(
                self.embeddings.embed_query(resolved.search_text), dtype=np.float32
            )
            searches.append((resolved.search_text, turn_vector))
        embed_ms = (time.perf_counter() - started) * 1000
        hits: list[Hit] = []
        for number, (search_text, vector) in enumerate(searches):
            found = self.retriever.retrieve(
                search_text,
                self.settings.retrieval_k,
                kind=kind if kind in ("ecosystem", "history") else None,
                prefer_language=question_profile.language,
                query_vector=vector.tolist(),
            )
            seen = {h.chunk.id for h in hits}
            hits += [h for h in found if h.chunk.id not in seen][: TURN_HITS if number else None]
        retrieve_ms = (time.perf_counter() - started) * 1000 - embed_ms
        return Prepared(
            text,
            history,
            resolved,
            question_profile,
            answer_vector,
            hits,
            {"embed_ms": embed_ms, "retrieve_ms": retrieve_ms},
        )

    def stream(
        self,
        question: str,
        history: Sequence[str] = (),
        *,
        kind: str | None = None,
        backend: str | None = None,
        language: str = "en",
    ) -> Iterator[str | Answer]:
        """Yield text deltas, then the full Answer (raises QuestionError for bad input);
        `language` is the visitor's choice, used when the question's words do not tell."""
        started = time.perf_counter()
        answerer = self.answerer(backend)
        prepared = self.prepare(question, history, kind=kind, answerer=answerer, language=language)
        timings = prepared.timings
        answer_started = time.perf_counter()
        for item in answerer.stream(
            prepared.profile, prepared.hits, prepared.answer_vector, prepared.history
        ):
            if isinstance(item, Answer):
                timings["answer_ms"] = (time.perf_counter() - answer_started) * 1000
                timings["total_ms"] = (time.perf_counter() - started) * 1000
                item.timings = {k: round(v, 2) for k, v in timings.items()}
                yield item
                return
            yield item

    def answer(
        self,
        question: str,
        history: Sequence[str] = (),
        *,
        kind: str | None = None,
        backend: str | None = None,
        language: str = "en",
    ) -> Answer:
        """The full Answer for one question (raises QuestionError for bad input)."""
        for item in self.stream(question, history, kind=kind, backend=backend, language=language):
            if isinstance(item, Answer):
                return item
        raise RuntimeError("answerer ended without an answer")
