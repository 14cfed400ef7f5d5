"""Twilio refusing every message for hours (500s, then 429s): when it is back, every reply
goes out once and in order; none is given up on while the outage lasts less than a day."""
from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select

from screening.records.sms_tables import sms_outbox

from .conftest import Phone, gateway_client, make_gateway, sms_settings


def test_replies_queued_during_a_three_hour_twilio_outage_all_go_out_once_in_order(database_url, clock,
                                                                                     fake_twilio):
    gateway = make_gateway(sms_settings(database_url, fake_twilio), clock)
    fake_twilio.refuse_next(30, 500)
    fake_twilio.refuse_next(20, 429, retry_after=60)
    started = clock.now

    async def scenario():
        async with gateway_client(gateway) as client:
            await Phone(client).text("hi")
            await gateway.inbox.drain()
            while fake_twilio.refusals or not fake_twilio.sent:
                await gateway.outbox.run_once()
                clock.now += timedelta(minutes=5)            # the longest backoff
                assert clock.now - started < timedelta(hours=6)
            for _ in range(3):
                await gateway.outbox.run_once()

    asyncio.run(scenario())
    assert clock.now - started > timedelta(hours=3)           # far past the old 10-attempt limit
    with gateway.store.repository.transaction() as unit:
        rows = unit.conn.execute(select(sms_outbox.c.status, sms_outbox.c.twilio_sid)
                                 .order_by(sms_outbox.c.id)).all()
    assert [status for status, _ in rows] == ["sent"] * len(rows)
    assert [sid for _, sid in rows] == [m.sid for m in fake_twilio.sent]       # each once, in order
    assert "needs check" in fake_twilio.sent[0].body
