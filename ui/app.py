"""The Gradio app: chat and timeline for visitors, a staff tab when a password is configured.

One Assistant and one Indexer share the embeddings and the store, so a document staff add
is answerable at once. The page loads nothing from other hosts: system fonts, no
analytics, a timeline drawn as inline SVG.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import sqlite3
from pathlib import Path

# Gradio reads this when it launches; the app must not call home.
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"

import gradio as gr
from starlette.middleware import Middleware

from assistant.config import Settings
from assistant.feedback import FeedbackStore
from assistant.service import Assistant
from assistant.store import StoreUnavailable
from ingest.indexing import Indexer
from ui.admin import build_admin
from ui.chat import build_chat, relabelled
from ui.guard import RequestGuard
from ui.json_api import json_api_routes
from ui.render import escape_text
from ui.staff_auth import StaffAccess
from ui.texts import ENGLISH, LANGUAGES, texts_for
from ui.timeline import build_timeline, timeline_update

logger = logging.getLogger(__name__)

TITLE = "Flanders Life Sciences Assistant"
THEME = gr.themes.Default(
    font=["system-ui", "-apple-system", "Segoe UI", "Roboto", "sans-serif"],
    font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "monospace"],
)
CSS = (Path(__file__).with_name("style.css")).read_text(encoding="utf-8")
ON_LOAD_JS = (Path(__file__).with_name("app.js")).read_text(encoding="utf-8")


def status_html(assistant: Assistant, indexer: Indexer) -> str:
    """Footer facts a visitor or staff member may want: how much is indexed, by what, when;
    a part that cannot be read says so instead of failing the whole footer."""
    settings = assistant.settings
    model = Path(settings.embedding_model).name if settings.embedding_model else "all-MiniLM-L6-v2"
    try:
        documents = f"{len(indexer.documents())} documents"
    except sqlite3.Error:
        logger.warning("Footer: the document ledger %s cannot be read", settings.record_db)
        documents = "document list unavailable"
    try:
        updated = assistant.store.updated_at()
        when = dt.datetime.fromtimestamp(updated).strftime("%Y-%m-%d %H:%M") if updated else "never"
        index = [f"{assistant.store.count()} chunks", f"index updated {when}"]
    except StoreUnavailable as error:
        logger.warning("Footer: %s", error)
        index = ["index unavailable"]
    facts = [
        documents,
        index[0],
        f"embeddings: {model}",
        f"answers: {settings.answerer}",
        *index[1:],
    ]
    return "<div class='fa-status'>" + " · ".join(escape_text(f) for f in facts) + "</div>"


def build_app(
    settings: Settings,
    assistant: Assistant | None = None,
    indexer: Indexer | None = None,
    staff: StaffAccess | None = None,
) -> gr.Blocks:
    """The whole UI, with the staff tab when `staff` is given (pass the same to `launch`);
    pass an Assistant/Indexer to share already loaded models (tests do)."""
    assistant = assistant or Assistant(settings)
    indexer = indexer or Indexer(settings, embeddings=assistant.embeddings, store=assistant.store)
    feedback = FeedbackStore(settings)

    def current_status() -> str:
        return status_html(assistant, indexer)

    # Uploaded files sit in Gradio's cache, reachable by URL: keep them an hour at most.
    with gr.Blocks(title=TITLE, fill_width=False, delete_cache=(3600, 3600)) as demo:
        status = gr.HTML(current_status(), elem_id="fa-status", render=False)
        with gr.Row(elem_id="fa-title-bar"):
            gr.Markdown(f"## {TITLE}")
            language = gr.Radio(
                LANGUAGES,
                value="en",
                label=ENGLISH.language_label,
                elem_id="fa-language",
                min_width=200,
                scale=0,
            )
        # The visitor's choice survives a reload of the page (kept in the browser).
        remembered = gr.BrowserState("en", storage_key="fa-language")
        with gr.Tabs():
            with gr.Tab(ENGLISH.tab_ask, id="ask", elem_id="fa-tab-ask") as ask_tab:
                chat = build_chat(assistant, feedback, language)
            with gr.Tab(
                ENGLISH.tab_timeline, id="timeline", elem_id="fa-tab-timeline"
            ) as timeline_tab:
                timeline = build_timeline(settings.corpus_dir)
            if staff is not None:
                with gr.Tab("Staff", id="staff", elem_id="fa-tab-staff"):
                    build_admin(demo, assistant, indexer, staff.sessions, status, current_status)
        status.render()

        def relabel(chosen: str) -> list:
            """The page in `chosen`: labels, examples, the timeline, and the stored choice."""
            texts = texts_for(chosen)
            return [
                gr.Radio(label=texts.language_label),
                gr.Tab(label=texts.tab_ask),
                gr.Tab(label=texts.tab_timeline),
                *relabelled(texts),
                *timeline_update(settings.corpus_dir, chosen),
                chosen,
            ]

        language.change(
            relabel,
            inputs=language,
            outputs=[
                language,
                ask_tab,
                timeline_tab,
                *chat.components(),
                *timeline.components(),
                remembered,
            ],
            api_visibility="private",
            show_progress="hidden",
        )
        timeline_tab.select(
            lambda chosen: timeline_update(settings.corpus_dir, chosen),
            inputs=language,
            outputs=timeline.components(),
            api_visibility="private",
        )
        demo.load(current_status, outputs=status, api_visibility="private")
        demo.load(
            lambda stored: stored if stored in ("en", "nl") else "en",
            inputs=remembered,
            outputs=language,
            api_visibility="private",
        )
        demo.load(None, js=ON_LOAD_JS)  # topic buttons; focus without scrolling
    return demo


def launch(
    demo: gr.Blocks,
    settings: Settings,
    staff: StaffAccess | None = None,
    *,
    assistant: Assistant | None = None,
    prevent_thread_lock: bool = False,
) -> None:
    """Queue and serve with the app's look and limits (shared by `serve` and the tests);
    with `assistant`, also the JSON API (`POST /api/ask`)."""
    guard = Middleware(
        RequestGuard,
        max_body_bytes=settings.max_request_kb * 1024,
        max_upload_bytes=int(settings.max_file_mb * 1e6) + 64 * 1024,  # + multipart framing
        staff=staff,
    )
    demo.queue(default_concurrency_limit=settings.max_concurrency)
    demo.launch(
        app_kwargs={
            "middleware": [guard],
            "routes": json_api_routes(assistant) if assistant else [],
        },
        server_name=settings.host,
        server_port=settings.port,
        prevent_thread_lock=prevent_thread_lock,
        theme=THEME,
        css=CSS,
        max_file_size=int(settings.max_file_mb * 1e6),
        # Every visitor (and every API call) opens a session of ~40 KB of state: bound them.
        state_session_capacity=settings.max_sessions,
        blocked_paths=[str(settings.data_dir.resolve()), str(settings.corpus_dir.resolve())],
        footer_links=["api", "settings"],
        run_history=False,  # would keep inputs (the staff password too) in the browser
        ssr_mode=False,
        mcp_server=False,
        pwa=False,
        show_error=False,
        quiet=True,  # `serve` prints the one line with the address, without the share hint
    )


def serve(settings: Settings) -> None:
    """Load the models once, build the UI and serve until interrupted."""
    staff = StaffAccess.from_settings(settings)
    assistant = Assistant(settings)
    launch(build_app(settings, assistant, staff=staff), settings, staff, assistant=assistant)
