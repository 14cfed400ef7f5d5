"""The insert's start word texted to the program's number: signed webhook, inbox worker, the
dialogue, the outbox, and the person's phone gets the welcome in that language."""
from __future__ import annotations

import asyncio

from screening.export import screening_records

from .conftest import Phone, exchange, gateway_client, make_gateway, sms_settings


def test_texting_evaluar_starts_the_screening_in_spanish_and_stop_is_still_the_carriers(
        database_url, clock, fake_twilio):
    gateway = make_gateway(sms_settings(database_url, fake_twilio), clock)

    async def scenario():
        async with gateway_client(gateway) as client:
            phone = Phone(client)
            welcome = await exchange(gateway, phone, fake_twilio, "Evaluar")
            reminders = await exchange(gateway, phone, fake_twilio, "sí")
            stopped = await exchange(gateway, phone, fake_twilio, "PARAR")
            return welcome, reminders, stopped

    welcome, reminders, stopped = asyncio.run(scenario())
    assert "Hola. Este es el chequeo de necesidades" in " ".join(welcome)
    assert "¿Podemos enviarle un texto para recordarle" in " ".join(reminders)
    assert stopped == []                   # PARAR is the carrier's: nothing more is sent
    with gateway.store.repository.transaction() as unit:
        [record] = list(screening_records(unit))
    assert record["language"] == "es" and record["channel"] == "sms"


def test_texting_screen_starts_in_english_without_the_language_question(sqlite_url, clock, fake_twilio):
    gateway = make_gateway(sms_settings(sqlite_url, fake_twilio), clock)

    async def scenario():
        async with gateway_client(gateway) as client:
            phone = Phone(client)
            await exchange(gateway, phone, fake_twilio, "SCREEN")
            await exchange(gateway, phone, fake_twilio, "yes")
            return await exchange(gateway, phone, fake_twilio, "no")

    after_reminders = " ".join(asyncio.run(scenario()))
    assert "What date is on your ticket?" in after_reminders and "Which language" not in after_reminders
