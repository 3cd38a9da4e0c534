"""The running web app seen by programs: concurrent visitors, direct calls to staff handlers,
the staff cookie, the password and private files never leaking.

Staff handlers are hidden from the API page, but Gradio still runs any event by its index;
these tests call them that way, as an attacker would: from sessions that never logged in,
and with the session hash of a session that did.
"""

from __future__ import annotations

import json
import logging
import re
import time
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


def call_event(
    server: Server,
    api_name: str,
    data: list,
    *,
    cookies: httpx.Cookies | None = None,
    session: str | None = None,
) -> tuple[dict, str]:
    """Run one event by index (by default from a brand-new session, without cookies);
    returns the final message and the raw text."""
    session = session or uuid.uuid4().hex
    raw = []
    with httpx.Client(base_url=server.url, timeout=60, cookies=cookies) as http:
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
        messages, *_ = client.predict(question, [], "all", api_name="/ask")
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
    # The language decides when the question's words do not tell.
    dutch = client.predict("ablynx sanofi", [], "all", "nl", api_name="/answer")
    assert dutch["language"] == "nl" and "Sanofi" in dutch["text"]
    with pytest.raises(gradio_client.exceptions.AppError, match="Typ een vraag"):
        client.predict("   ", [], "all", "nl", api_name="/answer")


def test_json_api_answers_with_the_ask_json_contract(server):
    url = f"{server.url}/api/ask"
    response = httpx.post(url, json={"question": "Who acquired Ablynx?"}, timeout=60)
    assert response.status_code == 200
    answer = response.json()
    assert "Sanofi" in answer["text"] and not answer["refused"]
    assert {"text", "citations", "refused", "backend", "language", "contexts"} <= set(answer)
    assert "ablynx" in {c["doc_id"] for c in answer["citations"]}
    follow_up = httpx.post(
        url, json={"question": "When was that?", "history": ["Who acquired Ablynx?"]}, timeout=60
    ).json()
    assert "2018" in follow_up["text"]
    dutch = httpx.post(url, json={"question": "ablynx sanofi", "language": "nl"}, timeout=60)
    assert dutch.json()["language"] == "nl"


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"question": "   "}, 400, "type a question"),
        ({"question": "x" * 5000}, 400, "5,000 characters"),
        ({"question": "   ", "language": "nl"}, 400, "Typ een vraag"),
        ({"question": 42}, 422, "question"),
        ({"question": "Who?", "kind": "news"}, 422, "kind"),
        ({"question": "Who?", "admin": True}, 422, "admin"),
        ({}, 422, "question"),
    ],
)
def test_json_api_refuses_bad_requests_with_a_clear_error(server, body, status, message):
    response = httpx.post(f"{server.url}/api/ask", json=body, timeout=60)
    assert response.status_code == status
    assert message in response.text


def test_json_api_is_behind_the_request_guard(server):
    question = "Who acquired Ablynx? " + "x" * (server.settings.max_request_kb * 1024)
    response = httpx.post(f"{server.url}/api/ask", json={"question": question}, timeout=30)
    assert response.status_code == 413


def test_staff_handlers_are_not_in_the_public_api(server):
    api = gradio_client.Client(server.url, verbose=False).view_api(
        print_info=False, return_format="dict"
    )
    names = set(api["named_endpoints"]) | set(api.get("unnamed_endpoints", {}))
    assert names == {"/ask", "/answer"}


def log_in(server: Server, password: str = PASSWORD) -> httpx.Response:
    return httpx.post(f"{server.url}/staff/login", data={"password": password}, timeout=10)


@pytest.mark.parametrize(
    ("api_name", "data"),
    [
        ("upload", [None, "", "", "", "", False]),
        ("remove", [None, True]),
        ("full_sync", []),
        ("refresh", []),
    ],
)
def test_staff_handlers_refuse_sessions_that_did_not_log_in(server, api_name, data, caplog, capfd):
    caplog.set_level(logging.INFO)
    capfd.readouterr()
    before = {r.doc_id for r in server.indexer.documents()}
    message, raw = call_event(server, api_name, data)
    assert message["success"] is False
    assert NOT_LOGGED_IN in message["output"]["error"]
    assert "Traceback" not in raw
    assert {r.doc_id for r in server.indexer.documents()} == before
    refusals = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    assert len(refusals) == 1 and "not logged in" in refusals[0], refusals
    assert "Traceback" not in capfd.readouterr().err  # one line, not 25


def test_the_login_cookie_is_the_credential_not_the_session_hash(server):
    response = log_in(server)
    assert response.status_code == 200 and response.json()["ok"] is True
    set_cookie = response.headers["set-cookie"]
    assert "HttpOnly" in set_cookie and "SameSite=Strict" in set_cookie
    assert PASSWORD not in set_cookie
    session = uuid.uuid4().hex
    message, _ = call_event(server, "refresh", [], cookies=response.cookies, session=session)
    assert message["success"] is True
    # Another client presenting the same session hash, without the cookie, is refused.
    message, _ = call_event(server, "refresh", [], session=session)
    assert message["success"] is False and NOT_LOGGED_IN in message["output"]["error"]
    # A forged cookie is refused too.
    forged = httpx.Cookies({"fa_staff": response.cookies["fa_staff"][:-2] + "xx"})
    message, _ = call_event(server, "refresh", [], cookies=forged, session=session)
    assert message["success"] is False


def test_logout_invalidates_the_cookie_everywhere(server):
    cookies = log_in(server).cookies
    assert call_event(server, "refresh", [], cookies=cookies)[0]["success"] is True
    kept = httpx.Cookies({"fa_staff": cookies["fa_staff"]})  # a copy someone kept
    logout = httpx.post(f"{server.url}/staff/logout", cookies=cookies, timeout=10)
    assert logout.status_code == 200 and "Max-Age=0" in logout.headers["set-cookie"]
    message, _ = call_event(server, "refresh", [], cookies=kept)
    assert message["success"] is False and NOT_LOGGED_IN in message["output"]["error"]


def test_uploads_are_for_staff_only(server):
    files = {"files": ("note.md", b"# hello\n\nsome text here", "text/markdown")}
    anonymous = httpx.post(f"{server.url}/gradio_api/upload", files=files, timeout=10)
    assert anonymous.status_code == 403
    cookies = log_in(server).cookies
    staff = httpx.post(f"{server.url}/gradio_api/upload", files=files, cookies=cookies, timeout=10)
    assert staff.status_code == 200, staff.text


def test_login_answers_never_contain_the_password(server, caplog):
    caplog.set_level(logging.INFO)
    wrong = log_in(server, PASSWORD[:-1])
    assert wrong.status_code == 401 and "Wrong password" in wrong.text
    assert "set-cookie" not in wrong.headers
    too_soon = log_in(server, PASSWORD)  # this address must wait after a failure
    assert too_soon.status_code == 429 and "Retry-After" in too_soon.headers
    time.sleep(float(too_soon.headers["Retry-After"]) + 0.1)
    right = log_in(server)
    assert right.status_code == 200 and "Logged in" in right.text
    config = httpx.get(f"{server.url}/config", timeout=10).text
    for text in (wrong.text, right.text, config):
        assert PASSWORD not in text and PASSWORD[:-1] not in text
    messages = [r.getMessage() for r in caplog.records]
    assert any("login refused" in m for m in messages), "a wrong password must be logged"
    assert any("Staff login from" in m for m in messages), "a login must be logged"
    assert all(PASSWORD[:-1] not in m for m in messages)


def test_oversized_requests_are_refused_before_gradio(server):
    question = "Who acquired Ablynx? " + "x" * (server.settings.max_request_kb * 1024)
    response = httpx.post(
        f"{server.url}/gradio_api/queue/join",
        json={
            "data": [question, [], [], "all", "en"],
            "fn_index": fn_index(server, "ask"),
            "session_hash": uuid.uuid4().hex,
            "event_data": None,
            "trigger_id": None,
        },
        timeout=30,
    )
    assert response.status_code == 413
    message, _ = call_event(server, "ask", ["x" * 5000, [], [], "all", "en"])
    shown = message["output"]["data"][0][0]["content"][0]["text"]
    assert "5,000 characters" in message["output"]["data"][0][-1]["content"][0]["text"]
    assert len(shown) < 3000  # the rejected question is not echoed in full


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


def test_a_public_replica_with_staff_ui_off_serves_no_staff_page(tmp_path, model_cache, embeddings):
    with running_app(
        tmp_path, model_cache, embeddings, admin_password=PASSWORD, staff_ui="off"
    ) as (url, _, _):
        config = httpx.get(f"{url}/config", timeout=10).json()
        assert "fa-tab-staff" not in json.dumps(config)
        assert not any(d.get("api_name") == "login" for d in config["dependencies"])
        login = httpx.post(f"{url}/staff/login", data={"password": PASSWORD}, timeout=10)
        assert login.status_code != 200 and "set-cookie" not in login.headers
        files = {"files": ("note.md", b"# hello\n\nsome text", "text/markdown")}
        assert httpx.post(f"{url}/gradio_api/upload", files=files, timeout=10).status_code == 403
