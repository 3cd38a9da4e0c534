"""HTML for answers and their sources, with every piece of document or visitor text escaped.

Corpus pages, uploads and questions are untrusted: a page may contain `<script>` or
`![x](https://tracker/...)`. The chat renders Markdown and the HTML panels render HTML, so
text is HTML-escaped and the characters Markdown, LaTeX and templates react to are turned
into character references; only tags built here reach the browser. Output has no newlines,
so a Markdown renderer keeps it as one raw HTML block.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from assistant.answers import Answer, Citation
from assistant.lexical import STOPWORDS, fold, stem
from ui.texts import ENGLISH, PageTexts, texts_for

# Characters that Markdown, KaTeX or a JS/Handlebars template would act on.
_NEUTRALISE = str.maketrans(
    {c: f"&#{ord(c)};" for c in "\\`*_{}[]()#+-!|~$<>:@=^"} | {"\n": " ", "\r": " "}
)
_WORD = re.compile(r"\w+(?:['’-]\w+)*")
_CITATION = re.compile(r"\[(\d{1,3})\]")
_SAFE_URL = re.compile(r"^https?://[^\s<>\"']+$", re.IGNORECASE)
# A sentence of an answer and the markers after it: "Sanofi bought Ablynx. [1][2]".
_SAID = re.compile(r"(.+?)\s*((?:\[\d{1,3}\]\s*)+)")
TOPIC_QUESTION = {"en": "What is {}?", "nl": "Wat is {}?"}
TOPICS_LABEL = {"en": "Ask about:", "nl": "Vraag naar:"}


def escape_text(text: str) -> str:
    """Text shown exactly as written: no HTML, no Markdown, no images, no formulas."""
    # html.escape first; the second pass must leave the entities it made intact.
    parts = re.split(r"(&(?:amp|lt|gt|quot|#x27);)", html.escape(text, quote=True))
    return "".join(p if p.startswith("&") else p.translate(_NEUTRALISE) for p in parts)


def safe_url(url: str) -> str | None:
    """The URL escaped for an href, or None when it is not plain http(s)."""
    return html.escape(url, quote=True) if _SAFE_URL.match(url.strip()) else None


def link(url: str, label: str | None = None) -> str:
    """An external link opening in a new tab, or the escaped text when the URL is not http(s).

    Labelled with the host name by default: a list of full URLs is unreadable on a phone.
    """
    href = safe_url(url)
    if href is None:
        return f"<span class='fa-url'>{escape_text(label or url)}</span>"
    text = escape_text(label or urlsplit(url.strip()).hostname or url)
    return (
        f"<a href='{href}' title='{href}' target='_blank' rel='noopener noreferrer nofollow'>"
        f"{text}</a>"
    )


def question_terms(question: str) -> set[str]:
    """Stems of the question's content words, for highlighting passages."""
    return {stem(w) for w in (fold(m) for m in _WORD.findall(question)) if w not in STOPWORDS}


def highlight(text: str, terms: set[str]) -> str:
    """Escaped text with the words whose stem is in `terms` wrapped in <mark>."""
    out: list[str] = []
    last = 0
    for match in _WORD.finditer(text):
        word = match.group(0)
        if stem(fold(word)) in terms and len(word) > 1:
            out.append(escape_text(text[last : match.start()]))
            out.append(f"<mark>{escape_text(word)}</mark>")
            last = match.end()
    out.append(escape_text(text[last:]))
    return "".join(out)


def said_by_source(answer_text: str) -> dict[int, list[str]]:
    """The answer's sentences, by the number of the source marker that follows each."""
    said: dict[int, list[str]] = {}
    for match in _SAID.finditer(answer_text):
        for number in _CITATION.findall(match.group(2)):
            said.setdefault(int(number), []).append(match.group(1).strip())
    return said


def passage_html(text: str, sentences: Iterable[str], terms: set[str]) -> str:
    """The passage with the sentences the answer quotes marked whole, and elsewhere the
    question's words: a reader sees at once where the answer stands in its source."""
    spans = sorted(
        (start, start + len(sentence))
        for sentence in sentences
        if sentence and (start := text.find(sentence)) >= 0
    )
    out: list[str] = []
    last = 0
    for start, end in spans:
        if start < last:
            continue  # overlaps a sentence already marked
        out.append(highlight(text[last:start], terms))
        out.append(f"<mark class='fa-said'>{escape_text(text[start:end])}</mark>")
        last = end
    out.append(highlight(text[last:], terms))
    return "".join(out)


def topics_html(answer: Answer) -> str:
    """A refusal's related topics as buttons: a click asks about the topic (ui/app.js)."""
    if not answer.related_topics:
        return ""
    template = TOPIC_QUESTION.get(answer.language, TOPIC_QUESTION["en"])
    buttons = "".join(
        f"<button type='button' class='fa-topic' value='"
        f"{escape_text(template.format(name))}'>{escape_text(topic)}</button>"
        for topic in answer.related_topics
        if (name := topic.split(": ")[0].strip())  # "Ablynx: the Nanobody company" -> Ablynx
    )
    label = TOPICS_LABEL.get(answer.language, TOPICS_LABEL["en"])
    return f"<div class='fa-topics'><span>{escape_text(label)}</span> {buttons}</div>"


def source_anchor(turn: int, number: int) -> str:
    return f"fa-src-{turn}-{number}"


def answer_text_html(
    text: str, citations: Iterable[Citation], turn: int, texts: PageTexts = ENGLISH
) -> str:
    """The answer with each `[n]` turned into a link to its entry in the sources panel."""
    numbers = {c.number for c in citations}
    out: list[str] = []
    last = 0
    for match in _CITATION.finditer(text):
        number = int(match.group(1))
        if number not in numbers:
            continue
        out.append(escape_text(text[last : match.start()]))
        out.append(
            f"<a class='fa-cite' href='#{source_anchor(turn, number)}'"
            f" title='{escape_text(texts.source_link.format(number=number))}'>"
            f"&#91;{number}&#93;</a>"
        )
        last = match.end()
    out.append(escape_text(text[last:]))
    return "".join(out)


def sources_html(answer: Answer, question: str, turn: int, texts: PageTexts = ENGLISH) -> str:
    """One entry per citation: title, source links, section and the passage, highlighted."""
    if not answer.citations:
        return ""
    terms = question_terms(question)
    said = said_by_source(answer.text)
    items = []
    for c in answer.citations:
        urls = c.sources or ([c.url] if c.url else [])
        links = " · ".join(link(u) for u in urls[:3])
        section = (
            f"<span class='fa-section'> — {escape_text(c.section)}</span>" if c.section else ""
        )
        items.append(
            f"<li id='{source_anchor(turn, c.number)}' class='fa-source'>"
            f"<span class='fa-num'>&#91;{c.number}&#93;</span> "
            f"<strong>{escape_text(c.title)}</strong>{section}"
            f"<div class='fa-links'>{links}</div>"
            f"<blockquote class='fa-passage'>{passage_html(c.text, said.get(c.number, []), terms)}"
            "</blockquote></li>"
        )
    title = escape_text(texts.sources)
    return (
        f"<div class='fa-sources'><div class='fa-sources-title'>{title}</div>"
        f"<ol>{''.join(items)}</ol></div>"
    )


def answer_html(answer: Answer, question: str, turn: int) -> str:
    """A finished answer in the language it was given in: text with citation links, a note
    when refused, then its sources."""
    texts = texts_for(answer.language)
    text = answer_text_html(answer.text, answer.citations, turn, texts)
    parts = [f"<div class='fa-answer'><p>{text}</p>"]
    if answer.refused:
        parts.append(
            f"<p class='fa-refusal'><strong>{escape_text(texts.note)}</strong> "
            f"{escape_text(texts.refusal_note)}</p>"
        )
        parts.append(topics_html(answer))
    if answer.notice:
        parts.append(f"<p class='fa-notice'>{escape_text(answer.notice)}</p>")
    parts.append(sources_html(answer, question, turn, texts))
    parts.append("</div>")
    return "".join(parts)


def partial_html(text: str) -> str:
    """What has streamed in so far, escaped, with a typing marker."""
    return f"<div class='fa-answer fa-streaming'><p>{escape_text(text)} &#8230;</p></div>"


def problem_html(message: str, language: str = "en") -> str:
    """A message about the question itself (empty, too long), never a traceback."""
    sorry = escape_text(texts_for(language).sorry)
    return (
        f"<div class='fa-answer'><p class='fa-problem'><strong>{sorry}</strong> "
        f"{escape_text(message)}</p></div>"
    )


def user_html(question: str) -> str:
    """The visitor's question as plain text."""
    return f"<div class='fa-question'>{escape_text(question)}</div>"
