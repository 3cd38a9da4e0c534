"""Answer and source HTML: any text comes out as text, only our own tags reach the browser.

(Pure functions, no server; kept beside the other UI tests.)
"""

from __future__ import annotations

import html
import re
from dataclasses import fields

from hypothesis import given
from hypothesis import strategies as st

from assistant.answers import Answer, Citation
from ui.render import answer_html, escape_text, highlight, link, problem_html, question_terms
from ui.texts import DUTCH, ENGLISH, PageTexts
from ui.timeline import Milestone, timeline_html

HOSTILE = (
    "<script>alert(1)</script> <img src=x onerror=alert(1)> ![t](http://e.vil/p.png) ${x} {{y}}"
)


@given(st.text())
def test_escaped_text_reads_back_exactly_and_has_no_markup(text):
    escaped = escape_text(text)
    assert not re.search(r"[<>\"'`\[\]()!*_{}$\\\n]", escaped)
    expected = text.replace("\r", " ").replace("\n", " ")
    assert html.unescape(escaped) == expected


def citation(text: str = HOSTILE, url: str = "javascript:alert(1)") -> Citation:
    return Citation(1, "evil", f"Title {HOSTILE}", url, f"Section {HOSTILE}", text, 0.9)


def test_answer_html_keeps_only_its_own_tags():
    answer = Answer(f"It says {HOSTILE} [1] and [7].", [citation()], False, "extractive")
    rendered = answer_html(answer, "What is <script>?", turn=3)
    tags = set(re.findall(r"<([a-z]+)", rendered))
    assert tags <= {"div", "p", "a", "ol", "li", "span", "strong", "blockquote", "mark"}
    assert "javascript:" not in rendered.replace("javascript&#58;", "")
    assert "href='#fa-src-3-1'" in rendered
    assert "[7]" not in rendered and "&#91;7&#93;" in rendered  # no source 7: stays text
    assert "\n" not in rendered


def test_refusal_gets_a_visible_note():
    rendered = answer_html(Answer("I don't know.", [], True, "extractive"), "q", 1)
    assert "fa-refusal" in rendered and "fa-sources" not in rendered


def test_links_only_for_http_urls_labelled_by_host():
    assert link("https://www.vib.be/en/history?a=1&b=2").count("<a ") == 1
    assert "www.vib.be</a>" in link("https://www.vib.be/en/history")
    assert "&amp;b=2" in link("https://www.vib.be/?a=1&b=2")
    assert "<a " not in link("uploads/note.md") and "<a " not in link("javascript:alert(1)")
    assert "<a " not in link("https://x.org/'onmouseover='alert(1)")


def test_highlight_marks_question_words_in_escaped_text():
    terms = question_terms("Who acquired Ablynx?")
    marked = highlight("Sanofi <b>acquired</b> Ablynx's shares", terms)
    assert "<mark>acquired</mark>" in marked and "&lt;b&gt;" in marked
    assert "<mark>Who</mark>" not in marked


def test_timeline_escapes_events_and_drops_unsafe_links():
    milestones = [
        Milestone(1996, f"Event {HOSTILE}", "a", "Page <b>", "https://vib.be/x"),
        Milestone(2001, "Second", "b", "Other", ""),
    ]
    rendered = timeline_html(milestones)
    assert "<script" not in rendered and "<img" not in rendered and "<b>" not in rendered
    assert rendered.count("href='https://vib.be/x'") == 2  # the dot and the list entry
    assert "<circle" in rendered and ">1996<" in rendered


def test_the_quoted_sentence_is_marked_whole_in_its_passage():
    passage = (
        "Ablynx was founded in 2001 in Ghent. In January 2018 Sanofi agreed to buy Ablynx "
        "for 3.9 billion euro. Ablynx rejected a hostile <b>Novo Nordisk</b> bid."
    )
    quoted = "In January 2018 Sanofi agreed to buy Ablynx for 3.9 billion euro."
    answer = Answer(f"{quoted} [1]", [citation(passage, "https://x.org")], False, "extractive")
    rendered = answer_html(answer, "Who acquired Ablynx?", turn=1)
    marked = re.findall(r"<mark class='fa-said'>(.*?)</mark>", rendered)
    assert [html.unescape(m) for m in marked] == [quoted]
    assert "<mark>Ablynx</mark> was founded" in rendered  # elsewhere: the question's words
    assert "&lt;b&gt;" in rendered


def test_a_sentence_of_another_source_is_not_marked_here():
    passage = "Ablynx was founded in 2001 in Ghent."
    answer = Answer(
        "Ablynx was founded in 2001 in Ghent. [2]", [citation(passage, "https://x.org")], False, "x"
    )
    assert "fa-said" not in answer_html(answer, "When was Ablynx founded?", turn=1)


def test_related_topics_of_a_refusal_become_questions_to_click():
    refusal = Answer(
        "I don't know. Related topics: Ablynx: the Nanobody company; VIB.",
        [],
        True,
        "extractive",
        related_topics=["Ablynx: the Nanobody company", f"VIB {HOSTILE}"],
    )
    rendered = answer_html(refusal, "Best stoofvlees?", turn=2)
    questions = [html.unescape(q) for q in re.findall(r"value='([^']*)'", rendered)]
    assert questions == ["What is Ablynx?", f"What is VIB {HOSTILE}?"]
    assert rendered.count("<button type='button' class='fa-topic'") == 2
    assert "<script" not in rendered and "<img" not in rendered
    dutch = Answer(
        "Ik weet het niet.", [], True, "extractive", language="nl", related_topics=["VIB"]
    )
    assert "value='Wat is VIB?'" in answer_html(dutch, "Beste stoofvlees?", turn=3)


def test_every_page_text_exists_in_both_languages_and_answers_follow_their_language():
    for field in fields(PageTexts):
        english, dutch = getattr(ENGLISH, field.name), getattr(DUTCH, field.name)
        assert english and dutch, field.name
        if isinstance(english, list):
            assert len(english) == len(dutch), field.name
    assert [value for _, value in ENGLISH.kinds] == [value for _, value in DUTCH.kinds]
    dutch = Answer("Ik weet het niet.", [], True, "extractive", language="nl")
    rendered = answer_html(dutch, "Beste stoofvlees?", turn=1)
    assert escape_text(DUTCH.refusal_note) in rendered
    assert escape_text(ENGLISH.refusal_note) not in rendered
    assert "Typ een vraag." in problem_html("Typ een vraag.", "nl")
    milestones = [Milestone(2001, "Ablynx wordt opgericht", "ablynx-nl", "Ablynx", "")]
    assert escape_text(DUTCH.timeline_chart) in timeline_html(milestones, "nl")
    assert escape_text(DUTCH.timeline_empty) in timeline_html([], "nl")
