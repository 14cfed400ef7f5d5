"""Phone numbers are kept only as long as the retention rule says, for everyone; an opt-out
outlives the number (kept as the keyed hash only) and still holds when the person texts again."""
from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select

from screening.records.sms_tables import sms_conversations
from screening.retention import purge

from .conftest import PHONE, Phone, exchange, gateway_client, make_gateway, sms_settings

OTHER = "+16175550177"
RETENTION_DAYS = 365


def conversations(gateway) -> dict[str, dict]:
    """phone hash -> the row, with the number decrypted when it is still kept."""
    with gateway.store.repository.transaction() as unit:
        rows = unit.conn.execute(select(sms_conversations)).mappings().all()
        return {row["phone_hash"]: {**row, "phone": unit.cipher.decrypt(row["phone_enc"]) if row["phone_enc"] else None}
                for row in rows}


def test_numbers_go_after_retention_and_a_stop_still_holds_without_the_number(database_url, clock, fake_twilio):
    gateway = make_gateway(sms_settings(database_url, fake_twilio), clock)
    stopped, chatted = gateway.store.phone_hash(PHONE), gateway.store.phone_hash(OTHER)

    async def scenario():
        async with gateway_client(gateway) as client:
            async def texts(phone_number: str, *bodies: str) -> list[str]:
                phone, replies = Phone(client, phone_number), []
                for body in bodies:
                    replies += await exchange(gateway, phone, fake_twilio, body)
                return replies

            await texts(PHONE, "hi", "STOP")
            await texts(OTHER, "hi")
            assert {row["phone"] for row in conversations(gateway).values()} == {PHONE, OTHER}

            clock.now += timedelta(days=RETENTION_DAYS - 1)
            purge(gateway.store.repository, RETENTION_DAYS, now=clock.now)
            assert {row["phone"] for row in conversations(gateway).values()} == {PHONE, OTHER}   # not yet

            clock.now += timedelta(days=2)
            report = purge(gateway.store.repository, RETENTION_DAYS, now=clock.now)

            kept = conversations(gateway)
            assert list(kept) == [stopped]                          # the other person is gone entirely
            assert kept[stopped]["phone"] is None and kept[stopped]["phone_enc"] is None
            assert kept[stopped]["opted_out"] is True               # only the keyed hash and the opt-out
            assert report.rows_deleted["sms_conversations"] == 1
            assert report.rows_deleted["sms_conversations (number erased, opt-out kept)"] == 1

            sent_before = len(fake_twilio.sent)
            assert await texts(PHONE, "hello again") == []         # STOP holds without the number
            assert len(fake_twilio.sent) == sent_before
            back = await texts(PHONE, "START")                      # the text brought the number back
            assert len(back) == 1 and "You will get our texts again" in back[0]
            assert fake_twilio.sent[-1].to == PHONE
            assert conversations(gateway)[stopped]["phone"] == PHONE
            assert chatted not in conversations(gateway)

    asyncio.run(scenario())


def test_a_number_stays_while_its_screening_is_kept(database_url, clock, fake_twilio):
    gateway = make_gateway(sms_settings(database_url, fake_twilio), clock)

    async def texts(*bodies: str) -> list[str]:
        async with gateway_client(gateway) as client:
            phone, replies = Phone(client, PHONE), []
            for body in bodies:
                replies += await exchange(gateway, phone, fake_twilio, body)
            return replies

    asyncio.run(texts("hi", "yes"))
    clock.now += timedelta(days=RETENTION_DAYS + 5)
    # A screener works on the case now: the screening's last activity is recent, so it is kept,
    # and so is the number its confirmation text would go to.
    with gateway.store.repository.transaction() as unit:
        unit.conn.exec_driver_sql("UPDATE screenings SET updated_at = ?" if database_url.startswith("sqlite")
                                  else "UPDATE screenings SET updated_at = %s", (clock.now,))
    report = purge(gateway.store.repository, RETENTION_DAYS, now=clock.now)
    assert report.screenings == 0
    [row] = conversations(gateway).values()
    assert row["phone"] == PHONE
