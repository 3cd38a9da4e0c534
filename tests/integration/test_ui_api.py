"""The running web app seen by programs: concurrent visitors, direct calls to staff handlers,
the password and private files never leaking.

Staff handlers are hidden from the API page, but Gradio still runs any event by its index;
these tests call them that way, as an attacker would, from sessions that never logged in.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import httpx
import pytest

from assistant.config import Settings
from ingest.indexing import Indexer
from tests.conftest import running_app

pytestmark = pytest.mark.slow
gradio_client = pytest.importorskip("gradio_client", reason="needs gradio_client")

PASSWORD = "tr0ub4dor&3-staff-only"
NOT_LOGGED_IN = "log in"
QUESTIONS = {
    "Who acquired Ablynx?": "Sanofi",
    "Wie richtte argenx op?": "Van Hauwermeiren",
    "When was UCB founded?": "1928",
    "Who founded UCB?": "Emmanuel Janssen",
}


@dataclass
class Server:
    url: str
    settings: Settings
    indexer: Indexer


@pytest.fixture(scope="module")
def server(tmp_path_factory, model_cache, embeddings) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("api-app")
    with running_app(
        root, model_cache, embeddings, admin_password=PASSWORD, max_concurrency=4
    ) as app:
        yield Server(*app)


def fn_index(server: Server, api_name: str) -> int:
    config = httpx.get(f"{server.url}/config", timeout=10).json()
    return next(d["id"] for d in config["dependencies"] if d.get("api_name") == api_name)


def call_event(server: Server, api_name: str, data: list) -> tuple[dict, str]:
    """Run one event by index from a brand-new session; returns the final message and raw text."""
    session = uuid.uuid4().hex
    raw = []
    with httpx.Client(base_url=server.url, timeout=60) as http:
        joined = http.post(
            "/gradio_api/queue/join",
            json={
                "data": data,
                "fn_index": fn_index(server, api_name),
                "session_hash": session,
                "event_data": None,
                "trigger_id": None,
            },
        )
        raw.append(joined.text)
        joined.raise_for_status()
        with http.stream("GET", "/gradio_api/queue/data", params={"session_hash": session}) as sse:
            for line in sse.iter_lines():
                raw.append(line)
                if line.startswith("data:"):
                    message = json.loads(line[5:])
                    if message.get("msg") == "process_completed":
                        return message, "\n".join(raw)
    raise AssertionError("the event never completed")


def test_parallel_visitors_all_get_correct_answers(server):
    questions = list(QUESTIONS.items()) * 5

    def ask(item: tuple[str, str]) -> tuple[str, str, str]:
        question, expected = item
        client = gradio_client.Client(server.url, verbose=False)
        messages, _ = client.predict(question, [], "all", api_name="/ask")
        return question, expected, messages[-1]["content"][0]["text"]

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(ask, questions))
    assert len(results) == 20
    for question, expected, html in results:
        assert expected in html, f"{question!r}: {html[:300]}"
        assert "fa-sources" in html and "fa-refusal" not in html


def test_json_endpoint_answers_and_reports_bad_questions(server):
    client = gradio_client.Client(server.url, verbose=False)
    answer = client.predict("Who acquired Ablynx?", [], "history", api_name="/answer")
    assert "Sanofi" in answer["text"] and not answer["refused"]
    assert "ablynx" in {c["doc_id"] for c in answer["citations"]}
    with pytest.raises(gradio_client.exceptions.AppError, match="type a question"):
        client.predict("   ", [], "all", api_name="/answer")


def test_staff_handlers_are_not_in_the_public_api(server):
    api = gradio_client.Client(server.url, verbose=False).view_api(
        print_info=False, return_format="dict"
    )
    names = set(api["named_endpoints"]) | set(api.get("unnamed_endpoints", {}))
    assert names == {"/ask", "/answer"}


@pytest.mark.parametrize(
    ("api_name", "data"),
    [
        ("upload", [True, None, "", "", "", "", False]),
        ("remove", [True, None]),
        ("full_sync", [True]),
        ("refresh", [True]),
    ],
)
def test_staff_handlers_refuse_sessions_that_did_not_log_in(server, api_name, data):
    before = {r.doc_id for r in server.indexer.documents()}
    message, raw = call_event(server, api_name, data)  # `True` for the flag is ignored
    assert message["success"] is False
    assert NOT_LOGGED_IN in message["output"]["error"]
    assert "Traceback" not in raw
    assert {r.doc_id for r in server.indexer.documents()} == before


def test_login_answers_never_contain_the_password(server, caplog):
    caplog.set_level(logging.INFO)
    _, wrong_raw = call_event(server, "login", [PASSWORD[:-1]])
    assert "Wrong password" in wrong_raw
    _, right_raw = call_event(server, "login", [PASSWORD])
    assert "Logged in" in right_raw
    config = httpx.get(f"{server.url}/config", timeout=10).text
    for text in (wrong_raw, right_raw, config):
        assert PASSWORD not in text and PASSWORD[:-1] not in text
    refusals = [r for r in caplog.records if "login refused" in r.getMessage()]
    assert refusals, "a wrong password must be logged"
    assert all(PASSWORD[:-1] not in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    "path",
    [
        "/gradio_api/file=/etc/passwd",
        "/file=/etc/passwd",
        "/gradio_api/file=../../../../etc/passwd",
        "/gradio_api/file=%2Fetc%2Fpasswd",
        "/gradio_api/file={data}/feedback.sqlite",
        "/gradio_api/file={data}/records.sqlite",
        "/file={data}/records.sqlite",
        "/gradio_api/file={corpus}/history/ablynx.md",
    ],
)
def test_file_routes_refuse_files_outside_gradio(server, path):
    url = server.url + path.format(
        data=server.settings.data_dir.resolve(), corpus=server.settings.corpus_dir.resolve()
    )
    response = httpx.get(url, timeout=10)
    assert response.status_code in (403, 404), response.status_code
    assert not re.search(r"root:.*:0:0:|SQLite format|Nanobody", response.text)
