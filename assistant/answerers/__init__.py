"""Answerers: one protocol, one module per backend, one factory."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import numpy as np

    from assistant.answers import Answer
    from assistant.config import Settings
    from assistant.question import QuestionProfile
    from assistant.retrieval import Hit


class Answerer(Protocol):
    """Turns a question and its retrieved evidence into an Answer, streamed as text deltas."""

    name: str

    def stream(
        self,
        question: QuestionProfile,
        hits: list[Hit],
        query_vector: np.ndarray,
        history: list[str],
    ) -> Iterator[str | Answer]:
        """Yield text deltas, then the final Answer."""
        ...


def build_answerer(settings: Settings, backend: str, extractive: Answerer) -> Answerer:
    """The configured backend; LLM backends fall back to `extractive` on failure."""
    if backend == "extractive":
        return extractive
    from assistant.answerers.llm import build_llm_answerer

    return build_llm_answerer(settings, backend, extractive)
