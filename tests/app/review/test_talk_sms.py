"""A screener talks with a person who texts, through the served app (in-process dialogue, the
real SMS worker and sender, a local fake of Twilio): PERSON -> take over -> reply -> the
person answers -> the screener sees it live -> hand back -> the assistant asks the same
question again. On SQLite and PostgreSQL."""
from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

from screening import talkback as core
from screening.accounts import AccountStore
from screening.app.crisis_alerts import CrisisAlertStore
from screening.casework import Viewer, assign
from screening.records import models as m
from screening.records.sealing import open_flag
from screening.records.sms_tables import sms_inbox, sms_outbox

from ..sms.conftest import (  # noqa: F401 (fake_twilio: a fixture)
    ACCOUNT_SID, AUTH_TOKEN, OUR_NUMBER, Phone, fake_twilio, gateway_client, make_gateway, sms_settings,
)
from ..sms.test_inbox_and_outbox import Crash, StopsAfterReplying
from ..talk import Screener, Texter, audit_events, chain_intact, only_screening, stored_bytes
from .conftest import running_console

REPLY = "Hi, this is Sam from the program. I read your message. Are you safe right now?"


@pytest.fixture
def served(database_url, clock, fake_twilio):
    with running_console(database_url, clock, twilio_account_sid=ACCOUNT_SID, twilio_auth_token=AUTH_TOKEN,
                         twilio_from_number=OUR_NUMBER, twilio_api_base_url=fake_twilio.base_url) as console:
        console.phone = Texter(console.base, console.repository, fake_twilio)
        yield console


def at_the_ticket_date(console) -> str:
    """The person starts by text and asks for a person at the ticket-date question; the case id."""
    phone = console.phone
    phone.text("hi")
    phone.text("yes")
    phone.text("no")                # no reminders
    assert "What date is on your ticket" in phone.text("1")
    reply = phone.text("PERSON")
    assert "want to talk to a person" in reply and "What date is on your ticket" in reply
    return only_screening(console.repository)


def assigned_screener(console, case_id: str, name: str = "sam") -> Screener:
    account = console.add_account(name, "screener")
    with console.repository.transaction() as unit:
        assign(unit.conn, case_id, account, console.clock.now)
    return Screener(console.sign_in(name), case_id)


def test_take_over_reply_read_live_and_hand_back_by_sms(served):
    console, phone = served, served.phone
    case_id = at_the_ticket_date(console)
    sam = assigned_screener(console, case_id)
    console.add_account("boss", "supervisor")
    boss = Screener(console.sign_in("boss"), case_id)
    assert "asked for a person" in sam.client.get("/review/cases").text

    page = sam.page()
    assert "The assistant is answering this person." in page and "Take over the conversation" in page
    assert sam.take_over().status_code == 303
    told = phone.wait_for("A trained person from our team is with you now")
    assert sam.take_over().status_code == 303              # again: still theirs, the person is not told twice

    refused = boss.take_over()                             # a second holder
    assert refused.status_code == 409 and "sam is talking with this person now" in refused.text

    page = sam.page()
    assert "You are talking with this person" in page and "Send reply" in page
    assert 'data-saved-reply="safe_now"' in page and "Are you safe right now?" in page
    last_seen = int(page.split('data-last-id="', 1)[1].split('"', 1)[0])
    assert sam.reply(REPLY, saved="safe_now").status_code == 303
    phone.wait_for(REPLY)

    # The person answers: the assistant says nothing, the screener sees it without a reload.
    assert phone.text("yes i am safe. i need a place to sleep tonight") == ""
    listing = sam.client.get("/review/cases").text
    assert "with sam" in listing and "1 unread" in listing
    polled = sam.poll(after=last_seen)
    assert [(line["kind"], line["who"], line["text"]) for line in polled["lines"]] == [
        ("screener", "Screener sam", REPLY), ("person", "Person", "yes i am safe. i need a place to sleep tonight")]
    assert polled["held_by"] == "sam" and polled["held_by_me"] and polled["unread"] == 0
    assert "unread" not in sam.client.get("/review/cases").text.split("<tbody>", 1)[1]
    assert sam.poll(after=polled["lines"][-1]["id"])["lines"] == []

    # Hand back: the assistant says so, then the same question again; the person goes on.
    assert sam.release().status_code == 303
    back = phone.wait_for("The trained person has left this chat")
    assert "What date is on your ticket" in "\n".join(phone.received()[phone.received().index(back):])
    assert "45 days end on December 18, 2026" in phone.text("11/3")

    received = phone.received()
    assert received.count(told) == 1 and sum(REPLY in body for body in received) == 1
    with console.repository.transaction() as unit:
        bodies = [unit.cipher.decrypt(b) for b in unit.conn.execute(select(sms_outbox.c.body_enc)).scalars()]
        assert sum(REPLY in body for body in bodies) == 1
        authors = {unit.cipher.decrypt(r.body_enc): r.author_id for r in unit.conn.execute(select(m.messages))}
    assert authors[REPLY] is not None and authors[told] is None
    page = sam.page()
    assert "Screener sam · sms" in page and "· to staff" in page

    actions = [(actor, action) for actor, action, _ in audit_events(console.repository)]
    for expected in (("sam", "case.take_over"), ("sam", "case.reply"), ("sam", "case.conversation_read"),
                     ("sam", "case.release")):
        assert expected in actions
    assert ("boss", "case.take_over") not in actions         # refused: nothing happened
    [reply_event] = [d for _, a, d in audit_events(console.repository) if a == "case.reply"]
    assert reply_event == {"channel": "sms", "parts": 1, "started_from": "safe_now"}
    assert chain_intact(console.repository)
    assert REPLY.encode() not in stored_bytes(console.repository)      # encrypted, never in an event


def test_crisis_words_while_held_raise_the_flag_and_the_person_hears_only_the_screener(served):
    console, phone = served, served.phone
    case_id = at_the_ticket_date(console)
    sam = assigned_screener(console, case_id)
    sam.take_over()
    phone.wait_for("A trained person from our team is with you now")
    assert phone.text("honestly i want to die") == ""
    with console.repository.transaction() as unit:
        kinds = [open_flag(unit.cipher, r)[0]
                 for r in unit.conn.execute(select(m.flags).where(m.flags.c.kind == "crisis"))]
    assert kinds == ["self_harm"]
    assert "Suicide or self-harm" in sam.page()
    # The on-call alert is due for it, as for any crisis flag of a case still new in review.
    [alert] = CrisisAlertStore(console.repository).claim(console.clock.now, 10)
    assert (alert.screening_id, alert.kind) == (case_id, "self_harm")


def test_nothing_is_sent_after_stop_and_the_screener_is_told_why(served):
    console, phone = served, served.phone
    case_id = at_the_ticket_date(console)
    sam = assigned_screener(console, case_id)
    sam.take_over()
    phone.wait_for("A trained person from our team is with you now")
    sent_before = len(phone.received())
    assert phone.text("STOP") == ""
    refused = sam.reply("Are you still there?")
    assert refused.status_code == 409 and "turned off texts from us" in refused.text
    assert sam.release().status_code == 303                     # the hand-back is kept, not sent
    assert "Take over the conversation" not in sam.page() and "turned off texts" in sam.page()
    with console.repository.transaction() as unit:
        statuses = list(unit.conn.execute(select(sms_outbox.c.status).order_by(sms_outbox.c.id)).scalars())
    assert "queued" not in statuses
    assert len(phone.received()) == sent_before
    [released] = [d for _, a, d in audit_events(console.repository) if a == "case.release"]
    assert released["person_told"] is False


def test_a_screener_not_assigned_cannot_take_over_and_every_form_needs_its_token(served):
    console = served
    case_id = at_the_ticket_date(console)
    console.add_account("kim", "screener")
    kim = Screener(console.sign_in("kim"), case_id)
    page = kim.page()                                        # an unassigned case: may read it ...
    assert "Take over the conversation" not in page
    refused = kim.take_over()                                # ... not talk
    assert refused.status_code == 403 and "Ask a supervisor to assign the case to you" in refused.text
    sam = assigned_screener(console, case_id)
    for step in ("takeover", "reply", "release"):
        response = sam.client.post(f"{sam.url}/{step}", data={"text": "hi"})
        assert response.status_code == 403 and "did not come from this site" in response.text
        token = sam.page().split('name="csrf" value="', 1)[1].split('"', 1)[0]
        response = sam.client.post(f"{sam.url}/{step}", data={"csrf": token, "text": "hi"},
                                   headers={"origin": "https://evil.example"})
        assert response.status_code == 403
    assert "The assistant is answering this person." in sam.page()


def test_an_idle_hold_goes_back_to_the_assistant_by_the_worker(served):
    console, phone = served, served.phone
    case_id = at_the_ticket_date(console)
    sam = assigned_screener(console, case_id)
    sam.take_over()
    phone.wait_for("A trained person from our team is with you now")
    worker = console.app.state.talkback

    def minutes_pass(minutes: int) -> None:
        """Time goes by with the case page open (reading keeps the screener signed in, not the hold)."""
        for _ in range(minutes // 10):
            console.clock.now += timedelta(minutes=10)
            sam.page()
        console.clock.now += timedelta(minutes=minutes % 10)

    minutes_pass(29)
    assert asyncio.run(worker.run_once()) == 0
    sam.reply("I am looking up a shelter for you now.")                  # a reply keeps the hold
    minutes_pass(29)
    assert asyncio.run(worker.run_once()) == 0
    minutes_pass(2)
    # This round hands it back, unless the app's own loop (same clock) got there first: either way once.
    assert asyncio.run(worker.run_once()) in (0, 1)
    note = phone.wait_for("Our staff member had to step away")
    assert "What date is on your ticket" in "\n".join(phone.received()[phone.received().index(note):])
    assert asyncio.run(worker.run_once()) == 0
    assert phone.received().count(note) == 1
    assert "The assistant is answering this person." in sam.page()
    refused = sam.reply("Sorry, I was away.")
    assert refused.status_code == 409 and "Take it over again to reply" in refused.text
    [event] = [(actor, d) for actor, a, d in audit_events(console.repository) if a == "case.release_idle"]
    assert event == ("assistant", {"held_by": "sam", "idle_minutes": 30, "person_told": True})
    assert "45 days end on" in phone.text("11/3")




def test_a_message_sent_while_held_survives_a_restart_and_is_never_answered(database_url, clock, fake_twilio):
    """The worker stops after the dialogue stored the held turn, before the inbox row was done."""
    settings = sms_settings(database_url, fake_twilio)
    first = make_gateway(settings, clock)

    async def scenario():
        async with gateway_client(first) as client:
            phone = Phone(client)
            for text in ("hi", "yes", "no", "1"):
                await phone.text(text)
                await first.inbox.drain()
            with first.store.repository.transaction() as unit:
                boss = AccountStore(unit.conn, unit.cipher).add("boss", "supervisor", "a long password for tests",
                                                                 clock.now)
                case = unit.conn.execute(select(m.screenings.c.id)).scalar_one()
                assert core.take_over(unit, case, Viewer(boss.id, "boss", "supervisor"), clock.now)
            await first.outbox.run_once()
            sent = len(fake_twilio.bodies())
            first.inbox.dialogue = StopsAfterReplying(first.inbox.dialogue)
            await phone.text("are you there? i am scared")
            try:
                await first.inbox.run_once()
            except Crash:
                pass
        again = make_gateway(settings, clock)          # the app starts again
        clock.now += timedelta(seconds=61)             # the stopped worker's lease runs out
        assert await again.inbox.run_once() == 1
        await again.outbox.run_once()
        await again.api.close()
        return sent

    sent = asyncio.run(scenario())
    assert len(fake_twilio.bodies()) == sent           # nothing from the assistant, before or after
    with first.store.repository.transaction() as unit:
        to_staff = [unit.cipher.decrypt(r.body_enc) for r in unit.conn.execute(
            select(m.messages).where(m.messages.c.to_staff.is_(True)))]
        [(outcome, status)] = unit.conn.execute(
            select(sms_inbox.c.outcome, sms_inbox.c.status).order_by(sms_inbox.c.id.desc()).limit(1)).all()
    assert to_staff == ["are you there? i am scared"] and (outcome, status) == ("dialogue", "done")
