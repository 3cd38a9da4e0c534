"""Commands for the web app: `serve`, and `feedback export` to turn votes into eval cases."""

from __future__ import annotations

import errno
import socket
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from assistant.config import SettingsError, get_settings, load_settings

console = Console(soft_wrap=True)
feedback_app = typer.Typer(help="Visitors' thumbs up/down on answers.", no_args_is_help=True)


def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind (default: FA_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default: FA_PORT).")] = None,
) -> None:
    """Serve the chat (and the staff page when FA_ADMIN_PASSWORD is set) until Ctrl-C."""
    overrides = {k: v for k, v in (("host", host), ("port", port)) if v is not None}
    try:
        settings = load_settings(**overrides) if overrides else get_settings()
    except SettingsError as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from None
    if not port_free(settings.host, settings.port):
        console.print(
            f"[red]Port {settings.port} on {settings.host} is in use: choose another with "
            "--port or FA_PORT.[/red]"
        )
        raise typer.Exit(2)
    from ui.app import serve as serve_app

    serves_staff = settings.admin_password is not None and settings.staff_ui == "on"
    staff = "with" if serves_staff else "without"
    console.print(f"Serving on http://{settings.host}:{settings.port} ({staff} the staff page)")
    serve_app(settings)


def port_free(host: str, port: int) -> bool:
    """Whether the web app could listen there: checked before minutes of model loading, and so
    that the message names our settings rather than Gradio's own variable."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        # uvicorn sets SO_REUSEADDR too: a port with only closing connections is free to it.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as error:
            return error.errno != errno.EADDRINUSE
    return True


@feedback_app.command("export")
def export(
    out: Annotated[Path, typer.Argument(help="JSONL file to write (eval-dataset format).")],
) -> None:
    """Write every vote as a line of the evaluation dataset, with `feedback` and `answer`."""
    from assistant.feedback import FeedbackStore

    count = FeedbackStore(get_settings()).export_jsonl(out)
    console.print(f"{count} feedback lines written to {out}")


def register(app: typer.Typer) -> None:
    """Mount the web app commands on the main CLI."""
    app.command()(serve)
    app.add_typer(feedback_app, name="feedback")
