"""A process restarted under the same APP_WORKER_ID (as `make run`'s supervisor restarts the
app) picks up at once what its predecessor left half-done, without waiting out a lease: the
person is answered once and no text is sent twice. A process with another id waits, as before."""
from __future__ import annotations

import asyncio

from sqlalchemy import select

from screening.app.sms.inbox_worker import LEASE
from screening.records.sms_tables import sms_outbox

from .conftest import Phone, gateway_client, make_gateway, sms_settings


def outbox(gateway):
    with gateway.store.repository.transaction() as unit:
        return unit.conn.execute(select(sms_outbox.c.status, sms_outbox.c.twilio_sid)
                                 .order_by(sms_outbox.c.id)).all()


def test_a_restarted_app_answers_the_conversation_its_predecessor_held_at_once(database_url, clock, fake_twilio):
    settings = sms_settings(database_url, fake_twilio, app_worker_id="app-8000")
    crashed = make_gateway(settings, clock)

    async def scenario():
        async with gateway_client(crashed) as client:
            assert (await Phone(client).text("hi")).status_code == 200
        # The first process leased the conversation, then died before answering.
        assert crashed.store.claim_conversations("app-8000", clock(), LEASE, 16)
        other = make_gateway(sms_settings(database_url, fake_twilio, app_worker_id="app-9000"), clock)
        assert await other.inbox.drain() == 0                   # another id waits out the lease
        restarted = make_gateway(settings, clock)
        assert await restarted.inbox.take_back_leases() == 1
        assert await restarted.inbox.drain() == 1               # the same id: answered now
        await restarted.outbox.run_once()

    asyncio.run(scenario())
    assert sum("needs check" in body for body in fake_twilio.bodies()) == 1


def test_a_send_interrupted_after_twilio_took_it_is_not_sent_again(database_url, clock, fake_twilio):
    settings = sms_settings(database_url, fake_twilio, app_worker_id="app-8000")
    crashed = make_gateway(settings, clock)

    async def scenario():
        async with gateway_client(crashed) as client:
            await Phone(client).text("hi")
        await crashed.inbox.drain()
        # The first process marked the replies `sending` and posted the first to Twilio, then died.
        [first, *rest] = crashed.store.claim_sends(clock(), 1, "app-8000")
        await crashed.api.send(to=first.phone, from_=settings.twilio_from_number, body=first.body,
                               status_callback="https://screening.example.org/sms/twilio/status")
        restarted = make_gateway(settings, clock)
        assert await restarted.outbox.settle_interrupted() == 1      # found at Twilio: sent
        await restarted.outbox.run_once()                            # the rest go out, in order

    asyncio.run(scenario())
    rows = outbox(crashed)
    bodies = fake_twilio.bodies()
    assert len(bodies) == len(rows) and len(set(bodies)) == len(bodies)      # each once
    assert all(status == "sent" for status, _ in rows)
    assert [sid for _, sid in rows] == [m.sid for m in fake_twilio.sent]      # in order, matched


def test_a_send_interrupted_before_twilio_took_it_goes_out_once_at_once(database_url, clock, fake_twilio):
    settings = sms_settings(database_url, fake_twilio, app_worker_id="app-8000")
    crashed = make_gateway(settings, clock)

    async def scenario():
        async with gateway_client(crashed) as client:
            await Phone(client).text("hi")
        await crashed.inbox.drain()
        crashed.store.claim_sends(clock(), 1, "app-8000")             # marked, never posted
        assert await make_gateway(sms_settings(database_url, fake_twilio, app_worker_id="app-9000"),
                                  clock).outbox.settle_interrupted() == 0   # not its own: left alone
        restarted = make_gateway(settings, clock)
        assert await restarted.outbox.settle_interrupted() == 1
        await restarted.outbox.run_once()

    asyncio.run(scenario())
    rows = outbox(crashed)
    assert all(status == "sent" for status, _ in rows) and len(fake_twilio.bodies()) == len(rows)
