"""The timeline: one entry per milestone even when two pages tell it, and full page names
on hover for the lane labels the chart has to shorten."""

from __future__ import annotations

import re
from pathlib import Path

from ui.timeline import Milestone, chart_svg, load_milestones, without_repeats

ROOT = Path(__file__).resolve().parents[2]


def test_the_same_event_from_two_pages_is_one_milestone():
    overview = "Roots of Flemish biotech"
    person = "Jules Bordet"
    milestones = [
        Milestone(
            1901,
            "Jules Bordet becomes head of a new bacteriological institute in Brussels",
            "era",
            overview,
            "",
        ),
        Milestone(
            1901,
            "Jules Bordet becomes head of a new anti-rabies and bacteriological institute in Brussels",
            "bordet",
            person,
            "",
        ),
        Milestone(
            1919, "Jules Bordet wins the Nobel Prize in Physiology or Medicine", "era", overview, ""
        ),
        Milestone(
            1919,
            "Jules Bordet wins the Nobel Prize in Physiology or Medicine",
            "bordet",
            person,
            "",
        ),
        Milestone(1919, "Jules Bordet's son is born in Brussels", "bordet", person, ""),
        Milestone(
            1920, "Jules Bordet wins the Nobel Prize in Physiology or Medicine", "era", overview, ""
        ),
    ]
    kept = without_repeats(milestones)
    assert len(kept) == 4  # same year and words: merged; another year or other words: kept
    assert [m.doc_id for m in kept if m.year == 1901] == ["bordet"]  # the page it is about
    assert sum(m.year == 1919 for m in kept) == 2


def test_the_shipped_timeline_tells_each_bordet_milestone_once():
    events = [(m.year, m.event) for m in load_milestones(ROOT / "corpus") if "Bordet" in m.event]
    years = [year for year, event in events if "Nobel" in event and "wins" in event]
    assert years == [1919]
    assert sum("institute in Brussels" in event and year == 1901 for year, event in events) == 1


def test_shortened_lane_labels_keep_the_full_name_on_hover():
    long_name = "Biotech in Flanders – A Stunning Story, the whole book"
    svg = chart_svg([Milestone(1990, "An event", "book", long_name, "")])
    row = re.search(r"<g class='fa-lane-row'>(.*?)</g>", svg).group(1)
    assert row.startswith(f"<title>{long_name}</title>")  # first child: the row's tooltip
    assert long_name not in re.search(r"<text[^>]*class='fa-lane'>(.*?)</text>", row).group(1)
