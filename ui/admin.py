"""The staff page: log in, add files, list and remove documents, re-run a full sync.

Gradio lets anyone call any event by its index, hidden from the API page or not, and the
session hash travels in URLs, so neither is a credential. Logging in posts the password to
`staff/login` (ui/guard.py), which sets a signed HttpOnly cookie; every handler here checks
that cookie on its own request before doing anything.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import gradio as gr

from assistant.service import Assistant
from assistant.store import StoreUnavailable
from assistant.write_failures import DataDirUnwritable
from ingest.indexing import Indexer, IngestBusy, SyncReport, UploadError
from ingest.injection import flagged_in
from ui.guard import cookie_of
from ui.render import escape_text
from ui.staff_auth import StaffSessions, audit

NOT_LOGGED_IN = "Please log in as staff first."
UPLOAD_TYPES = [".md", ".txt", ".html", ".pdf", ".docx"]
TABLE_HEADERS = ["id", "title", "kind", "lang", "chunks", "indexed"]
PRIVATE = {"api_visibility": "private"}
WRITES = {**PRIVATE, "concurrency_id": "admin-writes", "concurrency_limit": 1}
# The password goes to the login route as a form post from the browser, never through a
# Gradio event; the Python handler receives only the route's message and then checks the
# cookie the browser now holds.
LOGIN_JS = """async (password) => {
  const url = new URL("staff/login", window.location.href.split(/[?#]/)[0]);
  const response = await fetch(url, {method: "POST", credentials: "same-origin",
    headers: {"Content-Type": "application/x-www-form-urlencoded"},
    body: new URLSearchParams({password: password || ""})});
  try { return (await response.json()).message; } catch (e) { return "Login failed."; }
}"""
LOGOUT_JS = """async () => {
  const url = new URL("staff/logout", window.location.href.split(/[?#]/)[0]);
  await fetch(url, {method: "POST", credentials: "same-origin"});
  return [];
}"""


def client_of(request: gr.Request | None) -> str:
    return request.client.host if request and request.client else "unknown"


def is_staff(sessions: StaffSessions, request: gr.Request | None) -> bool:
    headers = dict(request.headers) if request is not None else {}
    return sessions.check(cookie_of(headers))


def require_staff(sessions: StaffSessions, request: gr.Request | None, action: str) -> None:
    """Refuse the call unless its request carries a live staff cookie; one log line either way."""
    if not is_staff(sessions, request):
        audit.warning("Staff %s refused from %s: not logged in", action, client_of(request))
        raise gr.Error(NOT_LOGGED_IN, print_exception=False)


def document_rows(indexer: Indexer) -> list[list[object]]:
    """Newest first: a fresh upload is at the top, not at the bottom of 90 rows."""
    rows = []
    for record in sorted(indexer.documents(), key=lambda r: (-r.indexed_at, r.doc_id)):
        when = dt.datetime.fromtimestamp(record.indexed_at).strftime("%Y-%m-%d %H:%M")
        rows.append(
            [record.doc_id, record.title, record.kind, record.language, record.chunks, when]
        )
    return rows


def flagged_markdown(assistant: Assistant) -> str:
    """Sentences flagged at ingest as addressing the assistant: never quoted, shown to staff."""
    try:
        chunks = assistant.retriever.keyword.chunks
    except StoreUnavailable as error:
        return f"Index unavailable: {escape_text(str(error))}"
    lines = [
        f"- **{escape_text(str(c.metadata.get('doc_id', '')))}**: {escape_text(sentence)}"
        for c in chunks
        for sentence in sorted(flagged_in(c.metadata))
    ]
    return "\n".join(lines) or "None found."


def report_line(report: SyncReport) -> str:
    return (
        f"added {len(report.added)} · updated {len(report.updated)} · "
        f"removed {len(report.removed)} · unchanged {len(report.unchanged)} · "
        f"failed {len(report.failed)} · chunks embedded {report.chunks_embedded} · "
        f"{report.seconds:.1f} s"
    )


def build_admin(
    demo: gr.Blocks,
    assistant: Assistant,
    indexer: Indexer,
    sessions: StaffSessions,
    status: gr.HTML,
    status_html: Callable[[], str],
) -> None:
    """Add the staff tab's content to the current Blocks."""
    settings = indexer.settings
    max_bytes = settings.max_file_mb * 1e6

    def listing() -> tuple[list[list[object]], gr.Dropdown, str]:
        rows = document_rows(indexer)
        return (
            rows,
            gr.Dropdown(choices=[r[0] for r in rows], value=None),
            flagged_markdown(assistant),
        )

    def changed() -> tuple[list[list[object]], gr.Dropdown, str, str]:
        assistant.retriever.refresh()  # new or removed documents are answerable at once
        return (*listing(), status_html())

    def shown(message: str, request: gr.Request):
        """After the browser posted the password: the panel if its cookie is now valid."""
        if not is_staff(sessions, request):
            hidden = gr.Column(visible=False)
            return (
                escape_text(message or ""),
                "",
                gr.Row(visible=True),
                hidden,
                [],
                gr.Dropdown(),
                "",
            )
        return "Logged in.", "", gr.Row(visible=False), gr.Column(visible=True), *listing()

    def restore(request: gr.Request):
        """A reload keeps a live staff session open."""
        if not is_staff(sessions, request):
            return gr.Row(visible=True), gr.Column(visible=False), [], gr.Dropdown(), ""
        return gr.Row(visible=False), gr.Column(visible=True), *listing()

    def logout(request: gr.Request):
        hidden = gr.Column(visible=False)
        return "Logged out.", gr.Row(visible=True), hidden, [], gr.Dropdown(choices=[]), ""

    def upload(files, title, source_url, kind, language, replace, request: gr.Request):
        require_staff(sessions, request, "upload")
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
            except (UploadError, IngestBusy, DataDirUnwritable) as error:
                audit.warning(
                    "Staff upload of %s from %s failed: %s", name, client_of(request), error
                )
                lines.append(f"✗ {escape_text(str(error))}")
                continue
            doc_id = (report.added or report.updated)[0]
            lines.append(
                f"✓ {escape_text(name)}: indexed as **{escape_text(doc_id)}** "
                f"({report.chunks_embedded} chunks, {report.seconds:.1f} s)"
            )
            audit.info("Staff added %s as %s from %s", name, doc_id, client_of(request))
        message = "\n".join(f"- {line}" for line in lines) or "Choose at least one file."
        return (message, None, *changed())

    def remove(doc_id, confirmed, request: gr.Request):
        require_staff(sessions, request, "remove")
        if not doc_id:
            return ("Pick a document to remove.", False, *changed())
        if indexer.is_shipped(doc_id) and not confirmed:
            return (
                f"**{escape_text(doc_id)}** is a page of the shipped corpus: its file will be "
                "deleted. Tick the confirmation and press Remove again.",
                False,
                *changed(),
            )
        try:
            report = indexer.remove(doc_id)
        except KeyError:
            return (f"No document with id {escape_text(doc_id)}.", False, *changed())
        except (IngestBusy, DataDirUnwritable) as error:
            return (escape_text(str(error)), False, *changed())
        audit.info("Staff removed %s from %s", doc_id, client_of(request))
        return (
            f"Removed **{escape_text(doc_id)}** ({report.chunks_deleted} chunks).",
            False,
            *changed(),
        )

    def full_sync(request: gr.Request):
        require_staff(sessions, request, "sync")
        try:
            report = indexer.sync()
        except (IngestBusy, DataDirUnwritable) as error:
            return (escape_text(str(error)), *changed())
        audit.info("Staff ran a full sync from %s: %s", client_of(request), report_line(report))
        failed = "".join(
            f"\n- ✗ {escape_text(p.path)}: {escape_text(p.reason)}" for p in report.failed
        )
        return (f"Sync done: {report_line(report)}{failed}", *changed())

    def refresh(request: gr.Request):
        require_staff(sessions, request, "refresh")
        return listing()

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
        gr.Markdown("#### Indexed documents (newest first)")
        table = gr.Dataframe(
            headers=TABLE_HEADERS,
            datatype="str",
            interactive=False,
            elem_id="fa-docs",
            wrap=True,
            max_height=360,
            column_widths=["18%", "42%", "12%", "9%", "7%", "12%"],
        )
        with gr.Row(equal_height=True):
            doc_id = gr.Dropdown(
                label="Document to remove", choices=[], elem_id="fa-remove-id", scale=3
            )
            confirm = gr.Checkbox(
                label="Yes, also delete a shipped corpus page's file",
                elem_id="fa-remove-confirm",
                scale=2,
            )
            remove_button = gr.Button("Remove", variant="stop", elem_id="fa-remove", scale=1)
        with gr.Row():
            refresh_button = gr.Button("Refresh list", elem_id="fa-refresh")
            sync_button = gr.Button("Re-run full sync", elem_id="fa-sync")
        admin_message = gr.Markdown(elem_id="fa-admin-message")
        gr.Markdown("#### Sentences that address the assistant (never quoted in answers)")
        flagged = gr.Markdown(elem_id="fa-flagged")
        logout_button = gr.Button("Log out", size="sm", elem_id="fa-logout")

    login_outputs = [login_message, password_box, login_row, panel, table, doc_id, flagged]
    for trigger in (login_button.click, password_box.submit):
        trigger(
            shown, [password_box], login_outputs, js=LOGIN_JS, concurrency_id="login", **PRIVATE
        )
    demo.load(restore, None, [login_row, panel, table, doc_id, flagged], **PRIVATE)
    logout_outputs = [login_message, login_row, panel, table, doc_id, flagged]
    logout_button.click(logout, None, logout_outputs, js=LOGOUT_JS, **PRIVATE)
    listing_outputs = [table, doc_id, flagged, status]
    add_button.click(
        upload,
        [files, title, source_url, kind, language, replace],
        [add_message, files, *listing_outputs],
        **WRITES,
    )
    remove_button.click(
        remove, [doc_id, confirm], [admin_message, confirm, *listing_outputs], **WRITES
    )
    sync_button.click(full_sync, None, [admin_message, *listing_outputs], **WRITES)
    refresh_button.click(refresh, None, [table, doc_id, flagged], **PRIVATE)
