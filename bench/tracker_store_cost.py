"""What saving Rasa's events without their words costs a turn: two stacks side by side, one
with Rasa's own SQL tracker store, one with `WordlessSQLTrackerStore`, the same screenings
sent to each, alternating, in one run.

Both stacks (action server + Rasa, SQLite, the project model) run at once on free ports; each
gets a warm-up screening, then SCREENINGS screenings of the e2e test's 29-turn conversation,
one message at a time, alternating stack by stack. Results in
bench/results/tracker_store_cost.json; summary in BENCHMARKS.md.
"""
from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
for p in (str(ROOT), str(BENCH_DIR)):
    if p not in sys.path:
        sys.path.insert(0, p)

import stackbench_lib as lib  # noqa: E402
from app_overhead import free_port, percentile  # noqa: E402
from screening.crypto import new_encryption_key  # noqa: E402
from screening.rasa_endpoints import write_endpoints  # noqa: E402
from screening.records import migrate  # noqa: E402
from screening.stack import Stack, model_path, stack_env  # noqa: E402
from tests.e2e.test_rasa_stack import CONVERSATION  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "tracker_store_cost.json"
MESSAGES = [message for message, _ in CONVERSATION]
SCREENINGS = 6
STORES = {"rasa_sql": "SQL", "wordless_sql": "rasa_channels.tracker_store.WordlessSQLTrackerStore"}


def start(label: str, store_type: str, workdir: Path) -> Stack:
    database_url = f"sqlite:///{workdir / label / 'screening.db'}"
    (workdir / label).mkdir(parents=True)
    migrate.upgrade(database_url)
    env = stack_env(database_url, workdir / label / "tracker.db", action_port=free_port())
    env.update({"ENCRYPTION_KEY": new_encryption_key(), "SECRET_KEY": uuid.uuid4().hex,
                "AUDIT_KEY": uuid.uuid4().hex})
    endpoints = write_endpoints(workdir / label / "endpoints.yml", action_port=int(env["ACTION_SERVER_PORT"]),
                                database_url=database_url, sqlite_tracker=workdir / label / "tracker.db",
                                redis_url=None)
    text = endpoints.read_text().replace(f"type: {STORES['wordless_sql']}", f"type: {store_type}")
    endpoints.write_text(text)
    stack = Stack(env, workdir / label / "log", rasa_port=free_port(), action_port=int(env["ACTION_SERVER_PORT"]),
                  endpoints=str(endpoints))
    stack.start()
    return stack


def screening_latencies(stack: Stack) -> list[float]:
    result = lib.run_http_conversation(stack.webhook, f"bench-{uuid.uuid4().hex}", MESSAGES,
                                       time.monotonic() + 300, headers=stack.headers)
    if not result.finished:
        raise RuntimeError(f"a screening did not finish: {result.stopped_early}")
    return [turn.latency_s * 1000 for turn in result.turns]


def main() -> int:
    if not model_path().exists():
        print("no trained model: make train", file=sys.stderr)
        return 2
    workdir = Path(tempfile.mkdtemp(prefix="tracker-store-cost-"))
    stacks = {label: start(label, store, workdir) for label, store in STORES.items()}
    timings: dict[str, list[float]] = {label: [] for label in STORES}
    try:
        for stack in stacks.values():
            screening_latencies(stack)                       # warm-up
        for _ in range(SCREENINGS):
            for label, stack in stacks.items():
                timings[label] += screening_latencies(stack)
    finally:
        for stack in stacks.values():
            stack.stop()
    result = {label: {"turns": len(values), "p50_ms": round(statistics.median(values), 1),
                      "p95_ms": round(percentile(values, 0.95), 1)} for label, values in timings.items()}
    result["ratio_p50"] = round(result["wordless_sql"]["p50_ms"] / result["rasa_sql"]["p50_ms"], 2)
    result["ratio_p95"] = round(result["wordless_sql"]["p95_ms"] / result["rasa_sql"]["p95_ms"], 2)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
