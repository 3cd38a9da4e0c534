"""`POST /api/ask`: the answer as plain JSON, for programs and other sites.

Served by the same process and behind the same request guard as the web page (body size
limit, no staff routes), with the contract of `flanders-assistant ask --json`: the question
is checked by the same rules, and the body is `Answer.to_dict()`. A question the assistant
rejects is a 400 with its message; an unavailable index is a 503.
"""

from __future__ import annotations

import logging
from typing import Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.routing import BaseRoute

from assistant.answers import QuestionError
from assistant.service import Assistant
from assistant.store import StoreUnavailable
from ui.texts import texts_for

logger = logging.getLogger(__name__)

PATH = "/api/ask"


class AskRequest(BaseModel):
    """The JSON body: the question, earlier questions of the conversation, and filters."""

    model_config = ConfigDict(extra="forbid")

    question: str
    history: list[str] = Field(default_factory=list, max_length=20)
    kind: Literal["all", "ecosystem", "history"] = "all"
    # The answer's language when the question's words do not tell.
    language: Literal["en", "nl"] = "en"


def json_api_routes(assistant: Assistant) -> list[BaseRoute]:
    """The routes of the JSON API, given to the app when it is created (ahead of Gradio's)."""
    router = APIRouter()

    @router.post(PATH)
    def ask(request: AskRequest) -> JSONResponse:
        kind = request.kind if request.kind != "all" else None
        try:
            answer = assistant.answer(
                request.question, request.history, kind=kind, language=request.language
            )
        except QuestionError as error:
            return JSONResponse({"error": str(error)}, status_code=400)
        except StoreUnavailable:
            logger.exception("Index unavailable while answering %s", PATH)
            return JSONResponse({"error": texts_for(request.language).unavailable}, status_code=503)
        return JSONResponse(answer.to_dict())

    return list(router.routes)
