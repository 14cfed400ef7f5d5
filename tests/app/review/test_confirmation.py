"""A screener confirms a completion: the person who screened by SMS and chose texts gets a
text (queued in the ordered outbox), and the public /verify page says it is confirmed."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import insert, select

from screening.app.sms.confirmation import queue_confirmation_text
from screening.app.sms.store import SmsStore
from screening.dialogue.catalog import Catalog
from screening.program import load_program
from screening.records.sms_tables import sms_conversations, sms_outbox, sms_sender_id
from tests.core.person import Person
from tests.core.test_clarity import finish

from .conftest import csrf_of, running_console

PHONE = "+16175550123"
VERIFY = "http://127.0.0.1:8000/verify"


@pytest.fixture
def console(database_url, clock):
    # Nothing leaves the machine: the outbox sender's Twilio calls go to a closed local port.
    with running_console(database_url, clock, twilio_api_base_url="http://127.0.0.1:9") as served:
        yield served


def texting_person(console, opted_out: bool = False) -> Person:
    """A person whose number the SMS gateway knows, screened by SMS, choosing texts."""
    phone_hash = SmsStore(console.repository).phone_hash(PHONE)
    with console.repository.transaction() as unit:
        unit.conn.execute(insert(sms_conversations).values(
            phone_hash=phone_hash, phone_enc=unit.cipher.encrypt(PHONE), opted_out=opted_out,
            created_at=console.clock.now))
    person = Person(console.person_engine(), sender=sms_sender_id(phone_hash), channel="sms")
    for text in ("hi", "yes", "no", "1", "11/3", "skip"):
        person.send(text)
    assert "We will send you a text when it is confirmed" in finish(person, contact="1")
    return person


def screening_and_code(console, channel: str) -> tuple[str, str]:
    with console.repository.transaction() as unit:
        return tuple(unit.conn.exec_driver_sql(
            f"SELECT id, completion_code FROM screenings WHERE channel = '{channel}'").one())


def outbox_bodies(console) -> list[str]:
    with console.repository.transaction() as unit:
        return [unit.cipher.decrypt(body) for body in
                unit.conn.execute(select(sms_outbox.c.body_enc).order_by(sms_outbox.c.id)).scalars()]


def confirm(console, client, case_id: str) -> None:
    token = csrf_of(client.get(f"/review/cases/{case_id}").text)
    assert client.post(f"/review/cases/{case_id}/confirm", data={"csrf": token}).status_code == 303


def test_confirming_texts_the_person_and_the_check_page_says_so(console):
    texting_person(console)
    web = Person(console.person_engine(), sender="web-person", channel="web")
    for text in ("hi", "yes", "1", "skip", "skip"):
        web.send(text)
    assert "the check page will say so" in finish(web, contact="4")
    sms_case, sms_code = screening_and_code(console, "sms")
    web_case, web_code = screening_and_code(console, "web")
    public = console.client()
    assert "Not yet confirmed by program staff" in public.get("/verify", params={"code": web_code}).text

    console.add_account("sam", "screener")
    sam = console.sign_in("sam")
    confirm(console, sam, sms_case)
    confirm(console, sam, web_case)

    [text] = outbox_bodies(console)                       # only the person who chose texts
    assert "a screener confirmed that you finished the needs check" in text
    assert sms_code in text and f"on this page: {VERIFY}" in text
    for code in (sms_code, web_code):
        page = public.get("/verify", params={"code": code}).text
        assert "Confirmed by program staff on 2026-11-24" in page and "Not yet" not in page
    with console.repository.transaction() as unit:
        details = [json.loads(d) for d in unit.conn.exec_driver_sql(
            "SELECT details FROM audit_events WHERE action = 'case.confirm_completion' ORDER BY seq").scalars()]
    assert details == [{"person_texted": True}, {"person_texted": False}]


def test_a_number_that_sent_stop_gets_no_confirmation_text(console):
    texting_person(console, opted_out=True)
    case_id, _ = screening_and_code(console, "sms")
    with console.repository.transaction() as unit:
        assert not queue_confirmation_text(unit, case_id, Catalog(), VERIFY, console.clock.now)
    assert outbox_bodies(console) == []


def test_a_voluntary_program_sends_no_confirmation_text(console):
    texting_person(console)
    case_id, _ = screening_and_code(console, "sms")
    with console.repository.transaction() as unit:
        voluntary = Catalog(load_program({"PROGRAM_MODE": "voluntary"}))
        assert not queue_confirmation_text(unit, case_id, voluntary, VERIFY, console.clock.now)
        assert queue_confirmation_text(unit, case_id, Catalog(), VERIFY, console.clock.now)
    assert len(outbox_bodies(console)) == 1
