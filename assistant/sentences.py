"""Sentence splitting that survives 'e.g.', 'Dr.', initials and decimal numbers."""

from __future__ import annotations

import re

ABBREVIATIONS = (
    "e.g",
    "i.e",
    "etc",
    "dr",
    "prof",
    "mr",
    "mrs",
    "ms",
    "st",
    "vs",
    "approx",
    "ca",
    "no",
    "nr",
    "inc",
    "ltd",
    "co",
    "corp",
    "jr",
    "sr",
    "fig",
    "resp",
    "bv",
    "nv",
    "z.g",
    "o.a",
    "bijv",
    "dhr",
    "mevr",
)
BOUNDARY = re.compile(r"(?<=[.!?])[\"”’)]?\s+(?=[\"“(]?\w)")


def split_sentences(text: str) -> list[str]:
    """Sentences of a passage; list items and headings stay separate sentences."""
    sentences: list[str] = []
    for block in re.split(r"\n+", text):
        block = re.sub(r"^\s*(?:[-*+]|\d+[.)])\s+", "", block).strip()
        if not block or block.startswith("#"):
            continue
        start = 0
        for match in BOUNDARY.finditer(block):
            candidate = block[start : match.start()].strip()
            last_word = candidate.rsplit(" ", 1)[-1].rstrip(".").lower()
            if last_word in ABBREVIATIONS or re.fullmatch(r"[a-z]", last_word):
                continue  # "Dr. Paul Janssen", "J. Schell": not a boundary
            sentences.append(candidate)
            start = match.end()
        tail = block[start:].strip()
        if tail:
            sentences.append(tail)
    return [s for s in sentences if len(s) > 2]
