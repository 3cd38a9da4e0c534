"""Load figures: the real app on 127.0.0.1 driven by concurrent HTTP visitors.

    python benchmarks/load_bench.py [--levels 1,10,50] [--questions 200] [--soak 2000]

Starts a Chroma server and the app (`flanders-assistant serve`) against it, both on free
loopback ports with a temporary data dir, then for each concurrency level sends a bounded
number of questions through each path (the Gradio API and the JSON endpoint `POST /api/ask`)
and prints throughput, p50/p95/p99 latency and errors, with each path's ratio to the
in-process rate (an Assistant in this process on the same Chroma server, 1 and 4 threads,
measured in the same run); then a soak run
(RSS of the app before and after); then ingests 20 new documents through the CLI while 10
visitors keep asking, and checks that no question failed and no answer cited a chunk that is
not in the final index. Every request goes to 127.0.0.1 only; every loop is bounded.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url: str, seconds: float = 180) -> None:
    import urllib.request

    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(url)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def questions() -> list[str]:
    rows = [
        json.loads(line)
        for line in (ROOT / "tests/eval/questions.jsonl").read_text().splitlines()
        if line
    ]
    return [r["question"] for r in rows if not r.get("history")]


def call_answer(client: httpx.Client, question: str) -> dict:
    """Gradio's REST API: start the /answer event, then read its result from the SSE stream.

    Plain HTTP keeps the load generator light: it shares the machine's two cores with the app.
    """
    started = client.post("gradio_api/call/answer", json={"data": [question, [], "all", "en"]})
    started.raise_for_status()
    event_id = started.json()["event_id"]
    event = ""
    with client.stream("GET", f"gradio_api/call/answer/{event_id}") as stream:
        for line in stream.iter_lines():
            if line.startswith("event:"):
                event = line.split(":", 1)[1].strip()
            elif line.startswith("data:") and event in ("complete", "error"):
                if event == "error":
                    raise RuntimeError(line)
                return json.loads(line[5:])[0]
    raise RuntimeError("the event stream ended without a result")


def call_json(client: httpx.Client, question: str) -> dict:
    """The JSON endpoint: one POST, the Answer as the body."""
    response = client.post("api/ask", json={"question": question})
    response.raise_for_status()
    return response.json()


PATHS = {"gradio": call_answer, "json": call_json}


# The in-process Assistant, built once for both thread counts.
ASSISTANTS: dict = {}


def in_process_rate(asked: list[str], threads: int) -> float:
    """Questions per second answered by an Assistant in this process (models loaded, sentence
    vectors warm) with `threads` threads: what the web paths are compared with."""
    from assistant.config import load_settings
    from assistant.service import Assistant

    assistant = ASSISTANTS.get("one")
    if assistant is None:
        assistant = ASSISTANTS["one"] = Assistant(load_settings())
        assistant.warmed.wait(600)
        for question in asked[:20]:
            assistant.answer(question)
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(assistant.answer, asked))
    return len(asked) / (time.perf_counter() - started)


def drive(
    url: str, clients: int, asked: list[str], call=call_answer
) -> tuple[list[float], int, float, list[dict]]:
    """`clients` visitors, each with its own connection, share out the questions."""
    local = threading.local()
    latencies: list[float] = []
    answers: list[dict] = []
    errors = 0
    lock = threading.Lock()

    def ask(question: str) -> None:
        nonlocal errors
        if not hasattr(local, "client"):
            local.client = httpx.Client(base_url=url, timeout=120)
        started = time.perf_counter()
        try:
            result = call(local.client, question)
            with lock:
                latencies.append((time.perf_counter() - started) * 1000)
                answers.append(result)
        except Exception:  # any failed request counts as an error in the report
            with lock:
                errors += 1

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(ask, asked))
    return latencies, errors, time.perf_counter() - started, answers


def report(
    label: str, latencies: list[float], errors: int, seconds: float, base: float = 0.0
) -> None:
    """One line of figures; `base` (the 1-thread in-process rate) adds the ratio to it."""
    if not latencies:
        print(f"{label}: no successful request, {errors} errors")
        return
    p50, p95, p99 = np.percentile(latencies, [50, 95, 99])
    rate = len(latencies) / seconds
    ratio = f"  {rate / base:5.0%} of in-process" if base else ""
    print(
        f"{label:>20}: {rate:6.1f} q/s  p50 {p50:6.0f} ms  p95 {p95:6.0f} ms  "
        f"p99 {p99:6.0f} ms  errors {errors}{ratio}"
    )


def new_document(number: int) -> str:
    return (
        f"---\nid: loadtest-{number}\ntitle: Loadtest company {number}\nkind: ecosystem\nlanguage: en\n"
        f"sources: [https://example.org/loadtest-{number}]\n---\n# Loadtest company {number}\n\n"
        f"## Founding\n\nLoadtestco{number} was founded in Kortrijk in {2000 + number} by Ann Testers{number}. "
        f"Loadtestco{number} builds sensors for hospitals and employs {number + 10} people.\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--levels", default="1,10,50")
    parser.add_argument("--questions", type=int, default=200, help="questions per level")
    parser.add_argument("--soak", type=int, default=2000, help="questions for the memory soak")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="fa-load-"))
    corpus = work / "corpus"
    shutil.copytree(ROOT / "corpus", corpus)
    chroma_port, app_port = free_port(), free_port()
    env = {
        **os.environ,
        "FA_CORPUS_DIR": str(corpus),
        "FA_DATA_DIR": str(work / "data"),
        "FA_CHROMA_URL": f"http://127.0.0.1:{chroma_port}",
        "FA_PORT": str(app_port),
        "FA_MAX_CONCURRENCY": os.environ.get("FA_MAX_CONCURRENCY", "4"),
        "GRADIO_ANALYTICS_ENABLED": "False",
    }
    log = (work / "processes.log").open("w")
    chroma = subprocess.Popen(
        [
            str(BIN / "chroma"),
            "run",
            "--path",
            str(work / "chroma"),
            "--host",
            "127.0.0.1",
            "--port",
            str(chroma_port),
        ],
        stdout=log,
        stderr=log,
    )
    app = None
    try:
        wait_for(f"http://127.0.0.1:{chroma_port}/api/v2/heartbeat")
        subprocess.run(
            [str(BIN / "flanders-assistant"), "ingest"], env=env, check=True, capture_output=True
        )
        app = subprocess.Popen(
            [str(BIN / "flanders-assistant"), "serve"], env=env, stdout=log, stderr=log
        )
        url = f"http://127.0.0.1:{app_port}/"
        wait_for(url)
        pool = questions()
        drive(url, 2, pool[:20])  # warm-up
        print(
            f"== {os.cpu_count()} cores, extractive backend, app with {env['FA_MAX_CONCURRENCY']} workers"
        )
        asked = (pool * (args.questions // len(pool) + 1))[: args.questions]
        os.environ.update({k: v for k, v in env.items() if k.startswith("FA_")})
        base = in_process_rate(asked, 1)
        print(f"{'in process, 1 thread':>20}: {base:6.1f} q/s")
        four = in_process_rate(asked, 4)
        print(f"{'in process, 4 threads':>20}: {four:6.1f} q/s  ({four / base:.2f}x 1 thread)")
        drive(url, 2, pool[:20], call_json)  # warm-up of the JSON path
        for clients in (int(level) for level in args.levels.split(",")):
            for name, call in PATHS.items():
                latencies, errors, seconds, _ = drive(url, clients, asked, call)
                report(f"{name}, {clients} clients", latencies, errors, seconds, base)

        # Memory: RSS after every 500 questions; a leak grows linearly, allocator warm-up levels off.
        rss = [rss_mb(app.pid)]
        for start in range(0, args.soak, 500):
            asked = (pool * (500 // len(pool) + 1))[: min(500, args.soak - start)]
            latencies, errors, seconds, _ = drive(url, 10, asked)
            rss.append(rss_mb(app.pid))
            report(f"soak {start + len(asked)}", latencies, errors, seconds)
        print("app RSS (MB) every 500 questions: " + " ".join(f"{value:.0f}" for value in rss))

        for number in range(20):
            (corpus / "ecosystem" / f"loadtest-{number}.md").write_text(new_document(number))
        ingest = subprocess.Popen(
            [str(BIN / "flanders-assistant"), "ingest"], env=env, stdout=log, stderr=log
        )
        mixed = [
            f"Who founded Loadtestco{n % 20}?" if n % 2 else pool[n % len(pool)] for n in range(400)
        ]
        results: dict = {}

        def chat() -> None:
            results["run"] = drive(url, 10, mixed)

        chatter = threading.Thread(target=chat)
        chatter.start()
        ingest.wait(timeout=600)
        chatter.join(timeout=900)
        latencies, errors, seconds, answers = results["run"]
        report("ingest + chat", latencies, errors, seconds)
        from assistant.config import load_settings
        from assistant.store import IndexStore

        settings = load_settings(chroma_url=env["FA_CHROMA_URL"], data_dir=work / "data")
        final = {row.metadata["doc_id"]: row.text for row in IndexStore(settings).all_chunks()}
        cited_new = [
            c for a in answers for c in a["citations"] if c["doc_id"].startswith("loadtest-")
        ]
        stale = [c for c in cited_new if c["doc_id"] not in final]
        print(
            f"ingest exit code {ingest.returncode}; answers citing new documents: {len(cited_new)}; "
            f"citing a document not fully indexed: {len(stale)}"
        )
    finally:
        for process in (app, chroma):
            if process is not None:
                process.terminate()
                process.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
