"""Only Twilio gets in: signed with the account's token, against the public URL."""
from __future__ import annotations

import asyncio
import logging
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from screening.records.sms_tables import SMS_TABLES, sms_delivery_statuses, sms_inbox

from .conftest import (
    PHONE, PUBLIC_BASE_URL, Phone, gateway_client, inbound_form, make_gateway, post_signed, signature_for,
    sms_settings,
)

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def row_counts(gateway) -> dict[str, int]:
    with gateway.store.repository.transaction() as unit:
        return {t.name: unit.conn.execute(select(func.count()).select_from(t)).scalar() for t in SMS_TABLES}


def nothing_stored(gateway) -> bool:
    return set(row_counts(gateway).values()) == {0}


def test_a_signed_message_is_acknowledged_at_once_with_empty_twiml(database_url, clock, fake_twilio):
    gateway = make_gateway(sms_settings(database_url, fake_twilio), clock)

    async def scenario():
        async with gateway_client(gateway) as client:
            return await Phone(client).text("hi")

    response = asyncio.run(scenario())
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/xml")
    assert response.text == EMPTY_TWIML
    assert row_counts(gateway)["sms_inbox"] == 1
    assert fake_twilio.sent == []                      # the reply comes from the worker, not the webhook


@pytest.mark.parametrize("how", ["forged with another token", "missing", "signed for another URL",
                                 "body changed after signing", "empty"])
def test_a_bad_signature_is_refused_and_nothing_is_stored_or_logged(how, sqlite_url, clock, fake_twilio, caplog):
    gateway = make_gateway(sms_settings(sqlite_url, fake_twilio), clock)
    form = inbound_form("my secret answer", "SM" + "f" * 32)

    async def scenario():
        async with gateway_client(gateway) as client:
            if how == "forged with another token":
                return await post_signed(client, "/sms/twilio", form, token="a-guessed-token")
            if how == "missing":
                return await client.post("/sms/twilio", data=form)
            if how == "signed for another URL":
                return await post_signed(client, "/sms/twilio", form, url="https://attacker.example/sms/twilio")
            if how == "empty":
                return await client.post("/sms/twilio", data=form, headers={"X-Twilio-Signature": ""})
            signed = dict(form)
            signature = signature_for(f"{PUBLIC_BASE_URL}/sms/twilio", signed)
            signed["Body"] = "STOP"
            return await client.post("/sms/twilio", data=signed, headers={"X-Twilio-Signature": signature})

    with caplog.at_level(logging.DEBUG):
        response = asyncio.run(scenario())
    assert response.status_code == 403
    assert response.text == "Forbidden."
    assert nothing_stored(gateway)
    logged = [r.getMessage() for r in caplog.records if r.name.startswith("screening")]
    assert logged == ["refused: bad signature"]
    everything_logged = " ".join(r.getMessage() for r in caplog.records)
    assert PHONE not in everything_logged and "secret answer" not in everything_logged


def test_without_an_auth_token_every_request_is_refused(sqlite_url, clock, fake_twilio):
    gateway = make_gateway(sms_settings(sqlite_url, fake_twilio, twilio_auth_token=""), clock)

    async def scenario():
        async with gateway_client(gateway) as client:
            # A forger's best guess when no token is set: sign with an empty key.
            return await post_signed(client, "/sms/twilio", inbound_form("hi", "SM" + "1" * 32), token="")

    assert asyncio.run(scenario()).status_code == 403
    assert nothing_stored(gateway)


@pytest.mark.parametrize("missing", ["From", "MessageSid"])
def test_a_signed_request_without_from_or_message_sid_is_a_plain_400(missing, sqlite_url, clock, fake_twilio):
    gateway = make_gateway(sms_settings(sqlite_url, fake_twilio), clock)
    form = inbound_form("hi", "SM" + "2" * 32)
    del form[missing]

    async def scenario():
        async with gateway_client(gateway) as client:
            return await post_signed(client, "/sms/twilio", form)

    response = asyncio.run(scenario())
    assert response.status_code == 400 and missing in response.text
    assert nothing_stored(gateway)


def test_an_oversized_request_is_refused_before_reading_it(sqlite_url, clock, fake_twilio):
    gateway = make_gateway(sms_settings(sqlite_url, fake_twilio), clock)

    async def scenario():
        async with gateway_client(gateway) as client:
            return await post_signed(client, "/sms/twilio", inbound_form("x" * 40_000, "SM" + "3" * 32))

    assert asyncio.run(scenario()).status_code == 413
    assert nothing_stored(gateway)


def test_status_callbacks_need_a_signature_too(sqlite_url, clock, fake_twilio):
    gateway = make_gateway(sms_settings(sqlite_url, fake_twilio), clock)
    status = {"MessageSid": "SM" + "4" * 32, "MessageStatus": "delivered", "AccountSid": "AC1"}

    async def scenario():
        async with gateway_client(gateway) as client:
            forged = await client.post("/sms/twilio/status", data=status)
            signed = await post_signed(client, "/sms/twilio/status", status)
            return forged, signed

    forged, signed = asyncio.run(scenario())
    assert forged.status_code == 403 and signed.status_code == 204
    with gateway.store.repository.transaction() as unit:
        assert unit.conn.execute(select(sms_delivery_statuses.c.status)).scalars().all() == ["delivered"]


def test_the_public_url_is_what_is_signed_whatever_host_the_request_came_through(sqlite_url, clock, fake_twilio):
    settings = sms_settings(sqlite_url, fake_twilio)
    gateway = make_gateway(replace(settings, public_base_url="https://other.example.net"), clock)

    async def scenario():
        async with gateway_client(gateway) as client:
            # Signed for the URL Twilio was configured with, which this deployment does not claim.
            return await Phone(client).text("hi")

    assert asyncio.run(scenario()).status_code == 403
    with gateway.store.repository.transaction() as unit:
        assert unit.conn.execute(select(func.count()).select_from(sms_inbox)).scalar() == 0
