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
from ui.texts import ENGLISH, PageTexts, texts_for

logger = logging.getLogger(__name__)


@dataclass
class Turn:
    """One question and what was answered, keyed by the chatbot index of the answer."""

    index: int
    question: str
    history: list[str]
    answer: Answer | None


def _kind(value: str | None) -> str | None:
    return value if value in ("ecosystem", "history") else None


@dataclass
class ChatParts:
    """The chat's components whose texts follow the page language."""

    welcome: gr.Markdown
    kind: gr.Radio
    chatbot: gr.Chatbot
    question: gr.Textbox
    send: gr.Button
    clear: gr.Button
    examples: gr.Dataset

    def components(self) -> list[gr.components.Component]:
        return [
            self.welcome,
            self.kind,
            self.chatbot,
            self.question,
            self.send,
            self.clear,
            self.examples,
        ]


def relabelled(texts: PageTexts) -> list:
    """Updates for ChatParts.components(), in order, showing `texts`."""
    return [
        gr.Markdown(texts.welcome),
        gr.Radio(choices=texts.kinds, label=texts.search_in),
        gr.Chatbot(label=texts.conversation, placeholder=texts.chat_placeholder),
        gr.Textbox(placeholder=texts.question_placeholder),
        gr.Button(texts.send),
        gr.Button(texts.clear),
        gr.Dataset(samples=[[q] for q in texts.examples], label=texts.examples_label),
    ]


def build_chat(assistant: Assistant, feedback: FeedbackStore, language: gr.Radio) -> ChatParts:
    """Add the chat to the current Blocks: welcome, examples, filter, chatbot, input, feedback.
    `language` is the page's language switch: it sets the language of answers whose question
    does not tell, and follows the language of each question asked."""
    history_turns = assistant.settings.history_turns

    def respond(
        question: str, messages: list, turns: list[Turn] | None, kind: str | None, chosen: str
    ) -> Iterator[tuple[list, str, list[Turn], str]]:
        turns = list(turns or [])
        chosen = chosen if chosen in ("en", "nl") else "en"
        texts = texts_for(chosen)
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
            for item in assistant.stream(question, earlier, kind=_kind(kind), language=chosen):
                if isinstance(item, Answer):
                    turn.answer = item
                    content = answer_html(item, question, turn.index)
                    break
                shown += item
                partial = [*messages, {"role": "assistant", "content": partial_html(shown)}]
                yield partial, "", turns, chosen
            else:
                raise RuntimeError("the answerer stopped without an answer")
        except QuestionError as error:
            content = problem_html(str(error), chosen)
        except StoreUnavailable:
            logger.exception("Index unavailable while answering")
            content = problem_html(texts.unavailable, chosen)
        if turn.answer is not None:
            turns.append(turn)
            # The page now speaks the language the visitor asked in.
            chosen = turn.answer.language if turn.answer.language in ("en", "nl") else chosen
        yield [*messages, {"role": "assistant", "content": content}], "", turns, chosen

    def on_like(turns: list[Turn] | None, chosen: str, vote: gr.LikeData) -> None:
        """Store a vote on an answer; votes on anything else are ignored."""
        index = vote.index[0] if isinstance(vote.index, (list, tuple)) else vote.index
        turn = next((t for t in turns or [] if t.index == index), None)
        if turn is None or turn.answer is None or vote.liked not in (True, False):
            return
        rating = "up" if vote.liked else "down"
        texts = texts_for(chosen)
        if feedback.record(turn.question, turn.answer, rating, turn.history) is None:
            gr.Info(texts.feedback_off)
            return
        gr.Info(texts.feedback_thanks)

    def start_over() -> tuple[list, str, list[Turn]]:
        return [], "", []

    def answer(
        question: str, history: list[str] | None = None, kind: str = "all", language: str = "en"
    ) -> dict:
        """The Answer as JSON (text, citations, refused, backend) for programs, not people;
        `language` ("en" or "nl") is used when the question's words do not tell."""
        language = language if language in ("en", "nl") else "en"
        try:
            result = assistant.answer(question, history or [], kind=_kind(kind), language=language)
        except QuestionError as error:
            raise gr.Error(str(error)) from None
        except StoreUnavailable:
            logger.exception("Index unavailable while answering")
            raise gr.Error(texts_for(language).unavailable) from None
        data = result.to_dict()
        data.pop("contexts", None)
        return data

    texts = ENGLISH
    welcome = gr.Markdown(texts.welcome, elem_id="fa-welcome")
    kind = gr.Radio(texts.kinds, value="all", label=texts.search_in, elem_id="fa-kind")
    chatbot = gr.Chatbot(
        label=texts.conversation,
        elem_id="fa-chat",
        height="60vh",
        min_height=320,
        latex_delimiters=[],
        allow_tags=False,
        placeholder=texts.chat_placeholder,
        buttons=["copy"],
    )
    turns = gr.State([])
    with gr.Row(equal_height=True, elem_id="fa-ask-row"):
        question = gr.Textbox(
            placeholder=texts.question_placeholder,
            show_label=False,
            lines=1,
            max_lines=4,
            scale=5,
            elem_id="fa-question",  # focused by ui/app.js on wide screens only
        )
        send = gr.Button(texts.send, variant="primary", scale=1, min_width=80, elem_id="fa-send")
        clear = gr.Button(texts.clear, scale=1, min_width=80, elem_id="fa-clear")
    examples = gr.Examples(
        [[q] for q in texts.examples],
        inputs=[question],
        label=texts.examples_label,
        elem_id="fa-examples",
    )

    ask = {
        "fn": respond,
        "inputs": [question, chatbot, turns, kind, language],
        "outputs": [chatbot, question, turns, language],
        "show_progress": "minimal",
    }
    question.submit(**ask, api_name="ask")
    send.click(**ask, api_visibility="undocumented")
    examples.load_input_event.then(**ask, api_visibility="undocumented")
    clear.click(start_over, outputs=[chatbot, question, turns], api_visibility="private")
    chatbot.like(on_like, inputs=[turns, language], api_visibility="private")
    gr.api(answer, api_name="answer")
    return ChatParts(welcome, kind, chatbot, question, send, clear, examples.dataset)
