"""Two app processes at once (two services over their own connection pools, racing in threads):
one holder wins a take-over, an idle hold is handed back once, and a web chat message is handed
to one widget response only. On SQLite and PostgreSQL."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from screening.accounts import AccountStore
from screening.app.context import AppContext
from screening.app.dialogue_client import EngineDialogue
from screening.app.talkback import Talkback
from screening.app.web_chat.sessions import ChatSessions, Session
from screening.casework import CaseError, Viewer
from screening.dialogue.engine import ScreeningEngine
from screening.records import models as m
from screening.records.talkback_tables import web_outbox

from ..conftest import make_repository
from ..core.person import Person
from ..core.test_conversation import at_first_question
from .conftest import app_settings

CONVERSATION = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def two_processes(database_url, clock):
    services = []
    for _ in range(2):
        repository = make_repository(database_url)
        services.append(Talkback(AppContext(
            settings=app_settings(database_url), repository=repository, clock=clock,
            dialogue=EngineDialogue(ScreeningEngine(repository, clock=clock)))))
    yield services
    for service in services:
        service.context.repository.engine.dispose()


def race(*calls):
    """Run the calls at the same moment in threads; their results (or the exception raised)."""
    start = threading.Barrier(len(calls))

    def run(call):
        start.wait()
        try:
            return call()
        except Exception as exc:       # the loser's refusal is a result here
            return exc
    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def web_case(repository, clock) -> str:
    at_first_question(Person(ScreeningEngine(repository, clock=clock), sender=f"web:{CONVERSATION}", channel="web"))
    with repository.transaction() as unit:
        return unit.conn.execute(select(m.screenings.c.id)).scalar_one()


def supervisors(repository, clock) -> list[Viewer]:
    with repository.transaction() as unit:
        store = AccountStore(unit.conn, unit.cipher)
        return [Viewer(store.add(name, "supervisor", "a long password for tests", clock.now).id, name, "supervisor")
                for name in ("ana", "bo")]


def outbox_count(repository) -> int:
    with repository.transaction() as unit:
        return unit.conn.execute(select(func.count()).select_from(web_outbox)).scalar()


def test_two_take_overs_at_once_one_wins(two_processes, repository, clock):
    case = web_case(repository, clock)
    ana, bo = supervisors(repository, clock)

    def take(service, viewer):
        def call():
            with service.context.repository.transaction() as unit:
                return service.take_over(unit, case, viewer, clock.now)
        return call
    results = race(take(two_processes[0], ana), take(two_processes[1], bo))
    won = [r for r in results if isinstance(r, dict)]
    lost = [r for r in results if isinstance(r, CaseError)]
    assert len(won) == 1 and won[0] == {"channel": "web"}
    assert len(lost) == 1 and lost[0].status == 409 and "is talking with this person now" in str(lost[0])
    assert outbox_count(repository) == 1                  # the person is told once


def test_an_idle_hold_is_handed_back_by_one_process_only(two_processes, repository, clock):
    case = web_case(repository, clock)
    ana, _ = supervisors(repository, clock)
    with repository.transaction() as unit:
        two_processes[0].take_over(unit, case, ana, clock.now)
    clock.now += timedelta(minutes=31)
    results = race(lambda: two_processes[0].release_idle_holds(clock.now),
                   lambda: two_processes[1].release_idle_holds(clock.now))
    assert sorted(results) == [0, 1]
    with repository.transaction() as unit:
        said = [unit.cipher.decrypt(b) for b in unit.conn.execute(select(web_outbox.c.body_enc)).scalars()]
    assert sum("Our staff member had to step away" in text for text in said) == 1


def test_a_waiting_chat_message_goes_to_one_response_only(two_processes, repository, clock, database_url):
    case = web_case(repository, clock)
    ana, _ = supervisors(repository, clock)
    with repository.transaction() as unit:
        two_processes[0].take_over(unit, case, ana, clock.now)
    for n in range(5):
        with repository.transaction() as unit:
            two_processes[n % 2].reply(unit, case, ana, f"reply number {n}", clock.now)
    session = Session(CONVERSATION, "en")
    widgets = [ChatSessions(service.context.repository, 30) for service in two_processes]
    results = race(*(lambda w=w: w.waiting_messages(session, clock.now) for w in widgets * 2))
    handed = [message["text"] for result in results for message in result]
    assert sorted(handed) == sorted(["A trained person from our team is with you now. They will read what you "
                                     "write and answer you here. The assistant will wait until they are done."]
                                    + [f"reply number {n}" for n in range(5)])
