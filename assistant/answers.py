"""Values that travel from the assistant to the UI, CLI and evaluation: Answer and Citation."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class Citation:
    """One numbered source of an answer: `[number]` in the text points here."""

    number: int
    doc_id: str
    title: str
    url: str
    section: str
    text: str
    score: float
    kind: str = ""
    language: str = ""
    sources: list[str] = field(default_factory=list)


@dataclass
class Answer:
    """What the assistant says, with the evidence behind it."""

    text: str
    citations: list[Citation]
    refused: bool
    backend: str
    timings: dict[str, float] = field(default_factory=dict)
    notice: str = ""
    language: str = "en"
    contexts: list[Citation] = field(default_factory=list)
    related_topics: list[str] = field(default_factory=list)
    evidence: float = 0.0

    def to_dict(self) -> dict:
        return asdict(self)


class QuestionError(ValueError):
    """A question that cannot be answered as asked (empty, too long); the message says why."""
