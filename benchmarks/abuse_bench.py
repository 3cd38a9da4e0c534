"""Abuse figures: memory taken by oversized questions, and password guesses per second.

    python benchmarks/abuse_bench.py [--source DIR] [--sessions 20] [--question-mb 10]
                                     [--attackers 5] [--seconds 20]

Indexes a few shipped pages in a temporary data dir and starts the app (`serve`, with a staff
password) from `--source` (default: this checkout; pass an export of an older commit to
measure "before"). Then:
1. RSS of the server before and after `--sessions` new sessions each send one question of
   `--question-mb` MB, and again after a pause;
2. `--attackers` parallel clients, each from its own loopback address (127.0.0.2…), guess
   passwords for `--seconds`; prints the guesses the server actually checked per second,
   and how long a legitimate login from another address (127.0.0.99) took meanwhile.
Every request goes to 127.0.0.x; every loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load_bench import free_port, rss_mb, wait_for

ROOT = Path(__file__).resolve().parents[1]
PAGES = ["history/ablynx.md", "history/argenx.md", "history/ucb-history.md"]
PASSWORD = "bench-staff-password-1"


def client_for(url: str, address: str) -> httpx.Client:
    return httpx.Client(
        base_url=url, timeout=60, transport=httpx.HTTPTransport(local_address=address)
    )


def fn_index(url: str, api_name: str) -> int | None:
    config = httpx.get(f"{url}/config", timeout=10).json()
    return next((d["id"] for d in config["dependencies"] if d.get("api_name") == api_name), None)


def run_event(http: httpx.Client, fn: int, data: list) -> str:
    """Join the queue from a new session and read its events to the end; the raw text."""
    session = uuid.uuid4().hex
    body = {"data": data, "fn_index": fn, "session_hash": session}
    joined = http.post("/gradio_api/queue/join", json={**body, "event_data": None})
    if joined.status_code != 200:
        return f"HTTP {joined.status_code}"
    lines = []
    with http.stream("GET", "/gradio_api/queue/data", params={"session_hash": session}) as sse:
        for line in sse.iter_lines():
            lines.append(line)
            if '"process_completed"' in line:
                break
    return "\n".join(lines)


def login(http: httpx.Client, url: str, password: str) -> str:
    """One guess, by the login route (new code) or the Gradio login event (before it)."""
    response = http.post("/staff/login", data={"password": password})
    if response.status_code not in (404, 405):
        return response.text
    return run_event(http, fn_index(url, "login"), [password])


def memory(url: str, pid: int, sessions: int, size_mb: int) -> None:
    fn = fn_index(url, "ask")
    question = "Who acquired Ablynx? " + "x" * (size_mb * 1_000_000)
    before = rss_mb(pid)
    outcomes: dict[str, int] = {}
    with client_for(url, "127.0.0.1") as http:
        for _ in range(sessions):
            raw = run_event(http, fn, [question, [], [], "all", "en"])
            key = raw if raw.startswith("HTTP") else "answered (rejected by length)"
            outcomes[key] = outcomes.get(key, 0) + 1
    after = rss_mb(pid)
    time.sleep(10)
    settled = rss_mb(pid)
    print(f"oversized questions: {sessions} sessions x {size_mb} MB -> {outcomes}")
    print(
        f"  RSS before {before:.0f} MB, after {after:.0f} MB (+{after - before:.0f}), "
        f"10 s later {settled:.0f} MB (+{settled - before:.0f})"
    )


def guessing(url: str, attackers: int, seconds: float) -> None:
    checked = refused = 0
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def attack(number: int) -> None:
        nonlocal checked, refused
        with client_for(url, f"127.0.0.{number + 2}") as http:
            guess = 0
            while time.monotonic() < stop and guess < 10_000:
                guess += 1
                text = login(http, url, f"wrong-{number}-{guess}")
                with lock:
                    if "Wrong password" in text:
                        checked += 1
                    else:
                        refused += 1
                if "Wrong password" not in text:
                    time.sleep(0.05)  # refused at once: do not spin

    threads = [threading.Thread(target=attack, args=(n,)) for n in range(attackers)]
    for thread in threads:
        thread.start()
    time.sleep(seconds / 2)
    with client_for(url, "127.0.0.99") as http:
        started = time.perf_counter()
        text = login(http, url, PASSWORD)
        legit = time.perf_counter() - started
    for thread in threads:
        thread.join()
    print(
        f"password guessing: {attackers} clients for {seconds:.0f} s -> {checked} guesses checked "
        f"({checked / seconds:.2f}/s), {refused} refused unchecked"
    )
    print(f"  legitimate login from another address: {legit:.2f} s, ok={'Logged in' in text}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--source", type=Path, default=ROOT)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--question-mb", type=int, default=10)
    parser.add_argument("--attackers", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="fa-abuse-"))
    corpus = work / "corpus"
    for page in PAGES:
        (corpus / page).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / "corpus" / page, corpus / page)
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(args.source.resolve()),
        "FA_CORPUS_DIR": str(corpus),
        "FA_DATA_DIR": str(work / "data"),
        "FA_PORT": str(port),
        "FA_ADMIN_PASSWORD": PASSWORD,
    }
    command = [sys.executable, "-c", "from cli.main import app; app()"]
    subprocess.run([*command, "ingest"], env=env, cwd=args.source, check=True)
    log = (work / "serve.log").open("w")
    server = subprocess.Popen(
        [*command, "serve"], env=env, cwd=args.source, stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{url}/config")
        time.sleep(5)  # let the sentence warm-up finish before measuring memory
        print(json.dumps({"source": str(args.source.resolve())}))
        memory(url, server.pid, args.sessions, args.question_mb)
        guessing(url, args.attackers, args.seconds)
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
