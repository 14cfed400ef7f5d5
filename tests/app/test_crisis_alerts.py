"""Crisis alerts for the on-call person: one POST per crisis flag to a local receiver, with the
kind and the console link and nothing the person said; failures retried with backoff; nothing
without the setting; two workers never send one flag twice."""
from __future__ import annotations

import asyncio
import json
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from screening.app.context import AppContext
from screening.app.crisis_alerts import CrisisAlerter, CrisisAlertStore, crisis_alert_feature
from screening.casework import set_status
from screening.records import models as m
from tests.core.crisis_cases import add_flag, new_case

from ..conftest import make_repository
from .conftest import app_settings, engine_app, free_port, serve

BASE = "https://screening.example.org"
PHONE = "+16175551234"
REPLY = "If you are in danger now, call 911."
SAID = ("I took all my pills an hour ago", "he said he would hurt me tonight", "my address is 12 Elm St")


class Receiver:
    """An on-call tool's incoming webhook on 127.0.0.1: records every POST; can answer 500 for a while."""

    def __init__(self):
        self.requests: list[tuple[int, bytes]] = []      # (the status we answered, the raw body)
        self.failures: list[int] = []
        self._changed = threading.Condition()
        self.app = Starlette(routes=[Route("/hook", self.hook, methods=["POST"])])

    async def hook(self, request: Request):
        raw = await request.body()
        status = self.failures.pop(0) if self.failures else 200
        with self._changed:
            self.requests.append((status, raw))
            self._changed.notify_all()
        return JSONResponse({"ok": status == 200}, status_code=status)

    @property
    def accepted(self) -> list[dict]:
        return [json.loads(raw) for status, raw in self.requests if status == 200]

    def wait_until(self, predicate, timeout: float = 20.0) -> bool:
        with self._changed:
            return self._changed.wait_for(predicate, timeout)


@pytest.fixture
def receiver():
    fake = Receiver()
    with serve(fake.app) as base:
        fake.url = f"{base}/hook"
        yield fake


def alerter(database_url: str, clock, url: str, **options) -> CrisisAlerter:
    return CrisisAlerter(CrisisAlertStore(make_repository(database_url)), clock, webhook_url=url,
                         public_base_url=BASE, **options)


def logged(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "screening.app.crisis_alerts"]


def flag_rows(repository) -> list:
    with repository.transaction() as unit:
        return unit.conn.execute(m.flags.select().order_by(m.flags.c.id)).all()


def test_one_alert_per_crisis_flag_with_kind_and_link_and_nothing_the_person_said(
        database_url, clock, receiver, caplog):
    repository = make_repository(database_url)
    said = tuple(("in", text) for text in SAID) + (("out", REPLY),)
    first = new_case(repository, PHONE, clock.now, messages=said)
    second = new_case(repository, "web-person", clock.now, channel="web", messages=said)
    add_flag(repository, first, "overdose", clock.now, step="item:ahc_7")
    clock.now += timedelta(minutes=1)
    add_flag(repository, first, "violence", clock.now, step="needs")
    add_flag(repository, second, "phq9_item9", clock.now)                      # an older reason: self-harm
    add_flag(repository, second, "asked", clock.now, kind="person_requested")  # not a crisis: no alert
    sender = alerter(database_url, clock, receiver.url)

    with caplog.at_level(logging.INFO, logger="screening.app.crisis_alerts"):
        assert asyncio.run(sender.run_once()) == 3
        assert asyncio.run(sender.run_once()) == 0          # each flag once
    assert len(receiver.requests) == 3
    # Sent side by side: compare in the order raised.
    assert sorted(receiver.accepted, key=lambda a: (a["raised_at"], a["kind"])) == [
        {"event": "crisis case waiting", "kind": "overdose", "case": f"{BASE}/review/cases/{first}",
         "raised_at": "2026-11-24T15:00:00+00:00"},
        {"event": "crisis case waiting", "kind": "self_harm", "case": f"{BASE}/review/cases/{second}",
         "raised_at": "2026-11-24T15:01:00+00:00"},
        {"event": "crisis case waiting", "kind": "violence", "case": f"{BASE}/review/cases/{first}",
         "raised_at": "2026-11-24T15:01:00+00:00"}]
    everything_sent = b"".join(raw for _, raw in receiver.requests).decode()
    for text in SAID + (REPLY, PHONE, "ahc_7", "needs"):
        assert text not in everything_sent
    rows = flag_rows(repository)
    assert [r.alerted_at for r in rows] == [clock.now, clock.now, clock.now, None]
    assert logged(caplog) == ["crisis alert sent"] * 3       # never the body or the link
    repository.engine.dispose()


def test_a_failing_receiver_is_retried_with_backoff_and_the_flag_stays_unmarked(
        database_url, clock, receiver, caplog):
    repository = make_repository(database_url)
    case = new_case(repository, PHONE, clock.now, messages=(("in", SAID[0]),))
    add_flag(repository, case, "overdose", clock.now, step="item:ahc_7")
    sender = alerter(database_url, clock, receiver.url)
    receiver.failures = [500, 500]

    with caplog.at_level(logging.INFO, logger="screening.app.crisis_alerts"):
        assert asyncio.run(sender.run_once()) == 0
        row = flag_rows(repository)[0]
        assert row.alerted_at is None and row.alert_attempts == 1
        assert row.alert_next_attempt_at == clock.now + timedelta(seconds=2)
        assert asyncio.run(sender.run_once()) == 0 and len(receiver.requests) == 1     # not due yet

        clock.now += timedelta(seconds=2)
        assert asyncio.run(sender.run_once()) == 0                                     # 500 again: wait longer
        assert flag_rows(repository)[0].alert_next_attempt_at == clock.now + timedelta(seconds=4)
        clock.now += timedelta(seconds=3)
        assert asyncio.run(sender.run_once()) == 0 and len(receiver.requests) == 2
        clock.now += timedelta(seconds=1)
        assert asyncio.run(sender.run_once()) == 1

    assert [status for status, _ in receiver.requests] == [500, 500, 200] and len(receiver.accepted) == 1
    row = flag_rows(repository)[0]
    assert row.alerted_at == clock.now and row.alert_attempts == 3 and row.alert_next_attempt_at is None
    assert logged(caplog) == ["crisis alert failed (status 500)"] * 2 + ["crisis alert sent"]
    repository.engine.dispose()


def test_an_unreachable_receiver_never_stops_the_worker_and_a_picked_up_case_is_not_alerted(
        sqlite_url, clock, receiver, caplog):
    repository = make_repository(sqlite_url)
    waiting = new_case(repository, "a", clock.now)
    picked_up = new_case(repository, "b", clock.now)
    add_flag(repository, waiting, "medical", clock.now, step="done")
    add_flag(repository, picked_up, "self_harm", clock.now, step="consent")
    with repository.transaction() as unit:
        set_status(unit.conn, picked_up, "in_review", clock.now)

    nobody_listening = f"http://127.0.0.1:{free_port()}/hook"
    with caplog.at_level(logging.WARNING, logger="screening.app.crisis_alerts"):
        assert asyncio.run(alerter(sqlite_url, clock, nobody_listening, timeout=2.0).run_once()) == 0
    assert logged(caplog) == ["crisis alert failed (status none, ConnectError)"]
    assert [r.alerted_at for r in flag_rows(repository)] == [None, None]

    clock.now += timedelta(seconds=2)
    assert asyncio.run(alerter(sqlite_url, clock, receiver.url).run_once()) == 1
    assert [a["case"] for a in receiver.accepted] == [f"{BASE}/review/cases/{waiting}"]
    # Once a screener has the case, a failed alert is not tried again.
    add_flag(repository, waiting, "overdose", clock.now, step="needs")
    receiver.failures = [500]
    assert asyncio.run(alerter(sqlite_url, clock, receiver.url).run_once()) == 0
    with repository.transaction() as unit:
        set_status(unit.conn, waiting, "in_review", clock.now)
    clock.now += timedelta(minutes=10)
    assert asyncio.run(alerter(sqlite_url, clock, receiver.url).run_once()) == 0
    assert len(receiver.requests) == 2
    repository.engine.dispose()


def test_without_the_setting_nothing_is_sent_and_nothing_is_marked(sqlite_url, clock, receiver):
    repository = make_repository(sqlite_url)
    case = new_case(repository, PHONE, clock.now)
    add_flag(repository, case, "self_harm", clock.now, step="item:phq9_9")
    settings = app_settings(sqlite_url)
    assert settings.crisis_alert_webhook_url == ""
    feature = crisis_alert_feature(AppContext(settings=settings, repository=repository, dialogue=None,
                                              clock=clock))
    assert feature.on_start == [] and feature.routes == []                 # no loop runs at all
    assert asyncio.run(alerter(sqlite_url, clock, "").run_once()) == 0
    assert receiver.requests == []
    row = flag_rows(repository)[0]
    assert row.alerted_at is None and row.alert_attempts is None
    repository.engine.dispose()


def test_the_running_app_alerts_the_receiver_from_its_background_worker(sqlite_url, clock, receiver):
    repository = make_repository(sqlite_url)
    case = new_case(repository, PHONE, clock.now, messages=(("in", SAID[0]),))
    add_flag(repository, case, "overdose", clock.now, step="item:ahc_7")
    settings = app_settings(sqlite_url, public_base_url=BASE, crisis_alert_webhook_url=receiver.url)
    with serve(engine_app(settings, clock)):
        assert receiver.wait_until(lambda: receiver.accepted)
    assert receiver.accepted == [{"event": "crisis case waiting", "kind": "overdose",
                                  "case": f"{BASE}/review/cases/{case}", "raised_at": "2026-11-24T15:00:00+00:00"}]
    repository.engine.dispose()


def test_two_workers_never_send_one_flag_twice(database_url, clock, receiver):
    repository = make_repository(database_url)
    cases = [new_case(repository, f"person-{n}", clock.now) for n in range(6)]
    for n in range(24):
        add_flag(repository, cases[n % 6], ("self_harm", "overdose", "violence", "medical")[n % 4],
                 clock.now + timedelta(seconds=n), step="needs")

    # Claims racing each other: two processes, one moment, disjoint shares.
    stores = [CrisisAlertStore(make_repository(database_url)) for _ in range(2)]
    start = threading.Barrier(2)

    def claim(store):
        start.wait()
        return {a.flag_id for a in store.claim(clock.now, 24)}

    with ThreadPoolExecutor(2) as pool:
        first, second = pool.map(claim, stores)
    assert not first & second and len(first | second) == 24

    # Whole rounds racing each other once those leases have run out.
    clock.now += timedelta(minutes=3)
    workers = [CrisisAlerter(store, clock, webhook_url=receiver.url, public_base_url=BASE, batch=3)
               for store in stores]

    async def both():
        return await asyncio.gather(*(w.run_once() for w in workers))

    assert sum(asyncio.run(both())) == 24
    assert sum(asyncio.run(both())) == 0
    sent = [(a["case"], a["kind"], a["raised_at"]) for a in receiver.accepted]
    assert len(receiver.requests) == 24 and len(set(sent)) == 24
    assert all(r.alerted_at == clock.now and r.alert_attempts == 2 for r in flag_rows(repository))
    for store in stores:
        store.repository.engine.dispose()
    repository.engine.dispose()
