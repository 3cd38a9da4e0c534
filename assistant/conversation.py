"""Follow-up questions: carry the names of earlier turns into a question that lacks its own."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from assistant.lexical import words
from assistant.question import PRONOUNS, has_reference, names_in


@dataclass
class ResolvedQuestion:
    """The question as asked, the text to search with, and names carried from history."""

    question: str
    search_text: str
    carried_names: list[str] = field(default_factory=list)
    own_names: list[str] = field(default_factory=list)
    turn: str = ""  # the earlier turn it leans on, if any


def resolve(
    question: str, history: Sequence[str], max_turns: int, known: frozenset[str] = frozenset()
) -> ResolvedQuestion:
    """ "When was it sold?" after "Who founded Ablynx?" searches for "... Ablynx"."""
    recent = [turn for turn in list(history)[-max_turns:] if turn.strip()] if max_turns else []
    if not recent or not has_reference(question, known):
        return ResolvedQuestion(question, question)
    # The search reads the whole earlier turn, not only its names: "What is imec.istart?"
    # names its subject in a way no name pattern catches.
    own = names_in(question, known=known)
    for turn in reversed(recent):
        names = [n for n in names_in(turn, known=known) if n not in own]
        if names:
            return ResolvedQuestion(question, f"{question} {turn}", names, own, turn)
    if set(words(question)) & PRONOUNS:
        return ResolvedQuestion(question, f"{question} {recent[-1]}", [], own, recent[-1])
    return ResolvedQuestion(question, question, [], own)
