"""Crisis in a whole conversation: the right help first, staying with the person, going on.

Each test runs on SQLite and on PostgreSQL (see the `database_url` fixture).
"""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from screening.dialogue.engine import ScreeningEngine
from screening.program import Program, StaffHours

from .person import Person
from .test_conversation import at_first_question, exported, start

SCREENING_QUESTION = ("Question ", "Pregunta ")


def asks_a_question(reply: str) -> bool:
    return any(marker in reply for marker in SCREENING_QUESTION) or "What would help you most" in reply


def at_needs(person: Person) -> None:
    start(person)
    person.send("skip")
    assert "What would help you most" in person.last


def crisis_flags(repository):
    [record] = exported(repository)
    return [f["reason"] for f in record["flags"] if f["kind"] == "crisis"]


@pytest.mark.parametrize("message, first_line, kind", [
    ("honestly i want to die", "call or text 988 now", "self_harm"),
    ("my friend is not breathing", "Call 911 now if someone may be overdosing", "overdose"),
    ("my ex says he'll hurt me when I get home", "If you are in danger now, call 911.", "violence"),
    ("i think im having a heart attack", "Call 911 now.", "medical"),
])
def test_each_kind_gets_its_own_help_first_and_stays_until_the_person_is_safe(
        engine, repository, message, first_line, kind):
    person = Person(engine)
    at_first_question(person)
    reply = person.send(message)
    assert reply.splitlines()[0].startswith(first_line.split(" if ")[0]) or first_line in reply.splitlines()[0]
    assert "safe right now" in reply or "safe place right now" in reply
    assert not asks_a_question(reply)
    assert crisis_flags(repository) == [kind]

    for not_ok in ("not good", "idk", "ok thanks", "no"):
        reply = person.send(not_ok)
        assert not asks_a_question(reply), (not_ok, reply)
        assert "911" in reply or "988" in reply or "safe right now" in reply
    reply = person.send("yes I'm safe, let's continue")
    assert "Let's go on where we were" in reply
    assert "What is your living situation today?" in reply     # the same question, nothing skipped
    person.send("2")
    [record] = exported(repository)
    assert record["answers"]["ahc_1"]["option_ids"] == ["worried"]
    assert crisis_flags(repository) == [kind]                   # one flag of its kind, not one per message


def test_overdose_help_gives_naloxone_steps_the_good_samaritan_law_and_the_line_for_using_alone(engine):
    person = Person(engine)
    at_first_question(person)
    reply = person.send("my boyfriend took too much and wont wake up")
    assert reply.index("911") < reply.index("naloxone")
    assert "rescue breaths" in reply and "on their side" in reply and "Stay with them" in reply
    assert "94C" in reply and "will not be charged" in reply
    assert "800-972-0590" in reply


def test_violence_help_names_safelink_and_calling_where_no_one_can_hear(engine):
    person = Person(engine)
    at_first_question(person)
    reply = person.send("he's outside my door with a knife")
    assert "877-785-2020" in reply and "cannot hear you" in reply
    assert "988" not in reply.splitlines()[0]


def test_safe_alone_asks_whether_to_go_on_and_go_on_resumes(engine, repository):
    person = Person(engine)
    at_first_question(person)
    person.send("i want to kill myself")
    reply = person.send("yes")
    assert "glad you are safe" in reply and "GO ON" in reply and not asks_a_question(reply)
    reply = person.send("go on")
    assert "What is your living situation today?" in reply


def test_going_on_without_saying_safe_is_asked_once_then_respected(engine):
    person = Person(engine)
    at_first_question(person)
    person.send("i want to die")
    reply = person.send("continue")
    assert "are you safe right now" in reply and not asks_a_question(reply)
    assert "What is your living situation today?" in person.send("continue")


def test_a_crisis_inside_the_needs_answer_is_heard_and_the_needs_are_kept(engine, repository):
    person = Person(engine)
    at_needs(person)
    reply = person.send("I need a place to stay and I swallowed all my meds an hour ago")
    assert reply.startswith("Call 911 now")
    [record] = exported(repository)
    assert record["self_identified_needs"] == []                 # nothing stored while in danger
    person.send("not ok")
    reply = person.send("ambulance is here, i'm ok now. keep going")
    assert "You said: A place to live" in reply
    [record] = exported(repository)
    assert record["self_identified_needs"] == ["housing"]
    assert crisis_flags(repository) == ["overdose"]


def test_a_crisis_inside_an_item_answer_in_spanish(engine, repository):
    person = Person(engine)
    start(person, language_reply="2")
    person.send("saltar")
    person.send("saltar")
    assert "situación de vivienda" in person.last
    reply = person.send("en la calle, y ya no quiero vivir")
    assert reply.startswith("Por favor, llame o envíe un texto al 988")
    assert "¿Está a salvo ahora?" in reply
    reply = person.send("no estoy bien")
    assert "988" in reply and "situación de vivienda" not in reply
    reply = person.send("sí, estoy bien, sigamos")
    assert "Sigamos donde estábamos" in reply
    [record] = exported(repository)
    assert record["answers"]["ahc_1"]["option_ids"] == ["not_steady"]   # the kept answer, used on going on


def test_pause_in_support_and_come_back_days_later_asks_about_safety_first(engine, repository, clock):
    person = Person(engine)
    at_first_question(person)
    person.send("i dont want to be alive anymore")
    reply = person.send("pause")
    assert "988" in reply and "saved your answers" in reply
    clock.now += timedelta(days=3)
    reply = person.send("hi")
    assert "Welcome back" in reply and "safe right now" in reply and not asks_a_question(reply)
    reply = person.send("yes im safe, lets go on")
    assert "What is your living situation today?" in reply


def test_leave_me_alone_stops_the_questions_and_keeps_the_person_in_support(engine, repository):
    person = Person(engine)
    at_first_question(person)
    person.send("i want to end it all")
    reply = person.send("leave me alone")
    assert "not send more questions" in reply and "988" in reply
    [record] = exported(repository)
    assert record["status"] == "paused"
    reply = person.send("still here")
    assert not asks_a_question(reply)


def test_a_second_crisis_message_gets_its_own_help(engine, repository):
    person = Person(engine)
    at_first_question(person)
    person.send("i want to die")
    reply = person.send("and now my boyfriend is hitting me")
    assert "877-785-2020" in reply
    assert crisis_flags(repository) == ["self_harm", "violence"]


def test_person_in_support_is_told_honestly_when_staff_answer(repository, clock):
    closed = Program(staff_hours=StaffHours.parse("Mon-Fri 09:00-17:00"))
    engine = ScreeningEngine(repository, clock=clock, program=closed)
    clock.now = datetime(2026, 12, 5, 23, 0)      # a Saturday evening in Boston (UTC)
    person = Person(engine)
    at_first_question(person)
    person.send("i want to die")
    reply = person.send("not good")
    assert "Our team is back on Monday at 9 AM" in reply
    reply = person.send("person")
    assert "back on Monday at 9 AM" in reply and "988" in reply
    [record] = exported(repository)
    assert [f["kind"] for f in record["flags"]] == ["crisis", "person_requested"]


@pytest.mark.parametrize("message", [
    "this paperwork is killing me", "the bank is threatening to take my car", "I overdosed last year",
    "I cut myself shaving", "me muero de sueño",
])
def test_idioms_and_past_events_do_not_interrupt(engine, repository, message):
    person = Person(engine)
    at_first_question(person)
    reply = person.send(message)
    assert "988" not in reply and "safe right now" not in reply
    assert crisis_flags(repository) == []


def test_the_safety_questions_take_their_own_answers_without_alarm(engine, repository):
    person = Person(engine)
    start(person)
    person.send("skip")
    person.send("11")                  # "Feeling safe" from the list
    person.send("yes")
    assert "physically hurt you" in person.last
    reply = person.send("sometimes")
    assert "insult or talk down" in reply
    reply = person.send("my ex does, sometimes")
    assert "safe right now" not in reply
    assert crisis_flags(repository) == []


def test_an_ambiguous_message_gets_a_gentle_check_then_goes_on(engine, repository):
    person = Person(engine)
    at_first_question(person)
    reply = person.send("i cant take this anymore")
    assert reply.startswith("Just checking: are you safe right now?")
    assert "988" not in reply
    reply = person.send("yeah im fine")
    assert "What is your living situation today?" in reply
    assert crisis_flags(repository) == []


def test_a_gentle_check_answered_not_ok_becomes_the_full_crisis_path(engine, repository):
    person = Person(engine)
    at_first_question(person)
    person.send("whats the point of anything")
    reply = person.send("no")
    assert "988" in reply and "safe right now" in reply
    assert crisis_flags(repository) == ["self_harm"]


def test_crisis_after_completion_and_while_paused_is_still_heard(engine, repository):
    person = Person(engine)
    at_first_question(person)
    person.send("pause")
    reply = person.send("he is going to kill me")
    assert "877-785-2020" in reply
    assert crisis_flags(repository) == ["violence"]


def test_phq9_item_9_answer_starts_the_self_harm_path_and_going_on_moves_past_it(engine, repository):
    person = Person(engine)
    start(person)
    person.send("skip")
    person.send("mental health")
    person.send("yes")
    person.send("nearly every day")
    assert "better off dead" in person.send("several days")
    reply = person.send("several days")
    assert "988" in reply and "safe right now" in reply and "Stress means" not in reply
    assert "Stress means" in person.send("i'm safe, let's go on")
    assert crisis_flags(repository) == ["self_harm"]


def test_staying_in_support_does_not_repeat_the_same_messages(engine):
    person = Person(engine)
    at_first_question(person)
    person.send("i want to die")
    first = person.send("not good")
    second = person.send("still not good")
    assert first != second
    assert "still here with you" in second and "988" in second and not asks_a_question(second)
