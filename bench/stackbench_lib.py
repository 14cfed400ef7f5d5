"""Helpers for bench/stack_latency.py: ports, process memory, percentiles and
conversation drivers (over HTTP through the real stack, and in-process through
the screening core).

Nothing here sleeps to synchronise: threads start together on a barrier,
servers are polled on their health URL until a deadline.
"""
from __future__ import annotations

import json
import os
import platform
import signal
import socket
import sqlite3
import subprocess
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterable, Sequence

ROOT = Path(__file__).resolve().parents[1]


# --------------------------------------------------------------------------- machine


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _package_version(name: str) -> str | None:
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def machine_info() -> dict:
    try:
        nproc = int(subprocess.run(["nproc"], capture_output=True, text=True, check=True).stdout.strip())
    except (OSError, ValueError, subprocess.CalledProcessError):
        nproc = os.cpu_count()
    mem_total_mb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_total_mb = round(int(line.split()[1]) / 1024)
    except OSError:
        pass
    cpu_model = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "nproc": nproc,
        "cpu_model": cpu_model,
        "mem_total_mb": mem_total_mb,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "rasa": _package_version("rasa"),
        "rasa_sdk": _package_version("rasa-sdk"),
        "sqlalchemy": _package_version("SQLAlchemy"),
        "httpx": _package_version("httpx"),
    }


# --------------------------------------------------------------------------- statistics


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear interpolation between closest ranks (numpy's default), q in [0, 1]."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def summarize_ms(seconds: Iterable[float]) -> dict:
    values = [s * 1000 for s in seconds]
    if not values:
        return {"n": 0, "p50": None, "p95": None, "p99": None, "max": None, "mean": None}
    return {
        "n": len(values),
        "p50": round(percentile(values, 0.50), 2),
        "p95": round(percentile(values, 0.95), 2),
        "p99": round(percentile(values, 0.99), 2),
        "max": round(max(values), 2),
        "mean": round(sum(values) / len(values), 2),
    }


def ratio(a: float | None, b: float | None, digits: int = 2) -> float | None:
    if a is None or b is None or b == 0:
        return None
    return round(a / b, digits)


# --------------------------------------------------------------------------- processes


def _ppid(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # the command name may hold spaces and parentheses: the fields after the last ')'
    return int(stat.rsplit(")", 1)[1].split()[1])


def process_tree(pid: int) -> list[int]:
    """pid and all its living descendants (found through /proc/<pid>/stat)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            parent = _ppid(int(entry.name))
            if parent is not None:
                children.setdefault(parent, []).append(int(entry.name))
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        if Path(f"/proc/{current}").exists():
            tree.append(current)
            todo.extend(children.get(current, []))
    return tree


def _status_kb(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_memory(pid: int) -> dict:
    """VmRSS summed over the process and its children; VmHWM (peak RSS) likewise."""
    pids = process_tree(pid)
    return {
        "rss_mb": round(sum(_status_kb(p, "VmRSS") for p in pids) / 1024, 1),
        "peak_rss_mb": round(sum(_status_kb(p, "VmHWM") for p in pids) / 1024, 1),
        "processes": len(pids),
    }


def kill_group(pid: int) -> list[int]:
    """SIGKILL whatever is left of a process started with start_new_session=True
    (its process group id is its pid); returns the pids that were still alive."""
    leftovers = [p for p in process_tree(pid) if p != pid]
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    for p in leftovers:  # a child that left the group
        try:
            os.kill(p, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    return leftovers


def poll_until_ready(processes: dict, started: float, deadline: float, interval: float = 0.05) -> dict[str, float]:
    """Poll every process's health URL until all answer 200. Returns seconds from
    `started` (a perf_counter value) to the first 200 of each. Raises if a process
    exits or the deadline passes. Polling a starting server, not synchronising."""
    from screening.stack import StackError

    ready: dict[str, float] = {}
    while len(ready) < len(processes):
        if time.perf_counter() > deadline:
            waiting = [n for n in processes if n not in ready]
            tails = "\n".join(f"--- {n}\n{processes[n].log_tail()}" for n in waiting)
            raise StackError(f"not ready before the deadline: {waiting}\n{tails}")
        for name, process in processes.items():
            if name in ready:
                continue
            if process.popen.poll() is not None:
                raise StackError(f"{name} exited with {process.popen.returncode}:\n{process.log_tail()}")
            try:
                with urllib.request.urlopen(process.health_url, timeout=1) as resp:
                    if resp.status == 200:
                        ready[name] = time.perf_counter() - started
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                pass
        if len(ready) < len(processes):
            time.sleep(interval)
    return ready


# --------------------------------------------------------------------------- conversations


@dataclass
class TurnRecord:
    turn: int
    latency_s: float
    status: int          # HTTP status, 200 for in-process turns, 0 for a transport error
    attempt: int
    sent_at: float       # perf_counter when the request was sent


@dataclass
class ConversationResult:
    sender: str
    turns: list[TurnRecord] = field(default_factory=list)
    last_reply: str = ""
    completed_turns: int = 0
    stopped_early: str | None = None   # why the conversation did not reach its end

    @property
    def finished(self) -> bool:
        return self.stopped_early is None and "You finished" in self.last_reply


def run_http_conversation(webhook: str, sender: str, messages: Sequence[str], deadline: float,
                          max_attempts: int = 3, timeout: float = 60.0,
                          headers: dict[str, str] | None = None) -> ConversationResult:
    """One whole screening through the app channel. A 503 (or a transport error)
    is retried with the same message_id, as the channel asks callers to do."""
    import httpx

    result = ConversationResult(sender)
    with httpx.Client(timeout=timeout, headers=headers) as client:
        for n, message in enumerate(messages):
            if time.perf_counter() > deadline:
                result.stopped_early = f"deadline before turn {n}"
                return result
            body = {"sender": sender, "message": message, "message_id": f"{sender}-{n}",
                    "metadata": {"channel": "test"}}
            for attempt in range(1, max_attempts + 1):
                sent = time.perf_counter()
                try:
                    response = client.post(webhook, json=body)
                    status = response.status_code
                except httpx.HTTPError:
                    response, status = None, 0
                elapsed = time.perf_counter() - sent
                result.turns.append(TurnRecord(n, elapsed, status, attempt, sent))
                if status == 200:
                    result.last_reply = "\n".join(m.get("text", "") for m in response.json())
                    result.completed_turns += 1
                    break
                if status not in (0, 503) or time.perf_counter() > deadline:
                    result.stopped_early = f"turn {n}: status {status}"
                    return result
            else:
                result.stopped_early = f"turn {n}: still failing after {max_attempts} attempts"
                return result
    return result


def run_core_conversation(engine, sender: str, messages: Sequence[str], intents: Sequence[tuple],
                          deadline: float) -> ConversationResult:
    """The same screening handed straight to ScreeningEngine.handle, as the action
    server does (same Incoming fields, same message keys, the NLU's intents)."""
    from screening.dialogue.engine import Incoming

    result = ConversationResult(sender)
    for n, message in enumerate(messages):
        if time.perf_counter() > deadline:
            result.stopped_early = f"deadline before turn {n}"
            return result
        intent, confidence = intents[n] if n < len(intents) else (None, 0.0)
        sent = time.perf_counter()
        replies = engine.handle(Incoming(channel="test", sender_id=sender, text=message,
                                         message_key=f"{sender}-{n}", intent=intent,
                                         confidence=confidence))
        text = "\n".join(r.render(short_labels=False) for r in replies)
        result.turns.append(TurnRecord(n, time.perf_counter() - sent, 200, 1, sent))
        result.last_reply = text
        result.completed_turns += 1
    return result


def run_concurrently(work: Callable[[str], ConversationResult], senders: Sequence[str],
                     join_timeout: float) -> tuple[list[ConversationResult], float]:
    """One thread per conversation, all released together by a barrier.
    Returns the results and the wall time from release to the last finish."""
    barrier = threading.Barrier(len(senders) + 1)
    results: dict[str, ConversationResult] = {}
    errors: dict[str, str] = {}

    def body(sender: str) -> None:
        barrier.wait()
        try:
            results[sender] = work(sender)
        except Exception as exc:  # recorded and reported, never silently lost
            errors[sender] = f"{type(exc).__name__}: {exc}"

    threads = [threading.Thread(target=body, args=(s,), name=f"conv-{s}", daemon=True) for s in senders]
    for t in threads:
        t.start()
    barrier.wait()
    released = time.perf_counter()
    for t in threads:
        t.join(max(0.0, released + join_timeout - time.perf_counter()))
    wall = time.perf_counter() - released
    out = []
    for s in senders:
        if s in results:
            out.append(results[s])
        else:
            out.append(ConversationResult(s, stopped_early=errors.get(s, "thread did not finish in time")))
    return out, wall


def load_stats(results: Sequence[ConversationResult], wall_s: float) -> dict:
    turns = [t for r in results for t in r.turns]
    ok = [t for t in turns if t.status == 200]
    statuses: dict[str, int] = {}
    for t in turns:
        if t.status != 200:
            statuses[str(t.status)] = statuses.get(str(t.status), 0) + 1
    by_turn: dict[int, list[float]] = {}
    for t in ok:
        by_turn.setdefault(t.turn, []).append(t.latency_s)
    return {
        "latency_ms": summarize_ms(t.latency_s for t in turns),
        "latency_ms_ok_only": summarize_ms(t.latency_s for t in ok),
        "requests": len(turns),
        "turns_ok": len(ok),
        "errors": len(turns) - len(ok),
        "error_statuses": statuses,
        "retries": sum(1 for t in turns if t.attempt > 1),
        "wall_s": round(wall_s, 2),
        "turns_per_s": round(len(ok) / wall_s, 2) if wall_s > 0 else None,
        "conversations": len(results),
        "conversations_finished": sum(1 for r in results if r.finished),
        "stopped_early": {r.sender: r.stopped_early for r in results if r.stopped_early},
        "p50_ms_by_turn": {n: round(percentile(v, 0.5) * 1000, 1) for n, v in sorted(by_turn.items())},
    }


# --------------------------------------------------------------------------- checks


def tracker_intents(tracker_db: Path, sender: str) -> list[tuple[str | None, float]]:
    """The intent Rasa's NLU gave each user message of one conversation, read from
    Rasa's SQL tracker store (used to replay the same hints into the core)."""
    conn = sqlite3.connect(f"file:{tracker_db}?mode=ro", uri=True)
    try:
        rows = conn.execute("SELECT data FROM events WHERE sender_id = ? AND type_name = 'user' ORDER BY id",
                            (sender,)).fetchall()
    finally:
        conn.close()
    out = []
    for (data,) in rows:
        intent = (json.loads(data).get("parse_data") or {}).get("intent") or {}
        out.append((intent.get("name"), float(intent.get("confidence") or 0.0)))
    return out


def check_records(database_url: str, encryption_key: str, secret_key: str,
                  results: Sequence[ConversationResult], completion_code, record_for, check_stored) -> dict:
    """Every finished conversation must be stored exactly as said (the e2e test's check)."""
    from screening.crypto import TextCipher
    from screening.export import screening_records
    from screening.records.db import make_engine
    from screening.records.repository import Repository

    repo = Repository(make_engine(database_url), TextCipher(encryption_key), secret_key)
    try:
        with repo.transaction() as unit:
            records = list(screening_records(unit))
    finally:
        repo.engine.dispose()
    ok, problems = 0, {}
    for r in results:
        if not r.finished:
            problems[r.sender] = f"not finished ({r.stopped_early or 'no summary'})"
            continue
        try:
            check_stored(record_for(records, completion_code(r.last_reply)))
            ok += 1
        except (AssertionError, ValueError, IndexError) as exc:
            problems[r.sender] = f"stored record differs: {type(exc).__name__} {str(exc)[:200]}"
    return {"screenings_in_database": len(records), "stored_as_said": ok, "problems": problems}


class BeginTimer:
    """Times SQLite's BEGIN IMMEDIATE (taking the write lock, waited for up to
    busy_timeout) on an engine from screening.records.db.make_engine, whose own
    'begin' listener runs that statement through exec_driver_sql: the cursor
    events around it see the wait."""

    STATEMENT = "BEGIN IMMEDIATE"

    def __init__(self, engine):
        from sqlalchemy import event

        self.waits: list[float] = []
        self._local = threading.local()
        self._lock = threading.Lock()
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, _conn, _cursor, statement, *_args) -> None:
        if statement.strip().upper() == self.STATEMENT:
            self._local.t = time.perf_counter()

    def _after(self, _conn, _cursor, statement, *_args) -> None:
        started = getattr(self._local, "t", None)
        if started is not None and statement.strip().upper() == self.STATEMENT:
            self._local.t = None
            with self._lock:
                self.waits.append(time.perf_counter() - started)

    def stats(self) -> dict:
        waits = list(self.waits)
        return {
            "transactions": len(waits),
            "begin_ms": summarize_ms(waits),
            "waits_over_10ms": sum(1 for w in waits if w > 0.010),
            "total_wait_s": round(sum(waits), 2),
        }


def scan_log(path: Path) -> dict:
    """Counts of worrying lines in a server log (text of messages is never logged)."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return {}
    lines = text.splitlines()
    return {
        "lines": len(lines),
        "error_lines": sum(1 for ln in lines if " ERROR " in ln or ln.startswith("ERROR")),
        "tracebacks": text.count("Traceback (most recent call last)"),
        "database_locked": text.lower().count("database is locked"),
        "warnings": sum(1 for ln in lines if " WARNING " in ln),
        # the first few, cut short (the servers never log what people type)
        "samples": [ln[:240] for ln in lines if " WARNING " in ln or " ERROR " in ln][:5],
    }
