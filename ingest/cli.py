"""Staff commands: ingest, add, remove, docs, corpus check/coverage."""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from assistant.config import SettingsError, get_settings
from assistant.store import StoreUnavailable
from assistant.write_failures import EXIT_CODE as UNWRITABLE
from assistant.write_failures import DataDirUnwritable, reporting_write_failures
from ingest.corpus_check import check_corpus, fact_coverage
from ingest.documents import Kind, Language
from ingest.indexing import Indexer, IngestBusy, SyncReport, UploadError

console = Console(soft_wrap=True)
corpus_app = typer.Typer(help="Check the shipped corpus.", no_args_is_help=True)


def _indexer() -> Indexer:
    try:
        settings = get_settings()
        with reporting_write_failures(settings.data_dir):
            return Indexer(settings)
    except DataDirUnwritable as error:
        _unwritable(error)
    except (SettingsError, StoreUnavailable) as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from None


def _unwritable(error: DataDirUnwritable) -> None:
    """One line and its own exit code: nothing failed in the files, the disk did."""
    console.print(f"[red]{error}[/red]")
    raise typer.Exit(UNWRITABLE)


def print_report(report: SyncReport) -> None:
    for problem in report.failed:
        console.print(f"[red]FAILED[/red] {problem.path}: {problem.reason}")
    console.print(
        f"added {len(report.added)} · updated {len(report.updated)} · removed {len(report.removed)}"
        f" · unchanged {len(report.unchanged)} · failed {len(report.failed)}"
        f" · chunks embedded {report.chunks_embedded} · chunks deleted {report.chunks_deleted}"
        f" · {report.seconds:.1f} s"
    )
    if not report.changed and not report.failed:
        console.print("Index already up to date: nothing embedded.")


def ingest() -> None:
    """Sync the corpus folder into the index (only new and changed documents are embedded)."""
    indexer = _indexer()
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("embedding", total=None)

        def on_progress(doc_id: str, number: int, total: int) -> None:
            progress.update(
                task, description=f"embedding {doc_id}", completed=number - 1, total=total
            )

        try:
            report = indexer.sync(on_progress)
        except DataDirUnwritable as error:
            progress.stop()
            _unwritable(error)
        except (IngestBusy, StoreUnavailable) as error:
            console.print(f"[red]{error}[/red]")
            raise typer.Exit(3) from None
    print_report(report)
    if report.failed:
        raise typer.Exit(1)


def add(
    files: Annotated[list[Path], typer.Argument(help="Files to add (.md .txt .html .pdf .docx).")],
    title: Annotated[str | None, typer.Option(help="Title (default: from the file).")] = None,
    source_url: Annotated[str | None, typer.Option(help="Where the content comes from.")] = None,
    kind: Annotated[Kind | None, typer.Option(help="Default: ecosystem.")] = None,
    language: Annotated[Language | None, typer.Option(help="Default: en.")] = None,
    replace: Annotated[bool, typer.Option(help="Overwrite a document with the same id.")] = False,
) -> None:
    """Copy files into corpus/uploads under safe names and index them at once."""
    indexer = _indexer()
    failures = 0
    for path in files:
        try:
            report = indexer.add_file(
                path,
                title=title,
                source_url=source_url,
                kind=kind,
                language=language,
                replace=replace,
            )
        except (UploadError, IngestBusy) as error:
            console.print(f"[red]FAILED[/red] {error}")
            failures += 1
            continue
        except DataDirUnwritable as error:
            _unwritable(error)
        doc_id = (report.added or report.updated)[0]
        console.print(
            f"added [bold]{doc_id}[/bold]: {report.chunks_embedded} chunks in {report.seconds:.1f} s"
        )
    if failures:
        raise typer.Exit(1)


def remove(
    doc_id: Annotated[str, typer.Argument(help="Id of the document to remove.")],
    yes: Annotated[
        bool, typer.Option("--yes", help="Confirm deleting the file of a shipped corpus page.")
    ] = False,
) -> None:
    """Remove a document from the index and its file from the corpus folder (a page of the
    shipped corpus, not a staff upload, only with --yes)."""
    indexer = _indexer()
    if indexer.is_shipped(doc_id) and not yes:
        console.print(
            f"[red]{doc_id} is a page of the shipped corpus; removing it deletes its file. "
            "Run again with --yes to confirm.[/red]"
        )
        raise typer.Exit(1)
    try:
        report = indexer.remove(doc_id)
    except KeyError as error:
        console.print(f"[red]{error.args[0]}[/red]")
        raise typer.Exit(1) from None
    except DataDirUnwritable as error:
        _unwritable(error)
    except IngestBusy as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(3) from None
    console.print(f"removed {doc_id}: {report.chunks_deleted} chunks deleted")


def docs(
    as_json: Annotated[
        bool, typer.Option("--json", help="Print JSON lines instead of a table.")
    ] = False,
) -> None:
    """List indexed documents with chunk counts and when they were indexed."""
    records = _indexer().documents()
    if as_json:
        for record in records:
            print(json.dumps(asdict(record), ensure_ascii=False))
        return
    # Every column but the title keeps its width: the title wraps on a narrow terminal.
    table = Table()
    for name in ("id", "kind", "lang", "chunks", "indexed"):
        table.add_column(name, no_wrap=True, justify="right" if name == "chunks" else "left")
    table.add_column("title", ratio=1, overflow="fold")
    for record in records:
        when = dt.datetime.fromtimestamp(record.indexed_at).strftime("%Y-%m-%d %H:%M")
        table.add_row(
            record.doc_id, record.kind, record.language, str(record.chunks), when, record.title
        )
    console.print(table)


@corpus_app.command("check")
def corpus_check(
    folder: Annotated[
        Path | None, typer.Argument(help="Corpus folder (default: FA_CORPUS_DIR).")
    ] = None,
) -> None:
    """Validate every corpus page: front matter, ids, sizes, headings, duplicate paragraphs."""
    settings = get_settings()
    problems, pages = check_corpus(
        folder or settings.corpus_dir, upload_max_bytes=int(settings.max_file_mb * 1e6)
    )
    for problem in problems:
        console.print(problem)
    console.print(f"{pages} pages checked, {len(problems)} problems")
    if problems:
        raise typer.Exit(1)


@corpus_app.command("coverage")
def corpus_coverage(
    facts: Annotated[list[Path], typer.Argument(help="Fact note files (shared/facts/*.md).")],
    folder: Annotated[Path | None, typer.Option(help="Corpus folder.")] = None,
    show_missing: Annotated[bool, typer.Option(help="List the bullets not covered.")] = False,
) -> None:
    """For each fact bullet: are its key numbers and names in the corpus?"""
    result = fact_coverage(facts, folder or get_settings().corpus_dir)
    if show_missing:
        for bullet in result.missing:
            console.print(f"- {bullet[:160]}")
    console.print(
        f"{result.covered}/{result.total} bullets covered ({result.share:.0%}); "
        f"{result.skipped} UNVERIFIED bullets skipped"
    )


def register(app: typer.Typer) -> None:
    """Mount the staff commands on the main CLI."""
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    app.command()(ingest)
    app.command()(add)
    app.command()(remove)
    app.command()(docs)
    app.add_typer(corpus_app, name="corpus")
