"""A self-contained HTML report (charts embedded as images) and the same facts in Markdown.

Both say when and how the run was made (date, commit, settings), how each gated metric
stands against its threshold, what every metric means, and, given an earlier run, what
changed.
"""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path

import matplotlib

from assistant.evaluation.gate import GateCheck

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
# What each summary figure measures (assistant/evaluation/metrics.py computes them).
DEFINITIONS = {
    "items": "Questions in the set.",
    "pass_rate": "Share of all questions passed: an answerable one answered with every "
    "expected term, an unanswerable one refused.",
    "hit_at_1": "Answerable questions whose first retrieved document is an expected one.",
    "hit_at_5": "Answerable questions with an expected document among the first five retrieved.",
    "mrr": "Mean reciprocal rank of the first expected document (0 when none is retrieved).",
    "context_recall": "Share of the expected terms found in the retrieved passages.",
    "answer_recall": "Share of the expected terms found in the answer text.",
    "answer_pass": "Answerable questions answered (not refused) with every expected term.",
    "refusal_recall": "Unanswerable questions that were refused.",
    "refusal_precision": "Refusals that were right: the question was unanswerable.",
    "false_refusal_rate": "Answerable questions that were refused (lower is better).",
    "citation_validity": "Share of [n] markers in answers that point to a cited, retrieved source.",
    "groundedness": "Share of answer claims supported by a passage they cite.",
    "latency_p50_ms": "Median time to a full answer, in milliseconds.",
    "latency_p95_ms": "95th-percentile time to a full answer, in milliseconds.",
}
RUN_LABELS = {
    "date": "date",
    "commit": "commit",
    "dataset": "question set",
    "backend": "answerer backend",
    "embedding_model": "embedding model",
    "embedding_backend": "embedding variant",
    "retrieval_k": "chunks per answer (FA_RETRIEVAL_K)",
    "chunk_tokens": "chunk size in tokens (FA_CHUNK_TOKENS)",
}
STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:1000px;margin:auto;padding:1em;"
    "line-height:1.4}img{max-width:100%}table{border-collapse:collapse;margin:0.5em 0 1em}"
    "th,td{border:1px solid #d1d5db;padding:0.25em 0.6em;text-align:left;vertical-align:top}"
    "td.num{text-align:right;font-variant-numeric:tabular-nums}.pass{color:#15803d}"
    ".fail{color:#b91c1c;font-weight:600}blockquote{color:#374151;margin:0.3em 1em}"
)


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
    # Beside the plot, never over the bars.
    axis.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    return _png(figure)


def _latency_histogram(results: list[dict]) -> str:
    figure, axis = plt.subplots(figsize=(6, 3))
    axis.hist([r["latency_ms"] for r in results], bins=30, color="#3b6ea5")
    axis.set_xlabel("latency (ms)")
    axis.set_ylabel("questions")
    axis.set_title("Answer latency")
    return _png(figure)


def _metric_keys(summary: dict) -> list[str]:
    return [
        k for k, v in summary.items() if isinstance(v, int | float | None) and k not in ("items",)
    ]


def _figure(value: object) -> str:
    return "—" if value is None else f"{value:g}" if isinstance(value, float) else str(value)


def _verdict(check: GateCheck) -> str:
    return "pass" if check.passed else "FAIL"


def _bound(check: GateCheck) -> str:
    return f"{'≤' if check.upper else '≥'} {check.bound:g}"


def markdown_report(
    document: dict,
    baseline: dict | None = None,
    gate: list[GateCheck] | None = None,
    change: dict | None = None,
) -> str:
    """The report as Markdown (summary.md)."""
    summary, run = document["summary"], document.get("run", {})
    lines = [f"# Evaluation: {summary['items']} questions, backend {summary['backend']}", ""]
    lines += [f"- **{RUN_LABELS.get(k, k)}:** {v}" for k, v in run.items()]
    if gate:
        passed = sum(c.passed for c in gate)
        lines += ["", f"## Gate: {passed}/{len(gate)} metrics pass", ""]
        lines += ["| metric | value | threshold | result |", "|---|---|---|---|"]
        lines += [
            f"| {c.metric} | {_figure(c.value)} | {_bound(c)} | {_verdict(c)} |" for c in gate
        ]
    lines += ["", "## Metrics", ""]
    lines.append("| metric | assistant |" + (" baseline |" if baseline else "") + " meaning |")
    lines.append("|---|---|" + ("---|" if baseline else "") + "---|")
    for key in _metric_keys(summary):
        extra = f" {_figure(baseline['summary'].get(key))} |" if baseline else ""
        lines.append(
            f"| {key} | {_figure(summary[key])} |{extra} {DEFINITIONS.get(key, '(undefined)')} |"
        )
    if change:
        lines += ["", f"## Compared with {change['old']}", ""]
        lines += ["| metric | before | now | change |", "|---|---|---|---|"]
        lines += [
            f"| {key} | {before:g} | {value:g} | {value - before:+.4g} |"
            for key, before, value in change["metrics"]
        ]
        for label, rows in (
            ("Newly failing", change["newly_failing"]),
            ("Newly passing", change["newly_passing"]),
        ):
            lines += ["", f"### {label} ({len(rows)})"]
            lines += [f"- `{r['id']}` {r['question']}" for r in rows]
    failed = [r for r in document["results"] if not r["passed"]]
    lines += ["", f"## Failed items ({len(failed)})"]
    lines += [
        f"- `{r['id']}` {r['question']} — expected {r['must_include'] or 'a refusal'}"
        for r in failed
    ]
    return "\n".join(lines) + "\n"


def _table(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(rows_cells) + "</tr>" for rows_cells in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _cell(value: object, css: str = "") -> str:
    text = value if isinstance(value, str) else _figure(value)
    return f"<td class='{css}'>{html.escape(text)}</td>" if css else f"<td>{html.escape(text)}</td>"


def _html_sections(
    document: dict, baseline: dict | None, gate: list[GateCheck] | None, change: dict | None
) -> list[str]:
    summary, run = document["summary"], document.get("run", {})
    parts = [
        f"<h1>Evaluation: {summary['items']} questions, backend {html.escape(summary['backend'])}</h1>",
        _table(["run", ""], [[_cell(RUN_LABELS.get(k, k)), _cell(str(v))] for k, v in run.items()]),
    ]
    if gate:
        parts.append(f"<h2>Gate: {sum(c.passed for c in gate)}/{len(gate)} metrics pass</h2>")
        parts.append(
            _table(
                ["metric", "value", "threshold", "result"],
                [
                    [
                        _cell(c.metric),
                        _cell(c.value, "num"),
                        _cell(_bound(c), "num"),
                        _cell(_verdict(c), "pass" if c.passed else "fail"),
                    ]
                    for c in gate
                ],
            )
        )
    header = ["metric", "assistant", *(["baseline"] if baseline else []), "meaning"]
    rows = [
        [
            _cell(key),
            _cell(summary[key], "num"),
            *([_cell(baseline["summary"].get(key), "num")] if baseline else []),
            _cell(DEFINITIONS.get(key, "(undefined)")),
        ]
        for key in _metric_keys(summary)
    ]
    parts += ["<h2>Metrics</h2>", _table(header, rows)]
    if change:
        parts.append(f"<h2>Compared with {html.escape(change['old'])}</h2>")
        parts.append(
            _table(
                ["metric", "before", "now", "change"],
                [
                    [
                        _cell(key),
                        _cell(before, "num"),
                        _cell(value, "num"),
                        _cell(f"{value - before:+.4g}", "num"),
                    ]
                    for key, before, value in change["metrics"]
                ],
            )
        )
        for label, rows_ in (
            ("Newly failing", change["newly_failing"]),
            ("Newly passing", change["newly_passing"]),
        ):
            items = "".join(
                f"<li><b>{html.escape(r['id'])}</b> {html.escape(r['question'])}</li>"
                for r in rows_
            )
            parts.append(f"<h3>{label} ({len(rows_)})</h3><ul>{items}</ul>")
    return parts


def write_report(
    folder: Path,
    document: dict,
    baseline: dict | None = None,
    *,
    gate: list[GateCheck] | None = None,
    change: dict | None = None,
) -> Path:
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
    page = (
        f"<!doctype html><meta charset='utf-8'><title>Evaluation report</title><style>{STYLE}</style>"
        + "".join(_html_sections(document, baseline, gate, change))
        + f"<h2>Charts</h2>{images}<h2>Failed items ({len(failed)})</h2>{failures}"
    )
    (folder / "index.html").write_text(page, encoding="utf-8")
    (folder / "summary.md").write_text(
        markdown_report(document, baseline, gate, change), encoding="utf-8"
    )
    return folder / "index.html"
