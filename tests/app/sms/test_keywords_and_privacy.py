"""Carrier keywords before the bot, messages without text, and what is kept about a person."""
from __future__ import annotations

import asyncio
import logging

from sqlalchemy import select

from screening.records.models import metadata
from screening.records.sms_tables import sms_conversations, sms_inbox, sms_outbox

from .conftest import PHONE, Phone, exchange, gateway_client, make_gateway, sms_settings


class Recording:
    """The dialogue, remembering every message that reached it."""

    def __init__(self, dialogue):
        self.dialogue, self.texts = dialogue, []

    async def send(self, **message):
        self.texts.append(message["text"])
        return await self.dialogue.send(**message)


def recording_gateway(database_url, clock, fake):
    gateway = make_gateway(sms_settings(database_url, fake), clock)
    gateway.inbox.dialogue = recording = Recording(gateway.inbox.dialogue)
    return gateway, recording


def test_stop_mid_screening_then_a_message_sends_nothing_and_start_resumes(database_url, clock, fake_twilio):
    gateway, dialogue = recording_gateway(database_url, clock, fake_twilio)

    async def scenario():
        async with gateway_client(gateway) as client:
            phone = Phone(client)
            for text in ("hi", "yes", "no", "1"):
                await exchange(gateway, phone, fake_twilio, text)
            assert await exchange(gateway, phone, fake_twilio, "Stop") == []
            assert await exchange(gateway, phone, fake_twilio, "11/3") == []
            assert await exchange(gateway, phone, fake_twilio, "help") == []
            back = await exchange(gateway, phone, fake_twilio, "START")
            assert len(back) == 1 and "You will get our texts again" in back[0]
            return await exchange(gateway, phone, fake_twilio, "11/3")

    after_start = asyncio.run(scenario())
    assert "Your 45 days end on December 18, 2026" in " ".join(after_start)   # where they were: the ticket date
    assert dialogue.texts == ["hi", "yes", "no", "1", "11/3"]                      # keywords never reached it
    with gateway.store.repository.transaction() as unit:
        outcomes = unit.conn.execute(select(sms_inbox.c.outcome).order_by(sms_inbox.c.id)).scalars().all()
        conversation = unit.conn.execute(select(sms_conversations)).mappings().one()
    assert outcomes == ["dialogue"] * 4 + ["opt_out", "ignored_opted_out", "ignored_opted_out", "opt_in",
                                           "dialogue"]
    assert conversation["opted_out"] is False


def test_replies_not_yet_sent_are_withdrawn_when_the_person_opts_out(sqlite_url, clock, fake_twilio):
    gateway, _ = recording_gateway(sqlite_url, clock, fake_twilio)

    async def scenario():
        async with gateway_client(gateway) as client:
            phone = Phone(client)
            await phone.text("hi")
            await gateway.inbox.run_once()               # the welcome is queued, not yet sent
            await phone.text("STOP")
            await gateway.inbox.run_once()
            await gateway.outbox.run_once()

    asyncio.run(scenario())
    assert fake_twilio.sent == []
    with gateway.store.repository.transaction() as unit:
        assert set(unit.conn.execute(select(sms_outbox.c.status)).scalars()) == {"cancelled"}


def test_help_says_who_we_are_and_how_to_stop_without_reaching_the_dialogue(sqlite_url, clock, fake_twilio):
    gateway, dialogue = recording_gateway(sqlite_url, clock, fake_twilio)

    async def scenario():
        async with gateway_client(gateway) as client:
            phone = Phone(client)
            return (await exchange(gateway, phone, fake_twilio, "HELP"),
                    await exchange(gateway, phone, fake_twilio, "ayuda"))

    english, spanish = asyncio.run(scenario())
    assert "needs check for your drug possession ticket" in english[0] and "Reply STOP" in english[0]
    assert "Responda PARAR" in spanish[0]
    assert dialogue.texts == []


def test_a_picture_without_text_gets_a_kind_please_reply_with_text(sqlite_url, clock, fake_twilio):
    gateway, dialogue = recording_gateway(sqlite_url, clock, fake_twilio)

    async def scenario():
        async with gateway_client(gateway) as client:
            phone = Phone(client)
            picture = await exchange(gateway, phone, fake_twilio, "", num_media=1)
            blank = await exchange(gateway, phone, fake_twilio, "   ")
            return picture, blank

    picture, blank = asyncio.run(scenario())
    assert picture == blank == ["Thanks. I can only read words here, not pictures. Please reply with text."]
    assert dialogue.texts == []


def test_the_sms_privacy_note_offers_the_web_chat_link(sqlite_url, clock, fake_twilio):
    gateway = make_gateway(sms_settings(sqlite_url, fake_twilio), clock)

    async def scenario():
        async with gateway_client(gateway) as client:
            phone = Phone(client)
            for text in ("hi", "yes", "no", "1", "skip", "skip", "2", "1", "often true", "3", "no", "yes",
                         "somewhat hard", "1", "2 4"):
                received = await exchange(gateway, phone, fake_twilio, text)
                if any("Is it OK to ask them?" in b for b in received):
                    return received
        raise AssertionError("no sensitive part was reached")

    received = " ".join(asyncio.run(scenario()))
    assert "Others who use this phone may read these texts" in received
    assert "https://screening.example.org/chat" in received and "[web-chat-link]" not in received


def test_no_phone_number_or_message_body_is_kept_in_clear_or_logged(sqlite_url, clock, fake_twilio, caplog):
    gateway = make_gateway(sms_settings(sqlite_url, fake_twilio), clock)
    private = "I sleep in my car near Dorchester"

    async def scenario():
        async with gateway_client(gateway) as client:
            phone = Phone(client)
            for text in ("hi", "yes", "no", "1", "skip", private):
                await exchange(gateway, phone, fake_twilio, text)

    with caplog.at_level(logging.DEBUG):
        asyncio.run(scenario())
    assert fake_twilio.bodies()                                   # replies did go to the number
    stored = []
    with gateway.store.repository.transaction() as unit:
        for table in metadata.sorted_tables:
            for row in unit.conn.execute(select(table)):
                stored += [v.decode("latin-1") if isinstance(v, bytes) else str(v) for v in row]
    everything = " ".join(stored)
    digits = PHONE.lstrip("+")
    assert digits not in everything and digits[1:] not in everything
    assert "Dorchester" not in everything and "sleep in my car" not in everything
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert digits[1:] not in logged and "Dorchester" not in logged
