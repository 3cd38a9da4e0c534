"""`flanders-assistant eval`: run the answer tests, print metrics, write JSON and a report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import track
from rich.table import Table

from assistant.config import AnswererName, get_settings
from assistant.evaluation.dataset import load_dataset
from assistant.evaluation.gate import THRESHOLDS_FILE, check_gate, load_thresholds
from assistant.evaluation.report import write_report
from assistant.evaluation.runner import (
    comparison,
    comparison_lines,
    results_document,
    run_details,
    run_items,
)

DEFAULT_DATASET = Path("tests/eval/questions.jsonl")
console = Console(soft_wrap=True)


class _Backend:
    """Adapts the Assistant to the runner with a fixed backend."""

    def __init__(self, assistant, backend: str) -> None:
        self.assistant, self.backend = assistant, backend

    def answer(self, question, history=()):
        return self.assistant.answer(question, history, backend=self.backend)


def evaluate(
    dataset: Annotated[Path, typer.Option(help="JSONL question set.")] = DEFAULT_DATASET,
    split: Annotated[
        str | None, typer.Option(help="Only this split of the set: train, dev or test.")
    ] = None,
    backend: Annotated[
        AnswererName | None, typer.Option(help="Answerer (default: FA_ANSWERER).")
    ] = None,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write results JSON here.")
    ] = None,
    report: Annotated[
        Path | None, typer.Option(help="Write an HTML + Markdown report into this folder.")
    ] = None,
    compare_with: Annotated[
        Path | None, typer.Option("--compare", help="Earlier results JSON to compare.")
    ] = None,
    baseline: Annotated[
        bool, typer.Option(help="Also run the plain LangChain tutorial pipeline.")
    ] = False,
    thresholds: Annotated[
        Path, typer.Option(help="The gate's thresholds, a table per question set.")
    ] = THRESHOLDS_FILE,
) -> None:
    """Score retrieval and answers on the question set."""
    from assistant.service import Assistant

    settings = get_settings()
    items = load_dataset(dataset, split)
    assistant = Assistant(settings)
    name = backend or settings.answerer
    scores = run_items(
        _Backend(assistant, name),
        list(track(items, description=f"asking ({name})", console=console)),
    )
    document = results_document(scores, name, run_details(settings, dataset, name))
    baseline_document = None
    if baseline:
        from assistant.evaluation.baseline import BaselinePipeline

        pipeline = BaselinePipeline(settings, assistant.embeddings)
        baseline_document = results_document(
            run_items(
                pipeline, list(track(items, description="asking (baseline)", console=console))
            ),
            "baseline",
        )
    print_summary(document, baseline_document)
    if json_out:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(document, ensure_ascii=False, indent=1), encoding="utf-8")
    change = comparison(compare_with, document) if compare_with else None
    if change:
        for line in comparison_lines(change):
            console.print(line, markup=False)
    if report:
        gate = check_gate(document["summary"], load_thresholds(thresholds, dataset))
        path = write_report(report, document, baseline_document, gate=gate, change=change)
        console.print(f"report: {path}")


def print_summary(document: dict, baseline: dict | None) -> None:
    table = Table("metric", "assistant", *(["baseline"] if baseline else []))
    for key, value in document["summary"].items():
        if isinstance(value, int | float):
            extra = [str(baseline["summary"].get(key))] if baseline else []
            table.add_row(key, str(value), *extra)
    console.print(table)
    failed = [r for r in document["results"] if not r["passed"]]
    for result in failed:
        console.print(
            f"FAIL {result['id']}: {result['question']} -> {result['answer'][:140]}", markup=False
        )


def train_answerer(
    out: Annotated[
        Path | None, typer.Option(help="Write the model here (default: the shipped model file).")
    ] = None,
) -> None:
    """Rebuild the extractive answerer's model from the question sets (train + dev splits)."""
    from assistant.answerers.model import AnswerModel
    from assistant.answerers.training import train
    from assistant.service import Assistant

    try:
        shipped = AnswerModel.load()
    except ValueError:  # fitted on other features: training does not need it
        shipped = AnswerModel.untrained()
    assistant = Assistant(get_settings(), warm=False, answer_model=shipped)
    model = train(assistant, out)
    table = Table("feature", "weight")
    for name, weight in sorted(
        zip(model.features, model.coef, strict=True), key=lambda p: -abs(p[1])
    ):
        table.add_row(name, f"{weight:+.3f}")
    console.print(table)
    console.print(
        f"answer threshold {model.answer_threshold} · extra-sentence threshold "
        f"{model.extra_threshold} · {model.report}",
        markup=False,
    )


def register(app: typer.Typer) -> None:
    app.command("eval")(evaluate)
    app.command("train-answerer")(train_answerer)
