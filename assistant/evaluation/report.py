"""A self-contained HTML report (charts embedded as images) and a Markdown summary."""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

CHART_METRICS = [
    "hit_at_5",
    "context_recall",
    "answer_recall",
    "answer_pass",
    "refusal_recall",
    "citation_validity",
]


def _png(figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(figure)
    return base64.b64encode(buffer.getvalue()).decode()


def _metric_bars(groups: dict[str, dict], title: str) -> str:
    figure, axis = plt.subplots(figsize=(9, 3.6))
    width = 0.8 / max(1, len(groups))
    for offset, (name, summary) in enumerate(groups.items()):
        values = [summary.get(m) or 0.0 for m in CHART_METRICS]
        positions = [i + offset * width for i in range(len(CHART_METRICS))]
        axis.bar(positions, values, width=width, label=name)
    axis.set_xticks(
        [i + 0.4 - width / 2 for i in range(len(CHART_METRICS))], CHART_METRICS, rotation=20
    )
    axis.set_ylim(0, 1.05)
    axis.set_title(title)
    axis.legend(fontsize=8)
    return _png(figure)


def _latency_histogram(results: list[dict]) -> str:
    figure, axis = plt.subplots(figsize=(6, 3))
    axis.hist([r["latency_ms"] for r in results], bins=30, color="#3b6ea5")
    axis.set_xlabel("latency (ms)")
    axis.set_ylabel("questions")
    axis.set_title("Answer latency")
    return _png(figure)


def markdown_summary(document: dict, baseline: dict | None = None) -> str:
    summary = document["summary"]
    keys = [k for k, v in summary.items() if isinstance(v, int | float) and k != "items"]
    header = "| metric | assistant |" + (" baseline |" if baseline else "")
    rule = "|---|---|" + ("---|" if baseline else "")
    rows = []
    for key in keys:
        row = f"| {key} | {summary[key]} |"
        if baseline:
            row += f" {baseline['summary'].get(key)} |"
        rows.append(row)
    failed = [r for r in document["results"] if not r["passed"]]
    lines = [
        f"# Evaluation: {summary['items']} questions, backend {summary['backend']}",
        "",
        header,
        rule,
        *rows,
        "",
    ]
    lines.append(f"## Failed items ({len(failed)})")
    lines += [
        f"- `{r['id']}` {r['question']} — expected {r['must_include'] or 'a refusal'}"
        for r in failed
    ]
    return "\n".join(lines) + "\n"


def write_report(folder: Path, document: dict, baseline: dict | None = None) -> Path:
    """Write index.html and summary.md into `folder`; returns the HTML path."""
    folder.mkdir(parents=True, exist_ok=True)
    summary = document["summary"]
    charts = [
        _metric_bars({"overall": summary, **(summary.get("by_topic") or {})}, "Metrics by topic"),
        _metric_bars(summary.get("by_language") or {}, "Metrics by language"),
        _latency_histogram(document["results"]),
    ]
    if baseline:
        charts.insert(
            0,
            _metric_bars(
                {"assistant": summary, "baseline": baseline["summary"]}, "Assistant vs baseline"
            ),
        )
    failed = [r for r in document["results"] if not r["passed"]]
    failures = "".join(
        "<details><summary><b>{}</b> {}</summary><p><b>Expected:</b> {}</p><p><b>Answer:</b> {}</p>{}</details>".format(
            html.escape(r["id"]),
            html.escape(r["question"]),
            html.escape(", ".join(r["must_include"]) or "a refusal"),
            html.escape(r["answer"]),
            "".join(
                f"<blockquote><i>{html.escape(c['doc_id'])}</i>: {html.escape(c['text'][:400])}</blockquote>"
                for c in r["contexts"][:3]
            ),
        )
        for r in failed
    )
    images = "".join(f'<img alt="chart" src="data:image/png;base64,{c}">' for c in charts)
    table = markdown_summary(document, baseline)
    page = (
        "<!doctype html><meta charset='utf-8'><title>Evaluation report</title>"
        "<style>body{font-family:system-ui,sans-serif;max-width:1000px;margin:auto;padding:1em}"
        "img{max-width:100%}pre{background:#f4f4f4;padding:1em;overflow:auto}</style>"
        f"<h1>Evaluation report</h1><pre>{html.escape(table)}</pre>{images}"
        f"<h2>Failed items ({len(failed)})</h2>{failures}"
    )
    (folder / "index.html").write_text(page, encoding="utf-8")
    (folder / "summary.md").write_text(table, encoding="utf-8")
    return folder / "index.html"
