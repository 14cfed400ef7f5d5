"""Full-stack benchmark: the real Rasa server + action server under 20 concurrent
screenings, for the project's lean config and for Rasa's default recipe.

Run from the project root (about 8-10 minutes on 2 cores):

    RASA_TELEMETRY_ENABLED=false .venv/bin/python bench/stack_latency.py

In one run it
1. trains two models with the real CLI into a temp dir, cold (Rasa's training
   cache off): `rasa train --config X --fixed-model-name NAME --out TMP`
   - lean:    config.yml as it is;
   - default: Rasa 3.6's default recipe (default_config.yml, written out below
     and checked against the installed file);
2. for each model starts the action server and Rasa (screening.stack) on free
   ports with a fresh SQLite database (migrated first) and a fresh tracker
   store, and measures the cold start (spawn -> both health URLs answer), RSS
   of each process tree after a warm-up screening and after the load;
3. drives one warm-up screening, then 20 concurrent screenings (one thread and
   one sender each, the e2e test's CONVERSATION, 29 turns) over HTTP through
   the app channel, timing every request; a 503 is retried with the same
   message_id, as the channel asks; every finished screening is then checked
   in the database with the e2e test's own check (stored exactly as said);
4. replays the same 20 screenings in-process through ScreeningEngine.handle
   (with the intents the lean model gave, read from Rasa's tracker store),
   once one after another and once on 20 threads, timing SQLite's
   BEGIN IMMEDIATE (the write lock) as well;
5. prints a Markdown report and writes bench/results/stack_latency.json.

Every phase has a deadline inside an overall budget; servers are always
stopped (SIGTERM, then SIGKILL of their process group).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import yaml

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
for p in (str(ROOT), str(BENCH_DIR)):
    if p not in sys.path:
        sys.path.insert(0, p)

os.environ["RASA_TELEMETRY_ENABLED"] = "false"  # also inherited by every server and training run

import stackbench_lib as lib  # noqa: E402
from rasa_defaults import DEFAULT_PIPELINE, DEFAULT_POLICIES  # noqa: E402
from screening.crypto import new_encryption_key  # noqa: E402
from screening.records import migrate  # noqa: E402
from screening.stack import StackError, internal_headers, stack_env, start_action_server, start_rasa  # noqa: E402
from tests.e2e.test_rasa_stack import CONVERSATION, check_stored, completion_code, record_for  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "stack_latency.json"
RASA = Path(sys.executable).with_name("rasa")
MESSAGES = [message for message, _ in CONVERSATION]
SECRET_KEY = "stack-bench-secret-key"

CONCURRENT_CONVERSATIONS = 20
TOTAL_BUDGET_S = 590          # the whole run stops itself inside 10 minutes
TRAIN_CAP_S = 420
START_CAP_S = 180
WARMUP_CAP_S = 90
LOAD_CAP_S = 150
CORE_CAP_S = 60

# Rasa 3.6's default recipe (rasa/engine/recipes/config_files/default_config.yml).
DEFAULT_RECIPE: dict[str, Any] = {
    "recipe": "default.v1",
    "assistant_id": "needs-screening-bench-default",
    "language": "en",
    "pipeline": DEFAULT_PIPELINE,
    "policies": DEFAULT_POLICIES,
}


def log(message: str) -> None:
    print(f"[stack-bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


class Budget:
    def __init__(self, total_s: float):
        self.start = time.perf_counter()
        self.end = self.start + total_s

    def deadline(self, cap_s: float, keep_s: float = 0.0) -> float:
        """A deadline at most cap_s away that leaves keep_s for the phases after it."""
        return min(time.perf_counter() + cap_s, self.end - keep_s)

    def elapsed(self) -> float:
        return time.perf_counter() - self.start


# --------------------------------------------------------------------------- configs


def installed_default_config() -> dict | None:
    spec = find_spec("rasa")
    if not spec or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0]) / "engine" / "recipes" / "config_files" / "default_config.yml"
    return yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else None


def default_recipe_check() -> str:
    installed = installed_default_config()
    if installed is None:
        return "installed default_config.yml not found"
    same = (installed.get("pipeline") == DEFAULT_RECIPE["pipeline"]
            and installed.get("policies") == DEFAULT_RECIPE["policies"]
            and installed.get("recipe") == DEFAULT_RECIPE["recipe"]
            and installed.get("language") == DEFAULT_RECIPE["language"])
    return "same pipeline and policies as the installed default_config.yml" if same else \
        "DIFFERS from the installed default_config.yml"


def describe(config: dict, key: str) -> str:
    parts = []
    for c in config.get(key) or []:
        opts = {k: v for k, v in c.items() if k != "name"}
        parts.append(c["name"] + (f"({', '.join(f'{k}={v}' for k, v in opts.items())})" if opts else ""))
    return " > ".join(parts)


# --------------------------------------------------------------------------- training


def train(name: str, config_path: Path, out_dir: Path, log_dir: Path, deadline: float) -> dict:
    config_path = config_path.resolve()
    if not config_path.is_file():  # `rasa train` would silently use ./config.yml
        raise SystemExit(f"config not found: {config_path}")
    cmd = [str(RASA), "train", "--config", str(config_path), "--fixed-model-name", name, "--out", str(out_dir)]
    env = dict(os.environ, RASA_TELEMETRY_ENABLED="false", RASA_MAX_CACHE_SIZE="0",
               TF_CPP_MIN_LOG_LEVEL="3", PYTHONWARNINGS="ignore", SQLALCHEMY_SILENCE_UBER_WARNING="1")
    log_path = log_dir / f"train_{name}.log"
    log(f"training {name} ({config_path.name}) ...")
    started = time.perf_counter()
    with open(log_path, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
        try:
            code = proc.wait(timeout=max(1.0, deadline - time.perf_counter()))
        except subprocess.TimeoutExpired:
            lib.kill_group(proc.pid)
            proc.wait()
            raise SystemExit(f"training {name} did not finish before its deadline; log: {log_path}")
        finally:
            if proc.poll() is None:
                lib.kill_group(proc.pid)
                proc.wait()
            lib.kill_group(proc.pid)  # nothing may outlive training
    seconds = time.perf_counter() - started
    model = out_dir / f"{name}.tar.gz"
    if code != 0 or not model.exists():
        tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-40:])
        raise SystemExit(f"training {name} failed (exit {code}):\n{tail}")
    log(f"trained {name} in {seconds:.1f} s")
    text = log_path.read_text(errors="replace")
    skipped = sorted({line.split("Skipping training of ", 1)[1].split()[0].strip("'.`")
                      for line in text.splitlines() if "Skipping training of " in line})
    return {"model": str(model), "train_s": round(seconds, 1), "model_mb": round(model.stat().st_size / 2**20, 2),
            "command": " ".join(cmd[1:]), "skipped_components": skipped}


# --------------------------------------------------------------------------- one stack


def distinct_ports(n: int) -> list[int]:
    ports: list[int] = []
    while len(ports) < n:
        port = lib.free_port()
        if port not in ports:
            ports.append(port)
    return ports


def stop_all(processes: dict) -> dict:
    """SIGTERM each server (SIGKILL after 15 s), then SIGKILL whatever is left of its group."""
    report = {}
    for name, process in processes.items():
        started = time.perf_counter()
        try:
            process.stop(timeout=15)
        except Exception as exc:  # keep going: the other process must stop too
            report[f"{name}_stop_error"] = repr(exc)
        leftovers = lib.kill_group(process.popen.pid)
        if process.popen.poll() is None:
            process.popen.kill()
            process.popen.wait()
        report[name] = {"exit_code": process.popen.returncode, "stop_s": round(time.perf_counter() - started, 2),
                        "stragglers_killed": len(leftovers)}
    return report


def memory(processes: dict) -> dict:
    out = {name: lib.tree_memory(p.popen.pid) for name, p in processes.items()}
    out["total_rss_mb"] = round(sum(v["rss_mb"] for v in out.values()), 1)
    return out


def run_stack(label: str, model: Path, workdir: Path, budget: Budget, encryption_key: str,
              keep_s: float) -> dict:
    workdir.mkdir(parents=True, exist_ok=True)
    database_url = f"sqlite:///{workdir / 'screening.db'}"
    migrate.upgrade(database_url)
    action_port, rasa_port = distinct_ports(2)
    tracker_db = workdir / "tracker.db"
    env = stack_env(database_url, tracker_db, action_port=action_port)
    env.update({"ENCRYPTION_KEY": encryption_key, "SECRET_KEY": SECRET_KEY, "AUDIT_KEY": "stack-bench-audit-key"})
    log_dir = workdir / "log"
    webhook = f"http://127.0.0.1:{rasa_port}/webhooks/app/webhook"
    result: dict[str, Any] = {"model": str(model), "ports": {"rasa": rasa_port, "actions": action_port}}
    processes: dict = {}
    try:
        log(f"[{label}] starting the action server and Rasa ...")
        spawned = time.perf_counter()
        processes["actions"] = start_action_server(env, log_dir, action_port)
        processes["rasa"] = start_rasa(env, log_dir, rasa_port, model=model)
        ready = lib.poll_until_ready(processes, spawned, budget.deadline(START_CAP_S, keep_s))
        result["cold_start_s"] = round(max(ready.values()), 2)
        result["ready_s"] = {k: round(v, 2) for k, v in ready.items()}
        result["rss_idle"] = memory(processes)
        log(f"[{label}] ready in {result['cold_start_s']:.1f} s; warm-up screening ...")

        warm_sender = f"bench-{label}-warmup"
        warm = lib.run_http_conversation(webhook, warm_sender, MESSAGES, budget.deadline(WARMUP_CAP_S, keep_s),
                                        headers=internal_headers(env))
        result["warmup"] = {
            "finished": warm.finished,
            "stopped_early": warm.stopped_early,
            "first_turn_ms": round(warm.turns[0].latency_s * 1000, 1) if warm.turns else None,
            "latency_ms_after_first_turn": lib.summarize_ms(t.latency_s for t in warm.turns[1:]),
            "errors": sum(1 for t in warm.turns if t.status != 200),
            "latency_ms_by_turn": [round(t.latency_s * 1000, 1) for t in warm.turns],
        }
        if not warm.finished:
            raise StackError(f"the warm-up screening did not finish: {warm.stopped_early}; "
                             f"last reply: {warm.last_reply[:200]!r}")
        result["rss_after_warmup"] = memory(processes)
        intents = lib.tracker_intents(tracker_db, warm_sender)
        result["intents"] = [name for name, _ in intents]
        result["intent_confidences"] = [round(c, 3) for _, c in intents]

        senders = [f"bench-{label}-{i:02d}" for i in range(CONCURRENT_CONVERSATIONS)]
        deadline = budget.deadline(LOAD_CAP_S, keep_s)
        log(f"[{label}] load: {len(senders)} concurrent screenings x {len(MESSAGES)} turns ...")
        convs, wall = lib.run_concurrently(
            lambda s: lib.run_http_conversation(webhook, s, MESSAGES, deadline, headers=internal_headers(env)), senders,
            join_timeout=max(1.0, deadline - time.perf_counter()) + 65)
        result["load"] = lib.load_stats(convs, wall)
        result["rss_after_load"] = memory(processes)
        result["stored"] = lib.check_records(database_url, encryption_key, SECRET_KEY, [warm] + convs,
                                             completion_code, record_for, check_stored)
        load = result["load"]
        log(f"[{label}] load done: {load['turns_ok']} turns in {load['wall_s']} s, p95 "
            f"{load['latency_ms']['p95']} ms, errors {load['errors']}")
        return result
    except StackError as exc:
        result["failed"] = str(exc)[:4000]
        log(f"[{label}] FAILED: {str(exc)[:1500]}")
        return result
    finally:
        if processes:
            result["stop"] = stop_all(processes)
            result["logs"] = {name: lib.scan_log(p.log_path) for name, p in processes.items()}
            result["log_dir"] = str(log_dir)


# --------------------------------------------------------------------------- core alone


def run_core(intents: list[tuple], workdir: Path, budget: Budget, encryption_key: str) -> dict:
    from screening.crypto import TextCipher
    from screening.dialogue.engine import ScreeningEngine
    from screening.records.db import make_engine
    from screening.records.repository import Repository

    out: dict[str, Any] = {"intents_replayed": bool(intents)}
    for mode in ("sequential", "concurrent"):
        url = f"sqlite:///{workdir / f'core_{mode}.db'}"
        migrate.upgrade(url)
        repository = Repository(make_engine(url), TextCipher(encryption_key), SECRET_KEY)
        timer = lib.BeginTimer(repository.engine)
        engine = ScreeningEngine(repository)
        try:
            deadline = budget.deadline(CORE_CAP_S)
            warm = lib.run_core_conversation(engine, f"core-{mode}-warmup", MESSAGES, intents, deadline)
            timer.waits.clear()
            senders = [f"core-{mode}-{i:02d}" for i in range(CONCURRENT_CONVERSATIONS)]
            log(f"[core] {mode}: {len(senders)} screenings through ScreeningEngine.handle ...")
            if mode == "sequential":
                started = time.perf_counter()
                convs = [lib.run_core_conversation(engine, s, MESSAGES, intents, deadline) for s in senders]
                wall = time.perf_counter() - started
            else:
                convs, wall = lib.run_concurrently(
                    lambda s: lib.run_core_conversation(engine, s, MESSAGES, intents, deadline), senders,
                    join_timeout=max(1.0, deadline - time.perf_counter()) + 30)
            stats = lib.load_stats(convs, wall)
            stats["warmup_finished"] = warm.finished
            stats["sqlite_write_lock"] = timer.stats()
            stats["stored"] = lib.check_records(url, encryption_key, SECRET_KEY, [warm] + convs,
                                                completion_code, record_for, check_stored)
            out[mode] = stats
        finally:
            repository.engine.dispose()
    return out


# --------------------------------------------------------------------------- report


def fmt(value, digits: int = 1) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def get(d: dict, *path):
    for key in path:
        if not isinstance(d, dict) or key not in d:
            return None
        d = d[key]
    return d


STACK_ROWS = [
    ("training wall time (s)", ("training", "train_s"), 1),
    ("model archive (MB)", ("training", "model_mb"), 2),
    ("cold start: spawn → both health checks (s)", ("stack", "cold_start_s"), 1),
    ("  action server ready (s)", ("stack", "ready_s", "actions"), 1),
    ("  Rasa ready (s)", ("stack", "ready_s", "rasa"), 1),
    ("first turn after start (ms)", ("stack", "warmup", "first_turn_ms"), 0),
    ("warm-up screening alone, p50 per turn (ms)", ("stack", "warmup", "latency_ms_after_first_turn", "p50"), 1),
    ("warm-up screening alone, p95 per turn (ms)", ("stack", "warmup", "latency_ms_after_first_turn", "p95"), 1),
    ("load: turn latency p50 (ms)", ("stack", "load", "latency_ms", "p50"), 1),
    ("load: turn latency p95 (ms)", ("stack", "load", "latency_ms", "p95"), 1),
    ("load: turn latency p99 (ms)", ("stack", "load", "latency_ms", "p99"), 1),
    ("load: turn latency max (ms)", ("stack", "load", "latency_ms", "max"), 1),
    ("load: turns per second", ("stack", "load", "turns_per_s"), 2),
    ("load: wall time (s)", ("stack", "load", "wall_s"), 1),
    ("load: requests", ("stack", "load", "requests"), 0),
    ("load: errors (non-200)", ("stack", "load", "errors"), 0),
    ("screenings finished (of 20)", ("stack", "load", "conversations_finished"), 0),
    ("screenings stored as said (of 21 incl. warm-up)", ("stack", "stored", "stored_as_said"), 0),
    ("RSS Rasa after warm-up (MB)", ("stack", "rss_after_warmup", "rasa", "rss_mb"), 0),
    ("RSS action server after warm-up (MB)", ("stack", "rss_after_warmup", "actions", "rss_mb"), 0),
    ("RSS Rasa after load (MB)", ("stack", "rss_after_load", "rasa", "rss_mb"), 0),
    ("RSS action server after load (MB)", ("stack", "rss_after_load", "actions", "rss_mb"), 0),
    ("RSS both after load (MB)", ("stack", "rss_after_load", "total_rss_mb"), 0),
    ("peak RSS Rasa (MB)", ("stack", "rss_after_load", "rasa", "peak_rss_mb"), 0),
    ("server log: ERROR lines / tracebacks", None, 0),
]


def markdown(report: dict) -> str:
    m = report["meta"]
    lines = [
        "# Full-stack latency: Rasa + action server + SQLite",
        "",
        f"{m['date']} · nproc {m['nproc']} · {m.get('cpu_model') or 'cpu ?'} · {m['mem_total_mb']} MB RAM · "
        f"Python {m['python']} · Rasa {m['rasa']} · rasa-sdk {m['rasa_sdk']} · total run {report['total_run_s']:.0f} s",
        "",
        f"Load: 1 warm-up screening, then {CONCURRENT_CONVERSATIONS} concurrent screenings × {len(MESSAGES)} turns "
        "(tests/e2e CONVERSATION), one thread and one sender each, over HTTP to the app channel; "
        "latency = request sent → response received, every request. Training is cold (cache off).",
        "",
        "| metric | lean (config.yml) | default recipe | lean / default |",
        "|---|---:|---:|---:|",
    ]
    variants = report["variants"]
    for label, path, digits in STACK_ROWS:
        if path is None:
            cells = []
            for name in ("lean", "default"):
                logs = get(variants, name, "stack", "logs") or {}
                cells.append(" + ".join(f"{get(logs, p, 'error_lines') or 0}/{get(logs, p, 'tracebacks') or 0}"
                                        for p in ("rasa", "actions")) + " (rasa + actions)")
            lines.append(f"| {label} | {cells[0]} | {cells[1]} | |")
            continue
        a, b = get(variants, "lean", *path), get(variants, "default", *path)
        r = lib.ratio(a, b) if isinstance(a, (int, float)) and isinstance(b, (int, float)) else None
        lines.append(f"| {label} | {fmt(a, digits)} | {fmt(b, digits)} | {fmt(r, 2)} |")

    core = report.get("core") or {}
    lean_load = get(variants, "lean", "stack", "load", "latency_ms") or {}
    default_load = get(variants, "default", "stack", "load", "latency_ms") or {}
    lean_warm = get(variants, "lean", "stack", "warmup", "latency_ms_after_first_turn") or {}
    lines += [
        "",
        "## What the core costs per turn (ScreeningEngine.handle in-process, SQLite, same 20 screenings)",
        "",
        "| | core, one after another | core, 20 threads | lean stack, 1 screening | lean stack, 20 concurrent "
        "| default stack, 20 concurrent |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    seq, conc = core.get("sequential") or {}, core.get("concurrent") or {}
    for q in ("p50", "p95", "p99", "max"):
        lines.append(f"| turn latency {q} (ms) | {fmt(get(seq, 'latency_ms', q))} | {fmt(get(conc, 'latency_ms', q))} "
                     f"| {fmt(lean_warm.get(q))} | {fmt(lean_load.get(q))} | {fmt(default_load.get(q))} |")
    lines.append(f"| turns per second | {fmt(seq.get('turns_per_s'), 2)} | {fmt(conc.get('turns_per_s'), 2)} | – "
                 f"| {fmt(get(variants, 'lean', 'stack', 'load', 'turns_per_s'), 2)} "
                 f"| {fmt(get(variants, 'default', 'stack', 'load', 'turns_per_s'), 2)} |")
    lines.append(f"| BEGIN IMMEDIATE (write lock) p95 / max (ms) "
                 f"| {fmt(get(seq, 'sqlite_write_lock', 'begin_ms', 'p95'), 2)} / "
                 f"{fmt(get(seq, 'sqlite_write_lock', 'begin_ms', 'max'), 2)} "
                 f"| {fmt(get(conc, 'sqlite_write_lock', 'begin_ms', 'p95'), 2)} / "
                 f"{fmt(get(conc, 'sqlite_write_lock', 'begin_ms', 'max'), 2)} | | | |")
    lines.append(f"| screenings stored as said (of 21) | {fmt(get(seq, 'stored', 'stored_as_said'))} "
                 f"| {fmt(get(conc, 'stored', 'stored_as_said'))} | | | |")

    ratios = report.get("ratios") or {}
    lines += ["", "## Ratios", ""]
    for key, value in ratios.items():
        lines.append(f"- {key}: {fmt(value, 3)}")
    notes = report.get("notes") or []
    if notes:
        lines += ["", "## Notes", ""] + [f"- {n}" for n in notes]
    return "\n".join(lines) + "\n"


def compute_ratios(report: dict) -> dict:
    v, core = report["variants"], report.get("core") or {}
    r: dict[str, float | None] = {}
    for q in ("p50", "p95", "p99", "max"):
        r[f"lean {q} / default {q} (20 concurrent)"] = lib.ratio(get(v, "lean", "stack", "load", "latency_ms", q),
                                                                 get(v, "default", "stack", "load", "latency_ms", q), 3)
    r["lean turns/s / default turns/s"] = lib.ratio(get(v, "lean", "stack", "load", "turns_per_s"),
                                                    get(v, "default", "stack", "load", "turns_per_s"), 3)
    r["lean train s / default train s"] = lib.ratio(get(v, "lean", "training", "train_s"),
                                                    get(v, "default", "training", "train_s"), 3)
    r["lean cold start / default cold start"] = lib.ratio(get(v, "lean", "stack", "cold_start_s"),
                                                          get(v, "default", "stack", "cold_start_s"), 3)
    r["lean RSS / default RSS (both servers, after load)"] = lib.ratio(
        get(v, "lean", "stack", "rss_after_load", "total_rss_mb"),
        get(v, "default", "stack", "rss_after_load", "total_rss_mb"), 3)
    r["core p50 (sequential) / lean stack p50 (1 screening)"] = lib.ratio(
        get(core, "sequential", "latency_ms", "p50"),
        get(v, "lean", "stack", "warmup", "latency_ms_after_first_turn", "p50"), 3)
    for q in ("p50", "p95"):
        r[f"core {q} (20 threads) / lean stack {q} (20 concurrent)"] = lib.ratio(
            get(core, "concurrent", "latency_ms", q), get(v, "lean", "stack", "load", "latency_ms", q), 3)
        r[f"core {q} (20 threads) / default stack {q} (20 concurrent)"] = lib.ratio(
            get(core, "concurrent", "latency_ms", q), get(v, "default", "stack", "load", "latency_ms", q), 3)
    return r


def make_notes(report: dict) -> list[str]:
    notes = []
    v = report["variants"]
    for name in ("lean", "default"):
        s = get(v, name, "stack") or {}
        if s.get("failed"):
            notes.append(f"{name}: the stack run failed: {s['failed'][:300]}")
        load = s.get("load") or {}
        if load.get("errors"):
            notes.append(f"{name}: {load['errors']} non-200 responses under load {load.get('error_statuses')}, "
                         f"{load.get('retries')} retries")
        if load.get("stopped_early"):
            notes.append(f"{name}: conversations that did not finish: {load['stopped_early']}")
        problems = get(s, "stored", "problems")
        if problems:
            notes.append(f"{name}: stored-record problems: {problems}")
        logs = s.get("logs") or {}
        locked = sum((x or {}).get("database_locked", 0) for x in logs.values())
        if locked:
            notes.append(f"{name}: 'database is locked' appears {locked} times in the server logs")
        skipped = get(v, name, "training", "skipped_components")
        if skipped:
            notes.append(f"{name}: training skipped {', '.join(skipped)} (no data for it)")
    li, di = get(v, "lean", "stack", "intents"), get(v, "default", "stack", "intents")
    if li and di and len(li) == len(di):
        diff = [n for n, (a, b) in enumerate(zip(li, di)) if a != b]
        notes.append(f"the two models gave different intents on {len(diff)} of {len(li)} warm-up turns "
                     f"(turns {diff}); the screening still ended the same way for both" if diff else
                     "both models gave the same intent on every warm-up turn")
    core = report.get("core") or {}
    for mode in ("sequential", "concurrent"):
        lock = get(core, mode, "sqlite_write_lock")
        if lock:
            notes.append(f"core {mode}: {lock['transactions']} write transactions, BEGIN IMMEDIATE waited "
                         f">10 ms {lock['waits_over_10ms']} times, {lock['total_wait_s']} s in all")
    notes.append("the action server runs each turn via asyncio.to_thread: at most min(32, nproc+4) turns "
                 "of the core at once; the 20-thread core run has no such cap")
    notes.append("the lean and default stacks ran one after the other on the same machine, never at once; "
                 "the load generator (20 threads) shares the CPUs with the servers")
    return notes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", default=str(RESULTS), help="where to write the JSON results")
    parser.add_argument("--keep-tmp", action="store_true", help="keep the temp dir (models, logs, databases)")
    args = parser.parse_args()

    def on_sigterm(*_):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_sigterm)
    budget = Budget(TOTAL_BUDGET_S)
    tmp = Path(tempfile.mkdtemp(prefix="stack_bench_"))
    encryption_key = new_encryption_key()
    log(f"work dir {tmp}")
    report: dict[str, Any] = {
        "meta": lib.machine_info(),
        "variants": {},
        "core": {},
        "conversation_turns": len(MESSAGES),
        "concurrent_conversations": CONCURRENT_CONVERSATIONS,
    }
    report["meta"]["command"] = "RASA_TELEMETRY_ENABLED=false .venv/bin/python bench/stack_latency.py"
    exit_code = 0
    try:
        default_path = tmp / "default_recipe.yml"
        default_path.write_text(yaml.safe_dump(DEFAULT_RECIPE, sort_keys=False), encoding="utf-8")
        lean_config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
        plan = [
            ("lean", ROOT / "config.yml", lean_config, "config.yml as it is"),
            ("default", default_path, DEFAULT_RECIPE, f"Rasa's default recipe ({default_recipe_check()})"),
        ]
        for name, _, config, description in plan:
            report["variants"][name] = {"description": description, "pipeline": describe(config, "pipeline"),
                                        "policies": describe(config, "policies")}
        # Reserve for what follows training: two stacks and the core.
        after_training = 2 * 100 + 30
        for name, path, _, _ in plan:
            report["variants"][name]["training"] = train(
                name, path, tmp / "models", tmp, budget.deadline(TRAIN_CAP_S, after_training))
        for i, (name, _, _, _) in enumerate(plan):
            keep = (len(plan) - 1 - i) * 100 + 30
            report["variants"][name]["stack"] = run_stack(
                name, Path(report["variants"][name]["training"]["model"]), tmp / f"stack_{name}", budget,
                encryption_key, keep)
        lean_stack = report["variants"]["lean"]["stack"]
        intents = list(zip(lean_stack.get("intents") or [], lean_stack.get("intent_confidences") or []))
        if len(intents) != len(MESSAGES):
            intents = []
        report["core"] = run_core(intents, tmp, budget, encryption_key)
    except KeyboardInterrupt:
        log("interrupted: servers stopped, partial results below")
        report["interrupted"] = True
        exit_code = 130
    except SystemExit as exc:
        log(f"stopped: {exc}")
        report["error"] = str(exc)[:4000]
        exit_code = 1
    except Exception as exc:  # report what we have, then fail
        traceback.print_exc()
        report["error"] = f"{type(exc).__name__}: {exc}"
        exit_code = 1
    finally:
        report["total_run_s"] = round(budget.elapsed(), 1)
        report["ratios"] = compute_ratios(report)
        report["notes"] = make_notes(report)
        out = Path(args.json)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
        if args.keep_tmp or exit_code:
            log(f"kept {tmp} (models, server logs, databases)")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print(markdown(report))
    log(f"wrote {args.json}; total {report['total_run_s']:.0f} s")
    for name in ("lean", "default"):
        s = get(report, "variants", name, "stack") or {}
        if s.get("failed") or get(s, "load", "conversations_finished") != CONCURRENT_CONVERSATIONS:
            exit_code = exit_code or 1
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
