"""Reminders by text through the real SMS gateway (signed webhook, inbox worker, ordered
outbox, the local fake of Twilio) and the reminder worker, with the test clock moved by
hand: nudges to finish, quiet hours, STOP and REMINDERS OFF, catching up after downtime,
check-ins after referrals, and two app processes racing with a crash between claim and
send. Each test runs on SQLite and on PostgreSQL."""
from __future__ import annotations

import asyncio
import pytest
from datetime import datetime, timedelta

from sqlalchemy import insert, select

from screening.app.reminders import ReminderSender
from screening.program import Program
from screening.records import models as m
from screening.records.sealing import open_flag
from screening.records.reminder_tables import reminders
from screening.records.sms_tables import sms_outbox

from ...conftest import make_repository
from .conftest import Phone, exchange, gateway_client, make_gateway, sms_settings

WEB_CHAT = "https://screening.example.org/chat"
# The test clock starts on Tuesday 2026-11-24 at 15:00 UTC: 10 AM in Boston.


def sender_for(gateway, clock, owner: str | None = None, program: Program | None = None,
               repository=None) -> ReminderSender:
    return ReminderSender(repository or gateway.store.repository, clock, program=program or Program(),
                          web_chat_url=WEB_CHAT, owner=owner)


def rows(repository, *columns):
    with repository.transaction() as unit:
        return unit.conn.execute(select(*columns).order_by(reminders.c.due_at, reminders.c.id)).all()


async def texts(gateway, phone, fake, *said: str) -> str:
    """Text each message in turn; everything the phone received, as one string."""
    received = []
    for text in said:
        received += await exchange(gateway, phone, fake, text)
    return "\n".join(received)


async def paused_with_reminders(gateway, phone, fake) -> None:
    """Consent, yes to reminders, English, a ticket dated 11/3 (deadline December 18), then PAUSE."""
    reply = await texts(gateway, phone, fake, "hi", "yes")
    assert "May we text you a reminder if you stop before finishing?" in reply
    assert "we will text you a reminder" in await texts(gateway, phone, fake, "yes")
    assert "December 18, 2026" in await texts(gateway, phone, fake, "1", "11/3")
    assert "We saved your answers" in await texts(gateway, phone, fake, "pause")


async def send_reminders(gateway, worker) -> int:
    sent = await worker.run_once()
    await gateway.outbox.run_once()
    return sent


async def finish(gateway, phone, fake) -> str:
    """Skip everything to the end (no contact); the summary."""
    reply = fake.bodies()[-1]
    for _ in range(80):
        if "completion code" in reply:
            return reply
        if "ZIP code or town" in reply:
            answer = "02118"
        elif "reach you" in reply:
            answer = "4"
        else:
            answer = "skip"
        reply = await texts(gateway, phone, fake, answer)
    raise AssertionError(f"the screening never finished: {reply}")


# ---------------------------------------------------------------- nudges to finish
def test_a_paused_screening_gets_its_first_nudge_when_due_continues_on_reply_and_nothing_after_the_end(
        database_url, clock, fake_twilio):
    gateway = make_gateway(sms_settings(database_url, fake_twilio), clock)
    worker = sender_for(gateway, clock)

    async def scenario():
        async with gateway_client(gateway) as client:
            phone = Phone(client)
            await paused_with_reminders(gateway, phone, fake_twilio)
            before = len(fake_twilio.bodies())
            clock.now += timedelta(hours=23)
            assert await send_reminders(gateway, worker) == 0            # not yet due
            clock.now += timedelta(hours=1, minutes=1)
            assert await send_reminders(gateway, worker) == 1
            [nudge] = fake_twilio.bodies()[before:]
            assert "Your needs check is saved where you left off" in nudge
            assert "reply with any word, like HI" in nudge
            assert "Please finish by December 18, 2026" in nudge
            assert "reply REMINDERS OFF" in nudge
            assert await send_reminders(gateway, worker) == 0            # sent once

            reply = await texts(gateway, phone, fake_twilio, "hi")
            assert "Welcome back" in reply and "What would help you most right now?" in reply
            summary = await finish(gateway, phone, fake_twilio)
            after_the_end = len(fake_twilio.bodies())
            for _ in range(6):                                         # through the old nudges' due times
                clock.now += timedelta(days=1)
                await send_reminders(gateway, worker)
            return summary, fake_twilio.bodies()[after_the_end:]

    summary, later = asyncio.run(scenario())
    assert "completion code" in summary
    assert later == []                                                 # finished: no nudge ever again
    statuses = {(kind, status) for kind, status in rows(gateway.store.repository, reminders.c.kind,
                                                          reminders.c.status)}
    assert ("nudge", "sent") in statuses and ("nudge", "scheduled") not in statuses


def test_a_screening_left_mid_question_is_nudged_and_the_reply_goes_on_with_that_question(
        database_url, clock, fake_twilio):
    gateway = make_gateway(sms_settings(database_url, fake_twilio), clock)
    worker = sender_for(gateway, clock)

    async def scenario():
        async with gateway_client(gateway) as client:
            phone = Phone(client)
            await texts(gateway, phone, fake_twilio, "hi", "yes", "yes", "1", "skip", "skip")
            assert "What is your living situation today?" in fake_twilio.bodies()[-1]
            clock.now += timedelta(days=1, minutes=1)
            assert await send_reminders(gateway, worker) == 1
            assert "45 days from the date on your ticket" in fake_twilio.bodies()[-1]   # no date given
            return await texts(gateway, phone, fake_twilio, "HI")

    reply = asyncio.run(scenario())
    assert "Welcome back" in reply and "What is your living situation today?" in reply


def test_no_reminder_is_texted_outside_9_am_to_8_pm_boston_time(database_url, clock, fake_twilio):
    clock.now = datetime(2026, 11, 24, 2, 0)             # 9 PM in Boston
    gateway = make_gateway(sms_settings(database_url, fake_twilio), clock)
    worker = sender_for(gateway, clock)

    async def scenario():
        async with gateway_client(gateway) as client:
            await paused_with_reminders(gateway, Phone(client), fake_twilio)
            before = len(fake_twilio.bodies())
            clock.now += timedelta(days=1, minutes=1)        # due at 9:01 PM
            assert await send_reminders(gateway, worker) == 0
            clock.now = datetime(2026, 11, 25, 13, 59)       # 8:59 AM
            assert await send_reminders(gateway, worker) == 0
            assert fake_twilio.bodies()[before:] == []
            clock.now = datetime(2026, 11, 25, 14, 0)        # 9:00 AM
            assert await send_reminders(gateway, worker) == 1
            return fake_twilio.bodies()[before:]

    [nudge] = asyncio.run(scenario())
    assert "REMINDERS OFF" in nudge


def test_after_stop_no_reminder_is_sent(database_url, clock, fake_twilio):
    gateway = make_gateway(sms_settings(database_url, fake_twilio), clock)
    worker = sender_for(gateway, clock)

    async def scenario():
        async with gateway_client(gateway) as client:
            phone = Phone(client)
            await paused_with_reminders(gateway, phone, fake_twilio)
            assert await texts(gateway, phone, fake_twilio, "STOP") == ""
            before = len(fake_twilio.bodies())
            for _ in range(8):
                clock.now += timedelta(days=1)
                assert await send_reminders(gateway, worker) == 0
            return fake_twilio.bodies()[before:]

    assert asyncio.run(scenario()) == []
    with gateway.store.repository.transaction() as unit:
        queued = unit.conn.execute(select(sms_outbox.c.id).where(sms_outbox.c.status == "queued")).all()
    assert queued == []
    outcomes = {(status, reason) for status, reason in rows(gateway.store.repository, reminders.c.status,
                                                               reminders.c.reason)}
    assert ("cancelled", "sms_opted_out") in outcomes and ("sent", None) not in outcomes


def test_reminders_off_stops_everything_scheduled_at_once_and_reminders_on_starts_again(
        database_url, clock, fake_twilio):
    gateway = make_gateway(sms_settings(database_url, fake_twilio), clock)
    worker = sender_for(gateway, clock)

    async def scenario():
        async with gateway_client(gateway) as client:
            phone = Phone(client)
            await paused_with_reminders(gateway, phone, fake_twilio)
            assert rows(gateway.store.repository, reminders.c.status) == [("scheduled",)] * 4
            off = await texts(gateway, phone, fake_twilio, "REMINDERS OFF")
            assert "reminders are off" in off
            assert {s for s, in rows(gateway.store.repository, reminders.c.status)} == {"cancelled"}
            before = len(fake_twilio.bodies())
            for _ in range(8):
                clock.now += timedelta(days=1)
                assert await send_reminders(gateway, worker) == 0
            assert fake_twilio.bodies()[before:] == []
            on = await texts(gateway, phone, fake_twilio, "reminders on")
            clock.now += timedelta(days=1, minutes=1)
            sent = await send_reminders(gateway, worker)
            return off, on, sent

    off, on, sent = asyncio.run(scenario())
    assert "reminders are on" in on and "What would help you most" not in on     # still paused
    assert sent == 1


def test_in_spanish_the_reminder_words_and_the_nudge_are_spanish(database_url, clock, fake_twilio):
    gateway = make_gateway(sms_settings(database_url, fake_twilio), clock)
    worker = sender_for(gateway, clock)

    async def scenario():
        async with gateway_client(gateway) as client:
            phone = Phone(client)
            asked = await texts(gateway, phone, fake_twilio, "hola", "sí")
            assert "¿Podemos enviarle un texto para recordarle" in asked
            await texts(gateway, phone, fake_twilio, "sí", "skip", "pausa")
            clock.now += timedelta(days=1, minutes=1)
            assert await send_reminders(gateway, worker) == 1
            nudge = fake_twilio.bodies()[-1]
            off = await texts(gateway, phone, fake_twilio, "RECORDATORIOS NO")
            return nudge, off

    nudge, off = asyncio.run(scenario())
    assert "Su chequeo está guardado" in nudge and "RECORDATORIOS NO" in nudge
    assert "los recordatorios estan apagados" in off     # by SMS, Spanish goes accent-folded to GSM-7


def test_after_downtime_only_the_latest_due_reminder_is_sent(database_url, clock, fake_twilio):
    gateway = make_gateway(sms_settings(database_url, fake_twilio), clock)
    worker = sender_for(gateway, clock)

    async def scenario():
        async with gateway_client(gateway) as client:
            await paused_with_reminders(gateway, Phone(client), fake_twilio)
            before = len(fake_twilio.bodies())
            clock.now += timedelta(days=15)                  # the app was down; three nudges are due
            assert await send_reminders(gateway, worker) == 1
            assert await send_reminders(gateway, worker) == 0
            return fake_twilio.bodies()[before:]

    [one] = asyncio.run(scenario())
    assert "December 18, 2026" in one
    statuses = [s for s, in rows(gateway.store.repository, reminders.c.status)]
    assert statuses == ["skipped", "skipped", "sent", "scheduled"]      # the 3-days-before one is still ahead


def test_while_a_screener_holds_the_conversation_the_reminder_waits(database_url, clock, fake_twilio):
    from screening.accounts import AccountStore
    from screening.records.talkback_tables import conversation_holds

    gateway = make_gateway(sms_settings(database_url, fake_twilio), clock)
    worker = sender_for(gateway, clock)

    async def scenario():
        async with gateway_client(gateway) as client:
            await paused_with_reminders(gateway, Phone(client), fake_twilio)
            with gateway.store.repository.transaction() as unit:
                sam = AccountStore(unit.conn, unit.cipher).add("sam", "screener", "a long password for tests",
                                                               clock.now)
                case = unit.conn.execute(select(m.screenings.c.id)).scalar_one()
                unit.conn.execute(insert(conversation_holds).values(
                    screening_id=case, held_by=sam.id, held_at=clock.now, touched_at=clock.now))
            clock.now += timedelta(days=1, minutes=1)
            assert await send_reminders(gateway, worker) == 0
            with gateway.store.repository.transaction() as unit:
                unit.conn.execute(conversation_holds.delete())
            clock.now += timedelta(hours=1)
            return await send_reminders(gateway, worker)

    assert asyncio.run(scenario()) == 1


# ----------------------------------------------------------------- check-ins
def test_check_ins_a_week_after_the_end_store_each_outcome_and_no_flags_the_case(database_url, clock,
                                                                                fake_twilio):
    gateway = make_gateway(sms_settings(database_url, fake_twilio), clock)
    worker = sender_for(gateway, clock)
    repository = gateway.store.repository

    async def scenario():
        async with gateway_client(gateway) as client:
            phone = Phone(client)
            await texts(gateway, phone, fake_twilio, "hi", "yes", "yes", "1", "11/3",
                        "I need food and a job", "ok")
            await finish(gateway, phone, fake_twilio)
            before = len(fake_twilio.bodies())
            clock.now += timedelta(days=7, minutes=1)
            assert await send_reminders(gateway, worker) == 1
            first = fake_twilio.bodies()[before:]
            yes = await texts(gateway, phone, fake_twilio, "1")
            clock.now += timedelta(days=1)
            assert await send_reminders(gateway, worker) == 1
            second = fake_twilio.bodies()[-1]
            no = await texts(gateway, phone, fake_twilio, "2")
            return first, yes, second, no

    [first], yes, second, no = asyncio.run(scenario())
    with repository.transaction() as unit:
        checked = unit.conn.execute(select(m.referrals.c.need, m.referrals.c.name, m.referrals.c.outcome)
                                    .where(m.referrals.c.outcome.isnot(None)).order_by(m.referrals.c.id)).all()
        flags = [(r.kind, open_flag(unit.cipher, r)[0]) for r in unit.conn.execute(select(m.flags))]
    assert [(need, outcome) for need, _, outcome in checked] == [("food", "reached"), ("employment", "not_reached")]
    assert f"Were you able to reach {checked[0].name}?" in first and "1 Yes, 2 No, or 3 I need other help" in first
    assert "glad you reached them" in yes
    assert f"Were you able to reach {checked[1].name}?" in second
    assert "I let our staff know" in no
    assert ("referral_follow_up", "not_reached") in flags


# ------------------------------------------------------ two app processes, one crash
def test_two_app_processes_and_a_crash_between_claim_and_send_deliver_exactly_one_reminder(
        database_url, clock, fake_twilio):
    gateway = make_gateway(sms_settings(database_url, fake_twilio), clock)
    other_repository = make_repository(database_url)           # the second process's own connections
    first = sender_for(gateway, clock, owner="process-1")
    second = sender_for(gateway, clock, owner="process-2", repository=other_repository)

    async def scenario():
        async with gateway_client(gateway) as client:
            await paused_with_reminders(gateway, Phone(client), fake_twilio)
            before = len(fake_twilio.bodies())
            clock.now += timedelta(days=1, minutes=1)
            [claimed] = first.claim(clock.now)                  # process 1 claims, then stops before sending
            assert second.send_due(clock.now) == 0              # its lease holds: process 2 leaves it
            clock.now += timedelta(minutes=3)                   # the lease runs out
            assert second.send_due(clock.now) == 1
            assert first.deliver(claimed, clock.now) == "lost"  # process 1 comes back: too late, nothing sent
            assert first.send_due(clock.now) == second.send_due(clock.now) == 0
            await gateway.outbox.run_once()
            return fake_twilio.bodies()[before:]

    try:
        sent = asyncio.run(scenario())
    finally:
        other_repository.engine.dispose()
    assert len(sent) == 1 and "Your needs check is saved" in sent[0]
    with gateway.store.repository.transaction() as unit:
        assert len(unit.conn.execute(select(sms_outbox.c.id).where(sms_outbox.c.inbox_id.is_(None))).all()) == 1
    assert [s for s, in rows(gateway.store.repository, reminders.c.status)].count("sent") == 1


def test_two_processes_claiming_at_once_never_take_the_same_reminder(database_url, clock, fake_twilio):
    import threading

    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has one writer at a time; the race is PostgreSQL's (FOR UPDATE SKIP LOCKED)")
    gateway = make_gateway(sms_settings(database_url, fake_twilio), clock)

    async def scenario():
        async with gateway_client(gateway) as client:
            for n in range(6):
                await paused_with_reminders(gateway, Phone(client, number=f"+1617555{1000 + n}"), fake_twilio)

    asyncio.run(scenario())
    clock.now += timedelta(days=1, minutes=1)
    repositories = [make_repository(database_url) for _ in range(2)]
    senders = [sender_for(gateway, clock, owner=f"process-{n}", repository=repositories[n]) for n in range(2)]
    claimed: list[list] = [[], []]
    start = threading.Barrier(2)

    def claim(n: int) -> None:
        start.wait()
        claimed[n] = senders[n].claim(clock.now)

    threads = [threading.Thread(target=claim, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for repository in repositories:
        repository.engine.dispose()
    ids = [c.id for c in claimed[0] + claimed[1]]
    assert len(ids) == 6 and len(set(ids)) == 6


# ------------------------------------------------ the whole app, served over HTTP
def test_through_the_served_app_a_paused_person_is_nudged_and_the_reply_goes_on(database_url, clock,
                                                                                fake_twilio):
    import httpx

    from screening.app.dialogue_client import EngineDialogue
    from screening.app.main import create_app
    from screening.dialogue.engine import ScreeningEngine

    from ..conftest import serve
    from .conftest import PUBLIC_BASE_URL, inbound_form, signature_for
    from .test_end_to_end import settled

    settings = sms_settings(database_url, fake_twilio)
    repository = make_repository(database_url)
    app = create_app(settings, dialogue=EngineDialogue(ScreeningEngine(repository, clock=clock)), clock=clock)
    replies = []
    try:
        with serve(app) as base, httpx.Client(base_url=base) as client:
            def text(body: str) -> str:
                sid = Phone.new_sid()
                form = inbound_form(body, sid)
                before = len(fake_twilio.sent)
                response = client.post("/sms/twilio", data=form, headers={
                    "X-Twilio-Signature": signature_for(f"{PUBLIC_BASE_URL}/sms/twilio", form)})
                assert response.status_code == 200
                assert fake_twilio.wait_until(lambda: settled(repository, fake_twilio, sid)), body
                return "\n".join(m.body for m in fake_twilio.sent[before:])

            for body in ("hi", "yes", "yes", "1", "11/3", "pause"):
                replies.append(text(body))
            before = len(fake_twilio.sent)
            clock.now += timedelta(days=1, minutes=1)
            assert app.state.reminders.send_due(clock.now) == 1
            assert fake_twilio.wait_until(lambda: len(fake_twilio.sent) == before + 1)
            nudge = fake_twilio.sent[-1].body
            back = text("hi")
    finally:
        repository.engine.dispose()
    assert "May we text you a reminder" in replies[1] and "we will text you a reminder" in replies[2]
    assert "Please finish by December 18, 2026" in nudge and "REMINDERS OFF" in nudge
    assert "Welcome back" in back and "What would help you most right now?" in back
