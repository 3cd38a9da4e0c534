"""Which of a page's sources back each of its sections.

A citation should link to what stands behind the quoted passage, not to the page's first
links. A section's own links (Markdown or bare URLs in its text) are its sources. Pages that
list their sources only in the front matter get each source assigned to the sections whose
words its URL shares most: news URLs are slugs of their headlines
(".../europes-first-car-t-production-site...-ghent"). Words every section shares (the
page's own name) say nothing about where a source belongs and weigh nothing. A section no
source matches keeps the page's full list.
"""

from __future__ import annotations

import math
import re
from urllib.parse import unquote, urlsplit

from assistant.lexical import terms

LINK = re.compile(r"https?://[^\s<>()\[\]\"']+[^\s<>()\[\]\"'.,;:!?]")
# Parts of URLs that name no topic.
URL_NOISE = frozenset(
    terms(
        "http https www com org net be eu nl en fr de html htm aspx php amp page pages view "
        "article articles news nieuws full content detail default index magazine blog"
    )
)


def inline_links(text: str) -> list[str]:
    """The http(s) URLs written in a section's text, in order, without repeats."""
    return list(dict.fromkeys(LINK.findall(text)))


def url_terms(url: str) -> set[str]:
    """Stemmed words of a URL's host and path ('car-t-production' -> car, t, product ...)."""
    parts = urlsplit(url)
    text = re.sub(r"[^A-Za-z0-9]+", " ", unquote(f"{parts.hostname or ''} {parts.path}"))
    return {t for t in terms(text) if t not in URL_NOISE and not t.isdigit() and len(t) > 1}


def section_sources(sections: list[str], page_sources: list[str]) -> list[list[str]]:
    """For each section text (heading included), the URLs that back it."""
    own = [inline_links(text) for text in sections]
    words = [set(terms(text)) for text in sections]
    count = len(sections)
    # Inverse section frequency: a word in every section weighs 0.
    weight = {term: math.log(count / sum(term in w for w in words)) for w in words for term in w}
    assigned: list[list[str]] = [[] for _ in sections]
    for url in page_sources:
        wanted = url_terms(url)
        scores = [sum(weight[t] for t in wanted & w) for w in words]
        best = max(scores, default=0.0)
        if best > 0:
            for number, score in enumerate(scores):
                if score == best:
                    assigned[number].append(url)
    return [
        links or matched or list(page_sources) for links, matched in zip(own, assigned, strict=True)
    ]
