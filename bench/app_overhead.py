"""What the app adds to a web chat turn: the same conversations sent straight to Rasa's app
channel and through the app's widget API (/chat/api/messages), alternating, in one run.

Starts the real stack (action server, Rasa, the app) on free ports with a new SQLite
database, warms it up, then runs CONVERSATIONS screenings each way, one message at a
time, and reports per-turn latency percentiles and the ratio app / direct. Results in
bench/results/app_overhead.json; summary in BENCHMARKS.md.
"""
from __future__ import annotations

import json
import socket
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from screening.crypto import new_encryption_key  # noqa: E402
from screening.records import migrate  # noqa: E402
from screening.stack import Stack, model_path, stack_env  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "app_overhead.json"
CONVERSATIONS = 12
# A person in a hurry: consent, English, no date, a need, then first options and skips.
SCRIPT = ["yes", "1", "skip", "food", "1", "8", "2", "1", "1", "skip", "skip", "skip", "1", "1", "2"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def direct_conversation(client: httpx.Client, webhook: str) -> list[float]:
    sender, timings = f"web:{uuid.uuid4().hex}", []
    for text in ["hi", *SCRIPT]:
        started = time.perf_counter()
        response = client.post(webhook, json={"sender": sender, "message": text, "message_id": uuid.uuid4().hex,
                                              "metadata": {"channel": "web"}})
        timings.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
    return timings


def app_conversation(client: httpx.Client, app: str) -> list[float]:
    started = time.perf_counter()
    opened = client.post(f"{app}/chat/api/conversations", json={})
    timings = [(time.perf_counter() - started) * 1000]
    opened.raise_for_status()
    token = opened.json()["token"]
    for text in SCRIPT:
        started = time.perf_counter()
        response = client.post(f"{app}/chat/api/messages", headers={"x-chat-token": token},
                               json={"message_id": uuid.uuid4().hex, "text": text})
        timings.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
    return timings


def summary(timings: list[float]) -> dict:
    return {"turns": len(timings), "p50_ms": round(statistics.median(timings), 1),
            "p95_ms": round(percentile(timings, 0.95), 1), "mean_ms": round(statistics.mean(timings), 1)}


def main() -> int:
    if not model_path().exists():
        print("no trained model: make train", file=sys.stderr)
        return 2
    workdir = Path(tempfile.mkdtemp(prefix="app-overhead-"))
    database_url = f"sqlite:///{workdir / 'screening.db'}"
    migrate.upgrade(database_url)
    env = stack_env(database_url, workdir / "tracker.db", action_port=free_port())
    env.update({"ENCRYPTION_KEY": new_encryption_key(), "SECRET_KEY": uuid.uuid4().hex,
                "AUDIT_KEY": uuid.uuid4().hex})
    stack = Stack(env, workdir / "log", rasa_port=free_port(), action_port=int(env["ACTION_SERVER_PORT"]),
                  app_port=free_port())
    stack.start()
    app = f"http://127.0.0.1:{stack.app_port}"
    direct, through_app = [], []
    try:
        with httpx.Client(timeout=60, headers=stack.headers) as client:
            direct_conversation(client, stack.webhook)          # warm-up, both ways
            app_conversation(client, app)
            for _ in range(CONVERSATIONS):
                direct += direct_conversation(client, stack.webhook)
                through_app += app_conversation(client, app)
    finally:
        stack.stop()
    result = {"conversations_each_way": CONVERSATIONS, "direct_to_rasa": summary(direct),
              "through_the_app": summary(through_app)}
    result["ratio_p50"] = round(result["through_the_app"]["p50_ms"] / result["direct_to_rasa"]["p50_ms"], 2)
    result["ratio_p95"] = round(result["through_the_app"]["p95_ms"] / result["direct_to_rasa"]["p95_ms"], 2)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
