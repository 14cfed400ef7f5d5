"""The two things the engine does for SMS: the private web link before sensitive questions,
and a new screening after the 45-day window. Each test runs on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import timedelta

import pytest

from screening.dialogue.engine import DEADLINE_DAYS, ScreeningEngine
from screening.sms_text import WEB_CHAT_LINK

from .person import Person
from .test_conversation import DEFAULT_ORDER_ANSWERS, at_first_question, exported

WEB_CHAT = "https://screening.example.org/chat"


def walk_to_first_sensitive_part(person: Person) -> str:
    at_first_question(person)
    for _, answer in DEFAULT_ORDER_ANSWERS:
        reply = person.send(answer)
        if "Is it OK to ask them?" in reply:
            return reply
    pytest.fail("no sensitive part was reached")


def test_sms_privacy_note_offers_the_web_link_before_the_first_sensitive_part(repository, clock):
    person = Person(ScreeningEngine(repository, clock=clock, web_chat_url=WEB_CHAT), channel="sms")
    reply = walk_to_first_sensitive_part(person)
    assert "Others who use this phone may read these texts" in reply
    assert f"in a web browser instead: {WEB_CHAT}" in reply
    assert reply.index(WEB_CHAT) < reply.index("how you have been feeling")
    assert WEB_CHAT not in person.send("yes")                   # said once, not before every part


def test_without_a_link_the_engine_leaves_a_placeholder_for_the_gateway(engine):
    person = Person(engine, channel="sms")
    assert f"web browser instead: {WEB_CHAT_LINK}" in walk_to_first_sensitive_part(person)


def test_the_web_chat_gets_the_plain_privacy_note_without_a_link(repository, clock):
    person = Person(ScreeningEngine(repository, clock=clock, web_chat_url=WEB_CHAT), channel="web")
    reply = walk_to_first_sensitive_part(person)
    assert "others who use this phone or computer may see these messages" in reply
    assert WEB_CHAT not in reply and WEB_CHAT_LINK not in reply


def test_a_reply_weeks_later_inside_the_window_continues_where_they_were(engine, repository, clock):
    person = Person(engine, channel="sms")
    at_first_question(person)
    clock.now += timedelta(days=DEADLINE_DAYS - 1)
    reply = person.send("2")
    assert "Think about the place you live" in reply
    [record] = exported(repository)
    assert record["answers"]["ahc_1"]["option_ids"] == ["worried"]


def test_after_the_window_the_person_is_told_how_to_start_over_and_can(engine, repository, clock):
    person = Person(engine, channel="sms")
    at_first_question(person)
    person.send("2")                                             # ahc_1 answered
    clock.now += timedelta(days=DEADLINE_DAYS + 1)
    reply = person.send("3")
    # No ticket date given: the 45 days are counted from the start, and said from the ticket.
    assert "Your 45 days from the date on your ticket are over" in reply and "closed now" in reply
    assert "Reply YES" in reply
    [old] = exported(repository)
    assert "ahc_2" not in old["answers"]                         # the late message was not taken as an answer
    assert "45 days from the date on your ticket are over" in person.send("what")   # anything but yes: told again
    reply = person.send("yes")
    assert "start a new needs check" in reply and "needs check for your drug possession ticket" in reply
    assert "May we text you a reminder" in person.send("yes")    # consent; asked again for the new one
    assert "What date is on your ticket" in person.send("no")     # their language is kept
    records = exported(repository)
    assert len(records) == 2
    old, new = records
    assert old["answers"]["ahc_1"]["option_ids"] == ["worried"] and old["status"] == "started"
    assert new["answers"] == {} and new["consent"] is True


def test_a_completed_screening_after_the_window_keeps_its_code_and_allows_a_new_one(engine, repository, clock):
    person = Person(engine, channel="sms")
    at_first_question(person)
    for _ in range(60):
        if "completion code" in person.send("skip"):
            break
    [done] = exported(repository)
    clock.now += timedelta(days=DEADLINE_DAYS + 10)
    reply = person.send("hi")
    assert done["completion_code"] in reply and "new ticket" in reply
    assert "new needs check" in person.send("yes")
    assert len(exported(repository)) == 2


def test_starting_over_keeps_the_persons_language(engine, repository, clock):
    person = Person(engine, channel="sms")
    person.send("hola")
    person.send("sí")
    clock.now += timedelta(days=DEADLINE_DAYS + 1)
    assert "Sus 45 días desde la fecha de su citación ya pasaron" in person.send("ayer")
    reply = person.send("sí")
    assert "empecemos un chequeo" in reply and "Hola" in reply
    assert [r["language"] for r in exported(repository)] == ["es", "es"]


def test_crisis_words_after_the_window_still_get_the_crisis_lines_first(engine, clock):
    person = Person(engine, channel="sms")
    at_first_question(person)
    clock.now += timedelta(days=DEADLINE_DAYS + 1)
    reply = person.send("i want to die")
    assert "988" in reply and "45 days" not in reply
