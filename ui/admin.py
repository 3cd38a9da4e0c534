"""The staff page: log in, add files, list and remove documents, re-run a full sync.

Gradio lets anyone call any event by its index, hidden from the API page or not, so every
handler here checks the session's logged-in flag. That flag lives in a server-side gr.State
that only a correct password sets; a direct call starts a fresh session where it is False.
"""

from __future__ import annotations

import datetime as dt
import hmac
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

import gradio as gr
from pydantic import SecretStr

from assistant.service import Assistant
from ingest.indexing import Indexer, IngestBusy, SyncReport, UploadError
from ui.render import escape_text

logger = logging.getLogger(__name__)

NOT_LOGGED_IN = "Please log in as staff first."
UPLOAD_TYPES = [".md", ".txt", ".html", ".pdf", ".docx"]
TABLE_HEADERS = ["id", "title", "kind", "lang", "chunks", "indexed"]
PRIVATE = {"api_visibility": "private"}
WRITES = {**PRIVATE, "concurrency_id": "admin-writes", "concurrency_limit": 1}


class LoginGate:
    """Compares passwords in constant time and slows down every attempt after a failure."""

    def __init__(self, password: SecretStr, step_s: float = 0.5, max_delay_s: float = 5.0):
        self._password = password.get_secret_value().encode()
        self.step_s, self.max_delay_s = step_s, max_delay_s
        self.failures = 0
        self._lock = threading.Lock()

    def check(self, attempt: str, client: str) -> bool:
        """True for the right password; a wrong one is logged (never its text) and delayed."""
        ok = hmac.compare_digest((attempt or "").encode(), self._password)
        with self._lock:
            self.failures = 0 if ok else self.failures + 1
            failures = self.failures
        if ok:
            logger.info("Staff login from %s", client)
            return True
        logger.warning("Staff login refused from %s (failure %d in a row)", client, failures)
        time.sleep(min(self.step_s * failures, self.max_delay_s))
        return False


def require_login(logged_in: object) -> None:
    """Refuse the call unless this session logged in (the flag is server-side state)."""
    if logged_in is not True:
        raise gr.Error(NOT_LOGGED_IN)


def document_rows(indexer: Indexer) -> list[list[object]]:
    rows = []
    for record in sorted(indexer.documents(), key=lambda r: r.doc_id):
        when = dt.datetime.fromtimestamp(record.indexed_at).strftime("%Y-%m-%d %H:%M")
        rows.append(
            [record.doc_id, record.title, record.kind, record.language, record.chunks, when]
        )
    return rows


def report_line(report: SyncReport) -> str:
    return (
        f"added {len(report.added)} · updated {len(report.updated)} · "
        f"removed {len(report.removed)} · unchanged {len(report.unchanged)} · "
        f"failed {len(report.failed)} · chunks embedded {report.chunks_embedded} · "
        f"{report.seconds:.1f} s"
    )


def build_admin(
    assistant: Assistant,
    indexer: Indexer,
    password: SecretStr,
    status: gr.HTML,
    status_html: Callable[[], str],
) -> None:
    """Add the staff tab's content to the current Blocks."""
    gate = LoginGate(password)
    settings = indexer.settings
    max_bytes = settings.max_file_mb * 1e6

    def listing() -> tuple[list[list[object]], gr.Dropdown]:
        rows = document_rows(indexer)
        return rows, gr.Dropdown(choices=[r[0] for r in rows], value=None)

    def changed() -> tuple[list[list[object]], gr.Dropdown, str]:
        assistant.retriever.refresh()  # new or removed documents are answerable at once
        return (*listing(), status_html())

    def login(attempt: str, request: gr.Request):
        client = request.client.host if request and request.client else "unknown"
        if not gate.check(attempt, client):
            hidden = gr.Column(visible=False)
            return False, "Wrong password.", "", gr.Row(visible=True), hidden, [], gr.Dropdown()
        rows, ids = listing()
        return True, "Logged in.", "", gr.Row(visible=False), gr.Column(visible=True), rows, ids

    def logout():
        hidden = gr.Column(visible=False)
        return False, "Logged out.", gr.Row(visible=True), hidden, [], gr.Dropdown(choices=[])

    def upload(logged_in, files, title, source_url, kind, language, replace):
        require_login(logged_in)
        lines = []
        for file in files or []:
            path = Path(file)
            name = path.name
            if path.stat().st_size > max_bytes:
                lines.append(f"✗ {escape_text(name)}: over the {settings.max_file_mb:g} MB limit")
                continue
            try:
                report = indexer.add_file(
                    path,
                    title=(title or "").strip() or None,
                    source_url=(source_url or "").strip() or None,
                    kind=kind or None,
                    language=language or None,
                    original_name=name,
                    replace=bool(replace),
                )
            except (UploadError, IngestBusy) as error:
                lines.append(f"✗ {escape_text(str(error))}")
                continue
            doc_id = (report.added or report.updated)[0]
            lines.append(
                f"✓ {escape_text(name)}: indexed as **{escape_text(doc_id)}** "
                f"({report.chunks_embedded} chunks, {report.seconds:.1f} s)"
            )
            logger.info("Staff added %s as %s", name, doc_id)
        message = "\n".join(f"- {line}" for line in lines) or "Choose at least one file."
        return (message, None, *changed())

    def remove(logged_in, doc_id):
        require_login(logged_in)
        if not doc_id:
            return ("Pick a document to remove.", *changed())
        try:
            report = indexer.remove(doc_id)
        except KeyError:
            return (f"No document with id {escape_text(doc_id)}.", *changed())
        except IngestBusy as error:
            return (escape_text(str(error)), *changed())
        logger.info("Staff removed %s", doc_id)
        return (
            f"Removed **{escape_text(doc_id)}** ({report.chunks_deleted} chunks).",
            *changed(),
        )

    def full_sync(logged_in):
        require_login(logged_in)
        try:
            report = indexer.sync()
        except IngestBusy as error:
            return (escape_text(str(error)), *changed())
        failed = "".join(
            f"\n- ✗ {escape_text(p.path)}: {escape_text(p.reason)}" for p in report.failed
        )
        return (f"Sync done: {report_line(report)}{failed}", *changed())

    def refresh(logged_in):
        require_login(logged_in)
        return listing()

    logged_in = gr.State(False)
    with gr.Row(elem_id="fa-login") as login_row:
        password_box = gr.Textbox(
            label="Staff password", type="password", elem_id="fa-password", scale=3
        )
        login_button = gr.Button("Log in", variant="primary", elem_id="fa-login-button", scale=1)
    login_message = gr.Markdown(elem_id="fa-login-message")
    with gr.Column(visible=False, elem_id="fa-admin-panel") as panel:
        gr.Markdown(
            f"#### Add documents ({', '.join(UPLOAD_TYPES)}, at most {settings.max_file_mb:g} MB each)"
        )
        files = gr.File(
            label="Files",
            file_count="multiple",
            file_types=UPLOAD_TYPES,
            type="filepath",
            elem_id="fa-upload",
        )
        with gr.Row():
            title = gr.Textbox(label="Title (optional, for every file)", elem_id="fa-title")
            source_url = gr.Textbox(label="Source URL (optional)", elem_id="fa-source-url")
        with gr.Row():
            kind = gr.Dropdown(
                [("from the file", ""), ("ecosystem", "ecosystem"), ("history", "history")],
                value="",
                label="Kind",
            )
            language = gr.Dropdown(
                [("from the file", ""), ("English", "en"), ("Dutch", "nl")],
                value="",
                label="Language",
            )
            replace = gr.Checkbox(label="Replace a document with the same id")
        add_button = gr.Button("Add and index", variant="primary", elem_id="fa-add")
        add_message = gr.Markdown(elem_id="fa-add-message")
        gr.Markdown("#### Indexed documents")
        table = gr.Dataframe(
            headers=TABLE_HEADERS,
            datatype="str",
            interactive=False,
            elem_id="fa-docs",
            wrap=True,
            column_widths=["18%", "42%", "12%", "9%", "7%", "12%"],
        )
        with gr.Row():
            doc_id = gr.Dropdown(label="Document to remove", choices=[], elem_id="fa-remove-id")
            remove_button = gr.Button("Remove", variant="stop", elem_id="fa-remove")
            refresh_button = gr.Button("Refresh list", elem_id="fa-refresh")
            sync_button = gr.Button("Re-run full sync", elem_id="fa-sync")
        admin_message = gr.Markdown(elem_id="fa-admin-message")
        logout_button = gr.Button("Log out", size="sm", elem_id="fa-logout")

    login_outputs = [logged_in, login_message, password_box, login_row, panel, table, doc_id]
    login_button.click(login, [password_box], login_outputs, concurrency_id="login", **PRIVATE)
    password_box.submit(login, [password_box], login_outputs, concurrency_id="login", **PRIVATE)
    logout_outputs = [logged_in, login_message, login_row, panel, table, doc_id]
    logout_button.click(logout, None, logout_outputs, **PRIVATE)
    listing_outputs = [table, doc_id, status]
    add_button.click(
        upload,
        [logged_in, files, title, source_url, kind, language, replace],
        [add_message, files, *listing_outputs],
        **WRITES,
    )
    remove_button.click(remove, [logged_in, doc_id], [admin_message, *listing_outputs], **WRITES)
    sync_button.click(full_sync, [logged_in], [admin_message, *listing_outputs], **WRITES)
    refresh_button.click(refresh, [logged_in], [table, doc_id], **PRIVATE)
