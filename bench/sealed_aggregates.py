"""What encrypting the sensitive results costs the console: the dashboard's figures and the
case list's need filter open every sealed domain result in the app (screening/records/sealing.py).

Fills a SQLite database with SCREENINGS screenings' domain results as the app stores them
(13 domains each, the 5 sensitive ones encrypted), then times `program_figures` (the
dashboard) and the "safety" need filter of the case list, best of ROUNDS. Also times one
Fernet decryption alone. Results in bench/results/sealed_aggregates.json; summary in
BENCHMARKS.md.

    .venv/bin/python bench/sealed_aggregates.py [SCREENINGS ...]
"""
from __future__ import annotations

import json
import sys
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402

from screening.casework import CaseFilter, Viewer, list_cases  # noqa: E402
from screening.crypto import TextCipher, new_encryption_key  # noqa: E402
from screening.instrument import default_instrument  # noqa: E402
from screening.program_figures import program_figures  # noqa: E402
from screening.records import migrate, models as m  # noqa: E402
from screening.records.db import make_engine  # noqa: E402
from screening.records.repository import Repository  # noqa: E402
from screening.scoring import DomainResult  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "sealed_aggregates.json"
ROUNDS = 3
NOW = datetime(2026, 11, 24, 15, 0)


def fill(repository: Repository, screenings: int) -> None:
    instrument = default_instrument()
    with repository.transaction() as unit:
        unit.conn.execute(insert(m.participants), [
            dict(id=f"p{n}", sender_hash=uuid.uuid4().hex, channel="sms", created_at=NOW) for n in range(screenings)])
        unit.conn.execute(insert(m.screenings), [
            dict(id=f"s{n}", participant_id=f"p{n}", status="completed", language="en", channel="sms",
                 instrument_id="i", instrument_version="v", step="done", state={}, started_at=NOW,
                 updated_at=NOW) for n in range(screenings)])
        for n in range(screenings):
            results = [DomainResult(d.id, d.need, n % 3 == 0, True, 12 if d.id == "safety" else None)
                       for d in instrument.domains]
            unit.save_domain_results(f"s{n}", results, NOW)


def best(run) -> float:
    times = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times)


def measure(screenings: int) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.db"
        migrate.upgrade(url)
        repository = Repository(make_engine(url), TextCipher(new_encryption_key()), "bench-secret")
        fill(repository, screenings)
        boss = Viewer(0, "boss", "supervisor")

        def dashboard():
            with repository.transaction() as unit:
                figures = program_figures(unit.conn, unit.cipher)
            assert dict(figures.positive_domains)["safety"] == len(range(0, screenings, 3))

        def need_filter():
            with repository.transaction() as unit:
                list_cases(unit.conn, boss, CaseFilter(need="safety"), cipher=unit.cipher)

        found = {"screenings": screenings, "sealed_results": screenings * len(default_instrument().sensitive_domains),
                 "dashboard_seconds": round(best(dashboard), 4), "need_filter_seconds": round(best(need_filter), 4)}
        repository.engine.dispose()
        return found


def one_decryption() -> float:
    cipher = TextCipher(new_encryption_key())
    token = cipher.encrypt('{"complete":true,"positive":true,"score":12}')
    started = time.perf_counter()
    for _ in range(10_000):
        cipher.decrypt(token)
    return (time.perf_counter() - started) / 10_000


def main(argv: list[str]) -> int:
    sizes = [int(a) for a in argv] or [1_000, 10_000]
    report = {"decrypt_microseconds": round(one_decryption() * 1e6, 1), "runs": [measure(n) for n in sizes]}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
