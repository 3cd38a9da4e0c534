"""The corpus document model and its front-matter rules."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
URL = re.compile(r"^(https?://\S+|uploads/\S+)$")
# Also the CLI's choices for --kind and --language.
Kind = Literal["ecosystem", "history"]
Language = Literal["en", "nl"]


class Milestone(BaseModel):
    """One dated event of a history page, drawn on the timeline."""

    year: int = Field(ge=1400, le=2100)
    event: str = Field(min_length=3, max_length=300)


class FrontMatter(BaseModel):
    """What every corpus page declares about itself."""

    model_config = ConfigDict(extra="forbid")

    id: str
    title: str = Field(min_length=3, max_length=200)
    kind: Kind
    language: Language
    sources: list[str] = Field(min_length=1)
    updated: dt.date | None = None
    tags: list[str] = Field(default_factory=list)
    milestones: list[Milestone] = Field(default_factory=list)
    # The id of the same page in the other language; corpus pages need one, uploads do not.
    twin: str | None = None

    @field_validator("id", "twin")
    @classmethod
    def _slug(cls, value: str | None) -> str | None:
        if value is None:
            return value
        if not SLUG.match(value) or len(value) > 100:
            raise ValueError("must be a slug: lowercase letters, digits and hyphens")
        return value

    @field_validator("sources")
    @classmethod
    def _urls(cls, values: list[str]) -> list[str]:
        bad = [v for v in values if not URL.match(str(v))]
        if bad:
            raise ValueError(f"not a URL: {bad[0]!r}")
        return values


class DocumentError(ValueError):
    """A file that cannot become a document; the message says why, in one line."""


def validate_front_matter(data: object) -> FrontMatter:
    """Parse front matter, turning pydantic's report into one readable line."""
    if not isinstance(data, dict):
        raise DocumentError("front matter must be a YAML mapping")
    try:
        return FrontMatter.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "front matter"
        raise DocumentError(f"front matter field '{where}': {first['msg']}") from None


@dataclass
class SourceDocument:
    """A loaded document, ready to chunk."""

    meta: FrontMatter
    text: str
    path: str
    content_hash: str = field(init=False)

    def __post_init__(self) -> None:
        digest = hashlib.sha256()
        digest.update(self.meta.model_dump_json().encode())
        digest.update(self.text.encode())
        self.content_hash = digest.hexdigest()

    @property
    def doc_id(self) -> str:
        return self.meta.id


def slugify(name: str) -> str:
    """A safe id / file stem from any name."""
    import unicodedata

    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug[:80].strip("-") or "document"
