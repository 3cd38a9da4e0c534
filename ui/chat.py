"""The visitors' chat: a question goes to `Assistant.stream`, the answer comes back with sources.

Each session keeps its turns (raw question, earlier questions, answer) in a server-side
gr.State: follow-ups get the earlier questions as history, and a thumbs up/down is stored
with exactly what was shown, whatever the browser sends.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass

import gradio as gr

from assistant.answers import Answer, QuestionError
from assistant.feedback import FeedbackStore
from assistant.service import Assistant
from assistant.store import StoreUnavailable
from ui.render import answer_html, partial_html, problem_html, user_html

logger = logging.getLogger(__name__)

EXAMPLES = [
    "Who acquired Ablynx?",
    "When was VIB founded?",
    "What does imec do in health?",
    "Wie richtte argenx op?",
    "Who founded Janssen Pharmaceutica?",
    "What is a Nanobody?",
    "Which companies grew out of Plant Genetic Systems?",
    "Waar maakt Pfizer in Puurs vaccins?",
]
KINDS = [("All", "all"), ("Ecosystem", "ecosystem"), ("History", "history")]
WELCOME = (
    "### Ask about Flemish life sciences\n"
    "Questions about the biotech ecosystem in Flanders today (institutes, companies, "
    "funding) and its history (founders, spin-offs, acquisitions), in English or Dutch. "
    "Answers quote the documents; each `[n]` links to its source below the answer. "
    "Follow-up questions may refer to the previous ones."
)


@dataclass
class Turn:
    """One question and what was answered, keyed by the chatbot index of the answer."""

    index: int
    question: str
    history: list[str]
    answer: Answer | None


UNAVAILABLE_MESSAGE = "The document index is unavailable right now; please try again shortly."


def _kind(value: str | None) -> str | None:
    return value if value in ("ecosystem", "history") else None


def build_chat(assistant: Assistant, feedback: FeedbackStore) -> None:
    """Add the chat to the current Blocks: welcome, examples, filter, chatbot, input, feedback."""
    history_turns = assistant.settings.history_turns

    def respond(
        question: str, messages: list, turns: list[Turn] | None, kind: str | None
    ) -> Iterator[tuple[list, str, list[Turn]]]:
        turns = list(turns or [])
        question = question if isinstance(question, str) else ""
        # Never echo (or keep) more of a question than could be accepted: a rejected 10 MB
        # question must not live on in this session's chat.
        limit = assistant.settings.max_question_chars
        echoed = question if len(question) <= limit else question[:limit] + " …"
        messages = [*(messages or []), {"role": "user", "content": user_html(echoed)}]
        earlier = [t.question for t in turns if t.answer is not None][-history_turns:]
        turn = Turn(len(messages), echoed, earlier, None)
        shown = ""
        try:
            for item in assistant.stream(question, earlier, kind=_kind(kind)):
                if isinstance(item, Answer):
                    turn.answer = item
                    content = answer_html(item, question, turn.index)
                    break
                shown += item
                yield [*messages, {"role": "assistant", "content": partial_html(shown)}], "", turns
            else:
                raise RuntimeError("the answerer stopped without an answer")
        except QuestionError as error:
            content = problem_html(str(error))
        except StoreUnavailable:
            logger.exception("Index unavailable while answering")
            content = problem_html(UNAVAILABLE_MESSAGE)
        if turn.answer is not None:
            turns.append(turn)
        yield [*messages, {"role": "assistant", "content": content}], "", turns

    def on_like(turns: list[Turn] | None, vote: gr.LikeData) -> None:
        """Store a vote on an answer; votes on anything else are ignored."""
        index = vote.index[0] if isinstance(vote.index, (list, tuple)) else vote.index
        turn = next((t for t in turns or [] if t.index == index), None)
        if turn is None or turn.answer is None or vote.liked not in (True, False):
            return
        rating = "up" if vote.liked else "down"
        if feedback.record(turn.question, turn.answer, rating, turn.history) is None:
            gr.Info("Feedback is switched off on this server; thanks all the same.")
            return
        gr.Info("Thanks for the feedback.")

    def start_over() -> tuple[list, str, list[Turn]]:
        return [], "", []

    def answer(question: str, history: list[str] | None = None, kind: str = "all") -> dict:
        """The Answer as JSON (text, citations, refused, backend) for programs, not people."""
        try:
            result = assistant.answer(question, history or [], kind=_kind(kind))
        except QuestionError as error:
            raise gr.Error(str(error)) from None
        except StoreUnavailable:
            logger.exception("Index unavailable while answering")
            raise gr.Error(UNAVAILABLE_MESSAGE) from None
        data = result.to_dict()
        data.pop("contexts", None)
        return data

    gr.Markdown(WELCOME, elem_id="fa-welcome")
    kind = gr.Radio(KINDS, value="all", label="Search in", elem_id="fa-kind")
    chatbot = gr.Chatbot(
        label="Conversation",
        elem_id="fa-chat",
        height="60vh",
        min_height=320,
        latex_delimiters=[],
        allow_tags=False,
        placeholder="Ask a question, or pick an example below.",
        buttons=["copy"],
    )
    turns = gr.State([])
    with gr.Row(equal_height=True, elem_id="fa-ask-row"):
        question = gr.Textbox(
            placeholder="Type a question in English or Dutch…",
            show_label=False,
            lines=1,
            max_lines=4,
            scale=5,
            elem_id="fa-question",  # focused by ui/app.js on wide screens only
        )
        send = gr.Button("Send", variant="primary", scale=1, min_width=80, elem_id="fa-send")
        clear = gr.Button("Clear", scale=1, min_width=80, elem_id="fa-clear")
    examples = gr.Examples([[q] for q in EXAMPLES], inputs=[question], label="Try one of these")

    ask = {
        "fn": respond,
        "inputs": [question, chatbot, turns, kind],
        "outputs": [chatbot, question, turns],
        "show_progress": "minimal",
    }
    question.submit(**ask, api_name="ask")
    send.click(**ask, api_visibility="undocumented")
    examples.load_input_event.then(**ask, api_visibility="undocumented")
    clear.click(start_over, outputs=[chatbot, question, turns], api_visibility="private")
    chatbot.like(on_like, inputs=[turns], api_visibility="private")
    gr.api(answer, api_name="answer")
