"""Exactly once in, in order out: duplicates, retries, backoff, crashes, delivery statuses."""
from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select

from screening.app.dialogue_client import DialogueUnavailable
from screening.records.sms_tables import sms_delivery_statuses, sms_inbox, sms_outbox

from .conftest import PHONE, Phone, exchange, gateway_client, make_gateway, post_signed, sms_settings


def outbox_rows(gateway):
    with gateway.store.repository.transaction() as unit:
        return unit.conn.execute(select(sms_outbox).order_by(sms_outbox.c.id)).mappings().all()


def test_the_same_message_sid_delivered_five_times_gets_one_reply(database_url, clock, fake_twilio):
    gateway = make_gateway(sms_settings(database_url, fake_twilio), clock)

    async def scenario():
        async with gateway_client(gateway) as client:
            phone = Phone(client)
            sid = phone.new_sid()
            responses = await asyncio.gather(*(phone.text("hi", sid=sid) for _ in range(5)))
            assert {r.status_code for r in responses} == {200}
            await gateway.inbox.drain()
            await gateway.outbox.run_once()
            await phone.text("hi", sid=sid)                  # a late retry after the reply went out
            await gateway.inbox.drain()
            await gateway.outbox.run_once()

    asyncio.run(scenario())
    with gateway.store.repository.transaction() as unit:
        assert len(unit.conn.execute(select(sms_inbox)).all()) == 1
    welcome = fake_twilio.bodies()
    assert len(welcome) >= 1 and sum("needs check" in b for b in welcome) == 1
    assert welcome[-1].endswith("Do you want to start? Reply YES, NO or WHY. Para español, escriba ESPAÑOL.")


def test_one_persons_messages_are_answered_in_arrival_order(database_url, clock, fake_twilio):
    gateway = make_gateway(sms_settings(database_url, fake_twilio), clock)

    async def scenario():
        async with gateway_client(gateway) as client:
            phone = Phone(client)
            for text in ("hi", "yes", "no", "1"):          # all arrive before the worker runs
                await phone.text(text)
            await gateway.inbox.drain()
            await gateway.outbox.run_once()

    asyncio.run(scenario())
    bodies = fake_twilio.bodies()
    welcome = next(n for n, b in enumerate(bodies) if "needs check" in b)
    language = next(n for n, b in enumerate(bodies) if "Which language" in b)
    ticket = next(n for n, b in enumerate(bodies) if "What date is on your ticket" in b)
    assert welcome < language < ticket


def test_429_is_retried_after_retry_after_and_later_messages_wait(database_url, clock, fake_twilio):
    gateway = make_gateway(sms_settings(database_url, fake_twilio), clock)
    fake_twilio.refuse_next(1, 429, retry_after=30)

    async def scenario():
        async with gateway_client(gateway) as client:
            phone = Phone(client)
            await phone.text("hi")
            await phone.text("yes")
            await gateway.inbox.drain()
            assert await gateway.outbox.run_once() == 0       # first refused: nothing after it goes either
            assert fake_twilio.sent == []
            clock.now += timedelta(seconds=29)
            assert await gateway.outbox.run_once() == 0       # Retry-After honoured
            clock.now += timedelta(seconds=2)
            assert await gateway.outbox.run_once() >= 2

    asyncio.run(scenario())
    bodies = fake_twilio.bodies()
    assert "needs check" in bodies[0] and "May we text you a reminder" in bodies[-1]
    first = outbox_rows(gateway)[0]
    assert first["attempts"] == 2 and first["status"] == "sent" and first["twilio_sid"].startswith("SM")


def test_server_errors_back_off_exponentially_then_send_once(sqlite_url, clock, fake_twilio):
    gateway = make_gateway(sms_settings(sqlite_url, fake_twilio), clock)
    fake_twilio.refuse_next(2, 500)

    async def scenario():
        async with gateway_client(gateway) as client:
            await Phone(client).text("hi")
            await gateway.inbox.drain()
            await gateway.outbox.run_once()                   # 500: next try in 2 s
            clock.now += timedelta(seconds=2)
            await gateway.outbox.run_once()                   # 500: next try in 4 s
            clock.now += timedelta(seconds=3)
            assert await gateway.outbox.run_once() == 0
            clock.now += timedelta(seconds=1)
            assert await gateway.outbox.run_once() >= 1

    asyncio.run(scenario())
    assert fake_twilio.requests == 2 + len(fake_twilio.sent)
    assert sum("needs check" in b for b in fake_twilio.bodies()) == 1


def test_a_refused_number_is_recorded_as_failed_and_the_next_message_still_goes(sqlite_url, clock, fake_twilio):
    gateway = make_gateway(sms_settings(sqlite_url, fake_twilio), clock)
    fake_twilio.refuse_next(1, 400, code=21211)

    async def scenario():
        async with gateway_client(gateway) as client:
            await Phone(client).text("hi")
            await gateway.inbox.drain()
            await gateway.outbox.run_once()

    asyncio.run(scenario())
    rows = outbox_rows(gateway)
    assert rows[0]["status"] == "failed" and rows[0]["last_error"] == "http 400 21211"
    assert all(r["status"] == "sent" for r in rows[1:])
    assert fake_twilio.requests == len(rows)


class Crash(BaseException):
    """The process stops here (not an Exception: nothing catches it)."""


class CrashingApi:
    """Twilio's client, but the process stops before or after the POST, once."""

    def __init__(self, api, when: str):
        self.api, self.when, self.crashed = api, when, False

    async def send(self, **message):
        if not self.crashed:
            self.crashed = True
            if self.when == "before":
                raise Crash()
            await self.api.send(**message)
            raise Crash()
        return await self.api.send(**message)

    def __getattr__(self, name):
        return getattr(self.api, name)


def crash_then_restart(gateway, make_again, clock, when: str):
    async def scenario():
        gateway.outbox.api = CrashingApi(gateway.api, when)
        async with gateway_client(gateway) as client:
            await Phone(client).text("hi")
            await gateway.inbox.drain()
            try:
                await gateway.outbox.run_once()
            except Crash:
                pass
        restarted = make_again()
        clock.now += timedelta(minutes=3)              # the stopped send is now stale
        await restarted.outbox.run_once()
        await restarted.api.close()

    asyncio.run(scenario())


def test_a_stop_before_the_post_neither_loses_nor_doubles_the_reply(database_url, clock, fake_twilio):
    settings = sms_settings(database_url, fake_twilio)
    gateway = make_gateway(settings, clock)
    crash_then_restart(gateway, lambda: make_gateway(settings, clock), clock, "before")
    bodies = fake_twilio.bodies()
    assert sum("needs check" in b for b in bodies) == 1 and len(bodies) == len(set(bodies))
    assert all(r["status"] == "sent" for r in outbox_rows(gateway))


def test_a_stop_after_the_post_does_not_send_the_reply_twice(database_url, clock, fake_twilio):
    settings = sms_settings(database_url, fake_twilio)
    gateway = make_gateway(settings, clock)
    crash_then_restart(gateway, lambda: make_gateway(settings, clock), clock, "after")
    bodies = fake_twilio.bodies()
    assert len(bodies) == len(set(bodies)) and sum("needs check" in b for b in bodies) == 1
    rows = outbox_rows(gateway)
    assert all(r["status"] == "sent" for r in rows)
    assert [r["twilio_sid"] for r in rows] == [m.sid for m in fake_twilio.sent]


class StopsAfterReplying:
    """The dialogue answers, then the worker's process stops before it queues the reply."""

    def __init__(self, dialogue):
        self.dialogue, self.stopped = dialogue, False

    async def send(self, **message):
        replies = await self.dialogue.send(**message)
        if not self.stopped:
            self.stopped = True
            raise Crash()
        return replies

    async def close(self):
        return None


def test_a_stop_between_reply_computed_and_queued_loses_nothing(database_url, clock, fake_twilio):
    settings = sms_settings(database_url, fake_twilio)
    first = make_gateway(settings, clock)
    first.inbox.dialogue = StopsAfterReplying(first.inbox.dialogue)

    async def scenario():
        async with gateway_client(first) as client:
            await Phone(client).text("hi")
            try:
                await first.inbox.run_once()
            except Crash:
                pass
        again = make_gateway(settings, clock)          # another process, the same database
        assert await again.inbox.run_once() == 0       # the stopped worker's lease still holds
        clock.now += timedelta(seconds=61)
        assert await again.inbox.run_once() == 1
        await again.outbox.run_once()
        await again.api.close()

    asyncio.run(scenario())
    assert sum("needs check" in b for b in fake_twilio.bodies()) == 1


class Unavailable:
    def __init__(self, dialogue, times: int):
        self.dialogue, self.times, self.calls = dialogue, times, []

    async def send(self, **message):
        self.calls.append(message["message_id"])
        if len(self.calls) <= self.times:
            raise DialogueUnavailable("Rasa answered 503")
        return await self.dialogue.send(**message)


def test_when_the_dialogue_is_down_the_message_waits_and_is_retried_with_the_same_id(sqlite_url, clock,
                                                                                   fake_twilio):
    gateway = make_gateway(sms_settings(sqlite_url, fake_twilio), clock)
    gateway.inbox.dialogue = down = Unavailable(gateway.inbox.dialogue, times=2)

    async def scenario():
        async with gateway_client(gateway) as client:
            await Phone(client).text("hi")
            await Phone(client).text("yes")
            assert await gateway.inbox.run_once() == 0
            assert await gateway.inbox.run_once() == 0       # not due yet: nothing tried
            clock.now += timedelta(seconds=2)
            assert await gateway.inbox.run_once() == 0       # second failure: 4 s
            clock.now += timedelta(seconds=4)
            assert await gateway.inbox.run_once() == 2       # then both, in order
            await gateway.outbox.run_once()

    asyncio.run(scenario())
    assert down.calls[0] == down.calls[1] == down.calls[2]
    bodies = fake_twilio.bodies()
    assert "needs check" in bodies[0] and "May we text you a reminder" in bodies[-1]
    with gateway.store.repository.transaction() as unit:
        first = unit.conn.execute(select(sms_inbox).order_by(sms_inbox.c.id)).mappings().first()
    assert first["attempts"] == 3 and first["last_error"] == "Rasa answered 503"


def test_delivery_statuses_are_recorded_once_and_never_move_backwards(sqlite_url, clock, fake_twilio):
    gateway = make_gateway(sms_settings(sqlite_url, fake_twilio), clock)
    sid = "SM" + "9" * 32

    async def scenario():
        async with gateway_client(gateway) as client:
            for status in ("queued", "sent", "delivered", "sent", "delivered", "queued"):
                response = await post_signed(client, "/sms/twilio/status",
                                             {"MessageSid": sid, "MessageStatus": status, "To": PHONE})
                assert response.status_code == 204
            await post_signed(client, "/sms/twilio/status",
                              {"MessageSid": "SM" + "8" * 32, "MessageStatus": "undelivered", "ErrorCode": "30003"})

    asyncio.run(scenario())
    with gateway.store.repository.transaction() as unit:
        rows = dict(unit.conn.execute(select(sms_delivery_statuses.c.message_sid, sms_delivery_statuses.c.status)).all())
        code = unit.conn.execute(select(sms_delivery_statuses.c.error_code)
                                 .where(sms_delivery_statuses.c.message_sid == "SM" + "8" * 32)).scalar()
    assert rows == {sid: "delivered", "SM" + "8" * 32: "undelivered"} and code == "30003"


def test_each_outgoing_message_fits_and_records_its_segments(sqlite_url, clock, fake_twilio):
    gateway = make_gateway(sms_settings(sqlite_url, fake_twilio), clock)

    async def scenario():
        async with gateway_client(gateway) as client:
            phone = Phone(client)
            for text in ("hi", "yes", "no", "1", "skip", "skip"):
                await exchange(gateway, phone, fake_twilio, text)

    asyncio.run(scenario())
    rows = outbox_rows(gateway)
    assert rows and all(len(b) <= 320 for b in fake_twilio.bodies())
    assert all(r["segments"] >= 1 for r in rows)
    # English goes GSM-7; only the language menu's own names (中文, Tiếng Việt) need UCS-2, and
    # the packing sends them in a text of their own, so the rest of the menu stays GSM-7.
    ucs2 = [b for b, r in zip(fake_twilio.bodies(), rows) if r["encoding"] == "UCS-2"]
    assert len(ucs2) == 1 and "中文" in ucs2[0] and "Tiếng Việt" in ucs2[0] and "English" not in ucs2[0]
    assert [r["segments"] for r in rows if r["encoding"] == "UCS-2"] == [1]
    assert all("<" not in b and "*" not in b for b in fake_twilio.bodies())       # no markup
    assert any("\n1 " in b and "Reply with a number from 1 to" in b for b in fake_twilio.bodies())
