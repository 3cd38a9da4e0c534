"""The `flanders-assistant` command line: ask, serve, eval, and the staff commands."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console

from assistant.answers import QuestionError
from assistant.config import AnswererName, SettingsError, get_settings
from assistant.evaluation.cli import register as register_eval_command
from ingest.cli import register as register_ingest_commands
from ingest.documents import Kind, Language
from ui.cli import register as register_ui_commands

app = typer.Typer(
    help="Grounded answers about Flanders' life-sciences ecosystem and Flemish biotech history.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
console = Console(soft_wrap=True)
register_ingest_commands(app)
register_eval_command(app)
register_ui_commands(app)


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question, in English or Dutch.")],
    # Literal types: the parser refuses other values (exit code 2) before any model loads.
    kind: Annotated[Kind | None, typer.Option(help="Only ecosystem or history pages.")] = None,
    backend: Annotated[
        AnswererName | None, typer.Option(help="Answerer (default: FA_ANSWERER).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the Answer as JSON.")] = False,
    language: Annotated[
        Language, typer.Option(help="Answer language when the question's words do not tell.")
    ] = "en",
) -> None:
    """Answer one question and print the numbered sources."""
    from assistant.service import Assistant

    try:
        assistant = Assistant(get_settings())
        answer = assistant.answer(question, kind=kind, backend=backend, language=language)
    except (QuestionError, SettingsError, ImportError, FileNotFoundError) as error:
        # ImportError / FileNotFoundError: an LLM backend whose extra or model file is missing.
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from None
    if as_json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
        return
    console.print(answer.text, markup=False, highlight=False)
    if answer.notice:
        console.print(f"[yellow]{answer.notice}[/yellow]")
    for citation in answer.citations:
        where = f" — {citation.section}" if citation.section else ""
        console.print(f"[{citation.number}] {citation.title}{where} ({citation.url})", markup=False)
