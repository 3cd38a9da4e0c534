"""Per-item scores and their aggregates: retrieval, answers, refusals, citations, latency."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from assistant.answers import Answer
from assistant.evaluation.dataset import EvalItem
from assistant.lexical import match_text, terms

MARKER = re.compile(r"\[(\d+)\]")


def found_terms(expected: list[str], text: str) -> list[str]:
    folded = match_text(text)
    return [term for term in expected if match_text(term) in folded]


def expected_docs(item: EvalItem, contexts: list[dict]) -> set[str]:
    """The documents that should be retrieved: given, or those whose text holds every term."""
    if item.expected_doc_ids:
        return set(item.expected_doc_ids)
    return {
        c["doc_id"]
        for c in contexts
        if item.must_include
        and len(found_terms(item.must_include, c["text"])) == len(item.must_include)
    }


def citation_validity(answer: Answer) -> float:
    """1.0 when every [n] in the text points to a citation of this answer that was retrieved."""
    markers = [int(m) for m in MARKER.findall(answer.text)]
    if not markers:
        return 1.0 if answer.refused else 0.0
    cited = {c.number: c for c in answer.citations}
    retrieved = (
        {c.doc_id for c in answer.contexts}
        if answer.contexts
        else {c.doc_id for c in answer.citations}
    )
    valid = [n in cited and cited[n].doc_id in retrieved for n in markers]
    return sum(valid) / len(valid)


def groundedness(answer: Answer) -> float:
    """Share of answer claims supported by a chunk they cite (verbatim, or by most of their words).

    A claim is the text before a run of markers: "Sanofi bought Ablynx in 2018. [1]".
    """
    if answer.refused:
        return 1.0
    cited = {c.number: c.text for c in answer.citations}
    pieces = re.split(r"((?:\s*\[\d+\])+)", answer.text)
    claims = [
        (pieces[i].strip(), pieces[i + 1])
        for i in range(0, len(pieces) - 1, 2)
        if pieces[i].strip()
    ]
    tail = pieces[-1].strip() if len(pieces) % 2 else ""
    total = len(claims) + (1 if tail else 0)
    if not total:
        return 0.0
    supported = 0
    for claim, markers in claims:
        sources = [cited[int(n)] for n in MARKER.findall(markers) if int(n) in cited]
        words = set(terms(claim))
        if any(
            claim in s or (words and len(words & set(terms(s))) / len(words) >= 0.7)
            for s in sources
        ):
            supported += 1
    return supported / total


@dataclass
class ItemScore:
    """Everything measured for one question."""

    id: str
    question: str
    topic: str
    language: str
    answerable: bool
    answer: str
    refused: bool
    citations: list[dict]
    contexts: list[dict]
    latency_ms: float
    must_include: list[str]
    found_in_answer: list[str]
    found_in_contexts: list[str]
    hit_rank: int | None
    citation_validity: float
    groundedness: float
    notice: str = ""
    kind: str = ""

    @property
    def passed(self) -> bool:
        if not self.answerable:
            return self.refused
        return not self.refused and len(self.found_in_answer) == len(self.must_include)


def score_item(item: EvalItem, answer: Answer, latency_ms: float) -> ItemScore:
    contexts = [{"doc_id": c.doc_id, "text": c.text, "score": c.score} for c in answer.contexts]
    expected = expected_docs(item, contexts)
    order = list(dict.fromkeys(c["doc_id"] for c in contexts))
    hit_rank = next((rank for rank, doc in enumerate(order, 1) if doc in expected), None)
    context_text = " ".join(c["text"] for c in contexts)
    return ItemScore(
        id=item.id,
        question=item.question,
        topic=item.topic,
        language=item.language,
        answerable=item.answerable,
        answer=answer.text,
        refused=answer.refused,
        citations=[
            {"number": c.number, "doc_id": c.doc_id, "title": c.title, "url": c.url}
            for c in answer.citations
        ],
        contexts=contexts,
        latency_ms=round(latency_ms, 2),
        must_include=item.must_include,
        found_in_answer=found_terms(item.must_include, answer.text),
        found_in_contexts=found_terms(item.must_include, context_text),
        hit_rank=hit_rank,
        citation_validity=citation_validity(answer),
        groundedness=groundedness(answer),
        notice=answer.notice,
        kind=item.kind,
    )


def _mean(values: list[float]) -> float | None:
    return round(float(np.mean(values)), 4) if values else None


def summarise(scores: list[ItemScore]) -> dict:
    """Overall metrics (see README 'Evaluation' for definitions)."""
    answerable = [s for s in scores if s.answerable]
    unanswerable = [s for s in scores if not s.answerable]
    refused = [s for s in scores if s.refused]
    with_terms = [s for s in answerable if s.must_include]
    answered = [s for s in scores if not s.refused]
    latencies = [s.latency_ms for s in scores]
    return {
        "items": len(scores),
        "pass_rate": _mean([float(s.passed) for s in scores]),
        "hit_at_1": _mean([float(s.hit_rank == 1) for s in answerable]),
        "hit_at_5": _mean([float(s.hit_rank is not None and s.hit_rank <= 5) for s in answerable]),
        "mrr": _mean([1.0 / s.hit_rank if s.hit_rank else 0.0 for s in answerable]),
        "context_recall": _mean(
            [len(s.found_in_contexts) / len(s.must_include) for s in with_terms]
        ),
        "answer_recall": _mean([len(s.found_in_answer) / len(s.must_include) for s in with_terms]),
        "answer_pass": _mean([float(s.passed) for s in answerable]),
        "refusal_recall": _mean([float(s.refused) for s in unanswerable]),
        "refusal_precision": _mean([float(not s.answerable) for s in refused]) if refused else None,
        "false_refusal_rate": _mean([float(s.refused) for s in answerable]),
        "citation_validity": _mean([s.citation_validity for s in answered]),
        "groundedness": _mean([s.groundedness for s in answered]),
        "latency_p50_ms": round(float(np.percentile(latencies, 50)), 1) if latencies else None,
        "latency_p95_ms": round(float(np.percentile(latencies, 95)), 1) if latencies else None,
    }


def summarise_by(scores: list[ItemScore], field: str) -> dict[str, dict]:
    groups: dict[str, list[ItemScore]] = defaultdict(list)
    for score in scores:
        groups[getattr(score, field)].append(score)
    return {name: summarise(group) for name, group in sorted(groups.items())}
