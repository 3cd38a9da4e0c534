"""The web app in a real Chromium: chat, sources, feedback, timeline, staff page, hostile text.

One app serves the whole module (models load once); each test opens its own page, so
each is a fresh Gradio session. Requests to any host but the app are blocked and counted:
the page must work offline. A JavaScript dialog anywhere fails the test.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from assistant.config import Settings
from tests.conftest import ROOT, require, running_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSWORD = "correct horse battery staple"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
ANSWER_TIMEOUT_MS = 60_000
PHONE = {"width": 390, "height": 844}
ZWALMBIO = """---
id: zwalmbio
title: "Zwalmbio: a made-up biotech from Zwalm"
kind: history
language: en
sources:
  - https://example.org/zwalmbio
milestones:
  - year: 2031
    event: "Ria Verbeke founds Zwalmbio in Zwalm"
---
# Zwalmbio

Zwalmbio was founded in 2031 in Zwalm by Ria Verbeke. The company grows enzymes in
duckweed ponds along the Zwalm river and sells them to bakeries in East Flanders.
"""
HOSTILE = """---
id: quuxbio
title: "Quuxbio <img src=x onerror=alert(1)>"
kind: ecosystem
language: en
sources:
  - https://example.org/quuxbio
---
# Quuxbio

Quuxbio is a pretend company whose website shows <script>alert(1)</script> on its front page.
Quuxbio also publishes <img src=x onerror=alert(1)> and ![tracker](http://203.0.113.9/pixel.png)
in its press releases, and {{constructor.constructor('alert(1)')()}} in its footer.
"""


@dataclass
class Server:
    url: str
    settings: Settings


@pytest.fixture(scope="module")
def server(tmp_path_factory, model_cache, embeddings) -> Iterator[Server]:
    """The real app on a free port, with the small corpus indexed and a staff password set."""
    root = tmp_path_factory.mktemp("browser-app")
    with running_app(root, model_cache, embeddings, admin_password=PASSWORD) as (url, settings, _):
        yield Server(url + "/", settings)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    require(shutil.which("chromium") is not None, "needs Debian's chromium")
    require(importlib.util.find_spec("playwright") is not None, "needs playwright")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass
class Visit:
    """A page plus what it did that it should not: dialogs opened, other hosts contacted."""

    page: object
    dialogs: list[str]
    external: list[str]
    shots: Path
    url: str

    def shot(self, name: str) -> Path:
        path = self.shots / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def visit(browser, server, tmp_path) -> Iterator[Visit]:
    yield from visiting(browser, server, tmp_path, {"width": 1100, "height": 900})


@pytest.fixture
def phone(browser, server, tmp_path) -> Iterator[Visit]:
    """The page on a phone-sized screen (an iPhone 12-14 is 390 x 844 CSS pixels)."""
    yield from visiting(browser, server, tmp_path, PHONE)


def visiting(browser, server, tmp_path, viewport: dict) -> Iterator[Visit]:
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.set_default_timeout(ANSWER_TIMEOUT_MS)
    state = Visit(page, [], [], tmp_path, server.url)

    def on_dialog(dialog) -> None:
        state.dialogs.append(dialog.message)
        dialog.dismiss()

    def route(request_route) -> None:
        if request_route.request.url.startswith(server.url):
            request_route.continue_()
        else:
            state.external.append(request_route.request.url)
            request_route.abort()

    page.on("dialog", on_dialog)
    context.route("**/*", route)
    page.goto(server.url)
    page.wait_for_selector("#fa-question textarea, #fa-question input")
    yield state
    assert state.dialogs == [], f"a dialog opened: {state.dialogs}"
    assert state.external == [], f"the page contacted other hosts: {state.external}"
    context.close()


def ask(visit: Visit, question: str) -> object:
    """Type a question, send it, and return the finished answer's element."""
    page = visit.page
    done = page.locator("[data-testid=bot] .fa-answer:not(.fa-streaming)")
    before = done.count()
    page.locator("#fa-question textarea, #fa-question input").first.fill(question)
    page.locator("#fa-send").click()
    page.wait_for_function(
        "n => document.querySelectorAll("
        "'[data-testid=bot] .fa-answer:not(.fa-streaming)').length > n",
        arg=before,
    )
    return done.nth(before)


def open_tab(visit: Visit, name: str) -> None:
    visit.page.get_by_role("tab", name=name).click()


def log_in(visit: Visit, password: str = PASSWORD) -> None:
    open_tab(visit, "Staff")
    visit.page.locator("#fa-password input").fill(password)
    visit.page.locator("#fa-login-button").click()


def upload(visit: Visit, path: Path) -> str:
    page = visit.page
    page.locator("#fa-upload input[type=file]").set_input_files(str(path))
    page.get_by_text(path.name).first.wait_for()
    page.locator("#fa-add").click()
    message = page.locator("#fa-add-message")
    message.get_by_text(re.compile(r"indexed as|✗")).wait_for()
    return message.inner_text()


def remove(visit: Visit, doc_id: str) -> str:
    page = visit.page
    box = page.locator("#fa-remove-id input")
    box.click()
    page.get_by_role("option", name=doc_id, exact=True).click()
    page.locator("#fa-remove").click()
    message = page.locator("#fa-admin-message")
    message.get_by_text("Removed").wait_for()
    return message.inner_text()


def test_visitor_asks_follows_up_is_refused_and_votes(visit, server):
    page = visit.page
    answer = ask(visit, "Who acquired Ablynx?")
    assert "Sanofi" in answer.inner_text()
    assert answer.locator("a.fa-cite").count() >= 1
    source_links = answer.locator(".fa-sources .fa-links a[href^='http']")
    assert source_links.count() >= 1
    assert answer.locator(".fa-passage mark").count() >= 1
    first = visit.shot("01-answer")
    if os.environ.get("FA_UPDATE_SCREENSHOT"):  # refresh the README image on request only
        shutil.copy(first, ROOT / "docs" / "screenshot.png")

    answer.locator("a.fa-cite").first.click()
    assert page.url.endswith("#fa-src-1-1")

    follow_up = ask(visit, "When was that?")
    assert follow_up.locator(".fa-refusal").count() == 0
    assert "Ablynx" in follow_up.locator(".fa-sources").inner_text()
    visit.shot("02-follow-up")

    refused = ask(visit, "What is the best stoofvlees recipe?")
    assert refused.locator(".fa-refusal").is_visible()
    visit.shot("03-refused")

    page.get_by_role("button", name="Like", exact=True).first.click()  # on the first answer
    database = server.settings.data_dir / "feedback.sqlite"
    rows: list[tuple] = []
    for _ in range(100):
        with sqlite3.connect(database) as db:
            rows = db.execute("SELECT question, rating, citations FROM feedback").fetchall()
        if rows:
            break
        page.wait_for_timeout(100)
    assert rows and rows[0][0] == "Who acquired Ablynx?" and rows[0][1] == "up"
    assert "ablynx" in rows[0][2]


def test_examples_filter_and_clear(visit):
    page = visit.page
    page.locator("#fa-welcome").get_by_text("Ask about Flemish life sciences").wait_for()
    page.get_by_role("button", name="When was VIB founded?").click()
    page.locator("[data-testid=bot] .fa-sources").first.wait_for()
    assert "VIB" in page.locator("[data-testid=bot] .fa-sources").first.inner_text()

    page.locator("#fa-kind").get_by_text("Ecosystem").click()
    filtered = ask(visit, "Who acquired Ablynx?")
    assert "Ablynx: the Nanobody" not in " ".join(filtered.locator(".fa-sources").all_inner_texts())

    page.locator("#fa-clear").click()
    page.wait_for_function("() => !document.querySelector('[data-testid=bot]')")


def test_the_page_in_dutch_answers_and_refuses_in_dutch(visit):
    page = visit.page
    page.locator("#fa-language").get_by_text("Nederlands").click()
    page.locator("#fa-welcome").get_by_text("Vraag het over life sciences").wait_for()
    assert page.get_by_role("tab", name="Vragen").is_visible()
    assert page.locator("#fa-send").inner_text().strip() == "Verstuur"
    assert page.get_by_role("button", name="Wie nam Ablynx over?").is_visible()

    answer = ask(visit, "Wie nam Ablynx over?")
    assert "Sanofi" in answer.inner_text()
    # Answered from, and citing, the Dutch twin of the page.
    assert "Ablynx: het Gentse Nanobodybedrijf" in answer.locator(".fa-sources").inner_text()
    assert "Bronnen" in answer.locator(".fa-sources-title").inner_text()
    visit.shot("05-dutch-answer")

    refused = ask(visit, "Wat is het beste recept voor stoofvlees?")
    assert refused.locator(".fa-refusal").is_visible()
    assert "Geen antwoord gevonden" in refused.locator(".fa-refusal").inner_text()
    assert "I don't know" not in refused.inner_text()

    empty = ask(visit, "   ?!  ")
    assert "Stel je vraag in woorden" in empty.inner_text()

    open_tab(visit, "Tijdlijn")
    visit.page.locator("#fa-timeline .fa-milestones li").first.wait_for()
    entries = visit.page.locator("#fa-timeline .fa-milestones li").all_inner_texts()
    assert any("Sanofi" in e and "overname" in e.lower() for e in entries), entries

    # The choice is remembered: a reload keeps the page in Dutch.
    page.reload()
    page.locator("#fa-welcome").get_by_text("Vraag het over life sciences").wait_for()


def test_the_page_follows_the_language_of_the_question(visit):
    page = visit.page
    answer = ask(visit, "Wanneer werd Ablynx opgericht?")
    assert "2001" in answer.inner_text()
    page.locator("#fa-welcome").get_by_text("Vraag het over life sciences").wait_for()
    ask(visit, "Who acquired Ablynx?")
    page.locator("#fa-welcome").get_by_text("Ask about Flemish life sciences").wait_for()


def test_empty_question_gets_a_message_not_a_traceback(visit):
    answer = ask(visit, "   ?!  ")
    assert "Please" in answer.inner_text()
    assert "Traceback" not in visit.page.content()


def test_timeline_shows_milestones_linking_to_pages(visit):
    open_tab(visit, "Timeline")
    chart = visit.page.locator("#fa-timeline svg.fa-timeline-chart")
    chart.wait_for()
    assert chart.locator("circle").count() >= 20
    assert chart.locator("a[href^='http']").count() >= 20
    entries = visit.page.locator("#fa-timeline .fa-milestones li").all_inner_texts()
    assert any(entry.startswith("1996") and "VIB" in entry for entry in entries)
    visit.shot("04-timeline")


def test_staff_adds_and_removes_a_document(visit, server, tmp_path):
    page = visit.page
    log_in(visit, "not the password")
    page.locator("#fa-login-message").get_by_text("Wrong password").wait_for()
    assert not page.locator("#fa-admin-panel").is_visible()
    page.wait_for_timeout(1100)  # the back-off after one failure
    log_in(visit)
    page.locator("#fa-admin-panel").wait_for(state="visible")
    assert PASSWORD not in page.content()
    cookie = next(c for c in page.context.cookies() if c["name"] == "fa_staff")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert page.evaluate("document.cookie").find("fa_staff") == -1

    # A shipped page is not removed without the confirmation tick.
    page.locator("#fa-remove-id input").click()
    page.get_by_role("option", name="argenx", exact=True).click()
    page.locator("#fa-remove").click()
    page.locator("#fa-admin-message").get_by_text("shipped corpus").wait_for()
    assert (server.settings.corpus_dir / "history" / "argenx.md").exists()

    document = tmp_path / "zwalmbio.md"
    document.write_text(ZWALMBIO, encoding="utf-8")
    assert "indexed as zwalmbio" in upload(visit, document)
    page.locator("#fa-docs").get_by_text("zwalmbio", exact=True).wait_for()
    visit.shot("05-staff-added")

    open_tab(visit, "Ask")
    answer = ask(visit, "Who founded Zwalmbio?")
    assert "Ria Verbeke" in answer.inner_text()
    assert "Zwalmbio" in answer.locator(".fa-sources").inner_text()

    open_tab(visit, "Staff")
    assert "Removed" in remove(visit, "zwalmbio")
    open_tab(visit, "Ask")
    again = ask(visit, "Who founded Zwalmbio?")
    assert "Zwalmbio" not in " ".join(again.locator(".fa-sources").all_inner_texts())
    assert "Ria Verbeke" not in again.inner_text()
    visit.shot("06-removed")


def test_staff_session_survives_a_reload_and_ends_with_logout(visit):
    page = visit.page
    log_in(visit)
    page.locator("#fa-admin-panel").wait_for(state="visible")
    page.reload()
    open_tab(visit, "Staff")
    page.locator("#fa-admin-panel").wait_for(state="visible")
    page.locator("#fa-logout").click()
    page.locator("#fa-login-message").get_by_text("Logged out").wait_for()
    assert not page.locator("#fa-admin-panel").is_visible()
    page.reload()
    open_tab(visit, "Staff")
    page.locator("#fa-login").wait_for(state="visible")
    assert not page.locator("#fa-admin-panel").is_visible()


def test_hostile_question_and_document_render_as_text(visit, tmp_path):
    page = visit.page
    log_in(visit)
    page.locator("#fa-admin-panel").wait_for(state="visible")
    document = tmp_path / "quuxbio.md"
    document.write_text(HOSTILE, encoding="utf-8")
    assert "indexed as quuxbio" in upload(visit, document)
    page.locator("#fa-docs").get_by_text("Quuxbio <img src=x onerror=alert(1)>").wait_for()

    open_tab(visit, "Ask")
    question = "What does Quuxbio show? <script>alert(1)</script> <img src=x onerror=alert(1)>"
    answer = ask(visit, question)
    chat = page.locator("#fa-chat")
    assert "<script>alert(1)</script>" in chat.locator("[data-testid=user]").last.inner_text()
    assert "Quuxbio" in answer.inner_text()
    sources = answer.locator(".fa-sources").inner_text()
    assert "<img src=x onerror=alert(1)>" in sources
    assert chat.locator("img[src='x'], script").count() == 0
    assert chat.locator("img[src*='203.0.113.9']").count() == 0
    page.wait_for_timeout(500)  # give any injected handler time to fire
    visit.shot("07-hostile")

    markdown_image = ask(visit, "![tracker](http://203.0.113.9/pixel.png) What is Quuxbio?")
    assert chat.locator("img[src*='203.0.113.9']").count() == 0
    assert "![tracker]" in chat.locator("[data-testid=user]").last.inner_text()
    assert markdown_image.is_visible()

    open_tab(visit, "Staff")
    remove(visit, "quuxbio")


def page_width(visit: Visit) -> int:
    return visit.page.evaluate("() => document.documentElement.scrollWidth")


def test_phone_width_keeps_title_tabs_and_timeline_on_screen(phone):
    page = phone.page
    page.wait_for_timeout(1000)  # the on-load script has run
    assert page.evaluate("() => window.scrollY") == 0
    title = page.locator("#fa-title-bar").bounding_box()
    tabs = page.get_by_role("tab", name="Timeline").bounding_box()
    assert title["y"] >= 0 and tabs["y"] + tabs["height"] <= PHONE["height"]
    focused = page.evaluate("() => document.activeElement && document.activeElement.tagName")
    assert focused not in ("TEXTAREA", "INPUT")  # no keyboard popping up on load
    assert page_width(phone) <= PHONE["width"]
    phone.shot("08-phone-ask")

    open_tab(phone, "Timeline")
    page.locator("#fa-timeline svg.fa-timeline-chart").wait_for()
    assert page_width(phone) <= PHONE["width"]
    for selector in ("#fa-timeline", "#fa-timeline .fa-milestones"):
        box = page.locator(selector).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], selector
    entry = page.locator("#fa-timeline .fa-milestones li").first.bounding_box()
    assert entry["x"] + entry["width"] <= PHONE["width"]
    phone.shot("09-phone-timeline")


def test_wide_screen_focuses_the_question_box(visit):
    visit.page.wait_for_function(
        "() => document.activeElement && document.activeElement.closest('#fa-question')"
    )
    assert visit.page.evaluate("() => window.scrollY") == 0


def test_answer_sentence_is_marked_in_its_passage_and_topics_ask(visit):
    page = visit.page
    answer = ask(visit, "Who acquired Ablynx?")
    said = answer.locator(".fa-passage mark.fa-said").first
    sentence = said.inner_text().strip()
    assert sentence and sentence in answer.locator("p").first.inner_text()

    # In the corpus's domain but not answered: related topics are offered (an off-topic
    # question gets none).
    refused = ask(visit, "How many meeting rooms does Ablynx have?")
    topics = refused.locator("button.fa-topic")
    assert topics.count() >= 1
    question = topics.first.get_attribute("value")
    done = page.locator("[data-testid=bot] .fa-answer:not(.fa-streaming)")
    before = done.count()
    topics.first.click()
    page.wait_for_function(
        "n => document.querySelectorAll("
        "'[data-testid=bot] .fa-answer:not(.fa-streaming)').length > n",
        arg=before,
    )
    assert page.locator("[data-testid=user]").last.inner_text().strip() == question
    visit.shot("10-topic-asked")


def test_staff_upload_refuses_zip_bombs_and_files_over_the_limit(visit, server, tmp_path):
    from tests.unit.test_loaders import zip_bomb

    page = visit.page
    log_in(visit)
    page.locator("#fa-admin-panel").wait_for(state="visible")
    uploads = server.settings.uploads_dir
    before = set(uploads.iterdir()) if uploads.exists() else set()

    message = upload(visit, zip_bomb(tmp_path / "bomb.docx"))
    assert "✗" in message and "zip bomb" in message

    big = tmp_path / "big.txt"
    limit = int(server.settings.max_file_mb * 1e6)
    big.write_bytes(b"Flemish biotech. " * (limit // 17 + 1000))
    page.locator("#fa-upload input[type=file]").set_input_files(str(big))
    # Gradio refuses the file before it reaches the server: an error toast names the file.
    toast = page.locator("[data-testid=toast-text].error").filter(has_text="big.txt")
    toast.wait_for()
    assert re.search(r"maximum|too large|exceed", toast.inner_text(), re.I)
    visit.shot("11-staff-refused")
    after = set(uploads.iterdir()) if uploads.exists() else set()
    assert after == before
    assert "big" not in page.locator("#fa-docs").inner_text()
