"""The history timeline: milestones from the front matter of the history pages, in the
page's language (every history page has a twin, so both languages show the same events).

Drawn as inline SVG (one lane per page, one dot per milestone) plus a year-by-year list,
so it needs no JavaScript library and no network. Every dot and entry links to the page's
first source, and shows the year and the event.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import gradio as gr

from assistant.lexical import terms
from ingest.documents import DocumentError, validate_front_matter
from ingest.loaders import split_front_matter
from ui.render import escape_text, safe_url
from ui.texts import ENGLISH, texts_for

logger = logging.getLogger(__name__)

LANE_HEIGHT = 18
LABEL_WIDTH = 190
CHART_WIDTH = 980
LABEL_CHARS = 30
# Share of words two same-year events must have in common to be one milestone told twice
# ("becomes head of a new bacteriological institute" / "... anti-rabies and bacteriological").
REPEAT_OVERLAP = 0.6


@dataclass(frozen=True)
class Milestone:
    """One dot on the timeline."""

    year: int
    event: str
    doc_id: str
    page: str
    url: str


def load_milestones(corpus_dir: Path, language: str = "en") -> list[Milestone]:
    """Milestones of every history page in `language`, sorted by year; broken pages are
    skipped."""
    milestones: list[Milestone] = []
    for path in sorted(corpus_dir.rglob("*.md")):
        try:
            front, _ = split_front_matter(path.read_text(encoding="utf-8"))
            if front is None:
                continue
            meta = validate_front_matter(front)
        except (DocumentError, OSError, UnicodeDecodeError) as error:
            logger.info("Timeline skips %s: %s", path, error)
            continue
        if meta.kind != "history" or meta.language != language:
            continue
        url = next((s for s in meta.sources if safe_url(s)), "")
        page = meta.title.split(":")[0].strip()
        milestones.extend(Milestone(m.year, m.event, meta.id, page, url) for m in meta.milestones)
    return sorted(without_repeats(milestones, language), key=lambda m: (m.year, m.page))


def without_repeats(milestones: list[Milestone], language: str = "en") -> list[Milestone]:
    """One dot per event: an overview page and a person's page often give the same milestone
    in other words. Of a same-year pair sharing most of their words, the one from the page
    the event is most about (its title's words in the event) stays, then the longer text."""

    def about(m: Milestone) -> tuple[int, int]:
        return len(set(terms(m.page, language)) & set(terms(m.event, language))), len(m.event)

    kept: list[Milestone] = []
    for m in sorted(milestones, key=about, reverse=True):
        words = set(terms(m.event, language))
        if not any(
            k.year == m.year and _similar(words, set(terms(k.event, language))) for k in kept
        ):
            kept.append(m)
    return kept


def _similar(a: set[str], b: set[str]) -> bool:
    return bool(a and b) and len(a & b) / len(a | b) >= REPEAT_OVERLAP


def _wrap_link(url: str, inner: str) -> str:
    href = safe_url(url) if url else None
    if href is None:
        return inner
    return f"<a href='{href}' target='_blank' rel='noopener noreferrer nofollow'>{inner}</a>"


def chart_svg(milestones: list[Milestone], label: str = ENGLISH.timeline_chart) -> str:
    """One lane per page, ordered by its first milestone; x is the year."""
    lanes: dict[str, int] = {}
    for m in milestones:
        lanes.setdefault(m.page, len(lanes))
    first = min(m.year for m in milestones) // 10 * 10
    last = (max(m.year for m in milestones) // 10 + 1) * 10
    plot = CHART_WIDTH - LABEL_WIDTH - 30  # room for the last year label
    height = len(lanes) * LANE_HEIGHT + 30

    def x(year: int) -> float:
        return LABEL_WIDTH + (year - first) / (last - first) * plot

    parts = [
        f"<svg class='fa-timeline-chart' viewBox='0 0 {CHART_WIDTH} {height}' role='img'"
        f" aria-label='{escape_text(label)}'>"
    ]
    step = 10 if last - first <= 80 else 20
    for year in range(first, last + 1, step):
        parts.append(
            f"<line x1='{x(year):.1f}' x2='{x(year):.1f}' y1='0' y2='{height - 20}' class='fa-grid'/>"
            f"<text x='{x(year):.1f}' y='{height - 6}' class='fa-axis'>{year}</text>"
        )
    for page, lane in lanes.items():
        y = lane * LANE_HEIGHT + LANE_HEIGHT / 2 + 4
        label = page if len(page) <= LABEL_CHARS else page[: LABEL_CHARS - 1].rstrip() + "…"
        # The full name is the group's first child <title>: the hover text of the whole row.
        parts.append(
            f"<g class='fa-lane-row'><title>{escape_text(page)}</title>"
            f"<rect x='0' y='{y - LANE_HEIGHT / 2:.1f}' width='{LABEL_WIDTH}'"
            f" height='{LANE_HEIGHT}' class='fa-lane-hit'/>"
            f"<text x='4' y='{y + 4:.1f}' class='fa-lane'>{escape_text(label)}</text></g>"
        )
    for m in milestones:
        y = lanes[m.page] * LANE_HEIGHT + LANE_HEIGHT / 2 + 4
        tip = escape_text(f"{m.year}: {m.event} ({m.page})")
        dot = f"<circle cx='{x(m.year):.1f}' cy='{y:.1f}' r='5' class='fa-dot'><title>{tip}</title></circle>"
        parts.append(_wrap_link(m.url, dot))
    parts.append("</svg>")
    return "".join(parts)


def timeline_html(milestones: list[Milestone], language: str = "en") -> str:
    """The chart, then every milestone as a list entry (readable on a phone and to screen readers)."""
    texts = texts_for(language)
    if not milestones:
        return f"<p>{escape_text(texts.timeline_empty)}</p>"
    entries = "".join(
        f"<li><span class='fa-year'>{m.year}</span> "
        f"{_wrap_link(m.url, escape_text(m.event))} "
        f"<span class='fa-page'>({escape_text(m.page)})</span></li>"
        for m in milestones
    )
    return (
        f"<div class='fa-timeline'><div class='fa-chart-scroll'>"
        f"{chart_svg(milestones, texts.timeline_chart)}</div>"
        f"<ol class='fa-milestones'>{entries}</ol></div>"
    )


@dataclass
class TimelineParts:
    """The timeline tab's components: an intro line and the chart with its list."""

    intro: gr.Markdown
    chart: gr.HTML

    def components(self) -> list[gr.components.Component]:
        return [self.intro, self.chart]


def timeline_update(corpus_dir: Path, language: str) -> list:
    """Updates for TimelineParts.components(): the milestones in `language`, read now (staff
    may have changed a page)."""
    milestones = load_milestones(corpus_dir, language)
    intro = texts_for(language).timeline_intro.format(count=len(milestones))
    return [gr.Markdown(intro), gr.HTML(timeline_html(milestones, language))]


def build_timeline(corpus_dir: Path) -> TimelineParts:
    """The timeline tab's content in English, read from the corpus when the app is built."""
    milestones = load_milestones(corpus_dir)
    intro = gr.Markdown(ENGLISH.timeline_intro.format(count=len(milestones)))
    return TimelineParts(intro, gr.HTML(timeline_html(milestones), elem_id="fa-timeline"))
