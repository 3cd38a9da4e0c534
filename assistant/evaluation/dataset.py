"""The evaluation dataset: one JSON object per line (see tests/eval/questions.jsonl)."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError


class EvalItem(BaseModel):
    """A question with the facts a correct answer contains."""

    id: str
    question: str
    must_include: list[str] = Field(default_factory=list)
    answerable: bool = True
    history: list[str] = Field(default_factory=list)
    expected_doc_ids: list[str] = Field(default_factory=list)
    topic: str = "general"
    language: str = "en"
    # The phrasing class ("keyword", "typo", "followup", "live", ...), for per-kind tables.
    kind: str = ""
    # train / dev / test, recorded in the data so that every run uses the same split.
    split: str = ""


def load_dataset(path: Path, split: str | None = None) -> list[EvalItem]:
    """Read and validate the dataset (only the items of `split`, when given); a bad line
    raises ValueError naming its number."""
    items = []
    seen: set[str] = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = EvalItem.model_validate(json.loads(line))
        except (json.JSONDecodeError, ValidationError) as error:
            raise ValueError(f"{path}:{number}: {error}") from None
        if item.id in seen:
            raise ValueError(f"{path}:{number}: duplicate id {item.id!r}")
        seen.add(item.id)
        items.append(item)
    if split is not None:
        items = [item for item in items if item.split == split]
        if not items:
            raise ValueError(f"{path}: no items in split {split!r}")
    return items
