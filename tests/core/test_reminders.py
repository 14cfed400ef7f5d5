"""Reminders in the core: when nudges fall, the sending hours, the opt-in question and
REMINDERS ON/OFF in the conversation, check-in answers stored per referral and exported,
and `screening reminders list`. The sending itself is tested through the SMS gateway in
tests/app/sms/test_reminders.py."""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from screening import cli, reminders
from screening.dialogue.engine import ScreeningEngine
from screening.program import Program
from screening.records import models as m
from screening.records.reminder_tables import reminders as reminder_rows
from screening.records.sealing import open_flag
from tests.conftest import ENCRYPTION_KEY, SECRET_KEY

from .person import Person
from .test_clarity import finish
from .test_conversation import exported

SMS = "sms:" + "e" * 64
VOLUNTARY = Program(mode="voluntary")


def schedule(repository, *columns):
    with repository.transaction() as unit:
        return unit.conn.execute(select(*columns).order_by(reminder_rows.c.due_at, reminder_rows.c.id)).all()


def texting(engine, *said: str, sender: str = SMS) -> Person:
    person = Person(engine, sender=sender, channel="sms")
    for text in said:
        person.send(text)
    return person


def deliver_due(repository, now) -> None:
    with repository.transaction() as unit:
        for claimed in reminders.claim_due(unit.conn, "test-worker", now, 10):
            reminders.mark_sent(unit.conn, claimed.id, "sms", now)


# ------------------------------------------------------------------ when
def test_nudges_fall_a_day_and_a_week_after_the_last_message_and_10_and_3_days_before_the_deadline():
    last = datetime(2026, 11, 24, 15, 0)                       # 10 AM in Boston
    times = reminders.nudge_times(last, date(2026, 12, 18), before_deadline=True)
    assert times == [datetime(2026, 11, 25, 15, 0), datetime(2026, 12, 1, 15, 0),
                     datetime(2026, 12, 8, 15, 0), datetime(2026, 12, 15, 15, 0)]   # 10 AM Boston (EST)


def test_without_a_deadline_only_the_day_and_week_nudges_and_never_after_the_closing_day():
    last = datetime(2026, 11, 24, 15, 0)
    assert reminders.nudge_times(last, date(2027, 1, 8), before_deadline=False) == [
        datetime(2026, 11, 25, 15, 0), datetime(2026, 12, 1, 15, 0)]
    late = datetime(2026, 12, 14, 15, 0)                       # 4 days before the deadline
    assert reminders.nudge_times(late, date(2026, 12, 18), before_deadline=True) == [
        datetime(2026, 12, 15, 15, 0)]                         # the day-after and 3-days-before nudges are one


@pytest.mark.parametrize("utc, allowed, next_at", [
    (datetime(2026, 11, 24, 13, 59), False, datetime(2026, 11, 24, 14, 0)),    # 8:59 AM EST
    (datetime(2026, 11, 24, 14, 0), True, datetime(2026, 11, 24, 14, 0)),      # 9:00 AM
    (datetime(2026, 11, 25, 0, 59), True, datetime(2026, 11, 25, 0, 59)),      # 7:59 PM
    (datetime(2026, 11, 25, 1, 0), False, datetime(2026, 11, 25, 14, 0)),      # 8:00 PM: tomorrow at 9
    (datetime(2026, 7, 1, 13, 0), True, datetime(2026, 7, 1, 13, 0)),          # 9:00 AM EDT in summer
    (datetime(2026, 7, 1, 12, 59), False, datetime(2026, 7, 1, 13, 0)),
])
def test_reminders_go_out_only_between_9_am_and_8_pm_in_boston(utc, allowed, next_at):
    assert reminders.in_sending_hours(utc) is allowed
    assert reminders.next_sending_time(utc) == next_at


# ------------------------------------------------------------ the question
def test_by_text_the_question_comes_right_after_consent_and_why_skip_and_no_are_understood(engine, repository):
    person = texting(engine, "hi")
    assert "May we text you a reminder if you stop before finishing?" in person.send("yes")
    why = person.send("why?")
    assert "help you finish in time" in why and "May we text you a reminder" in why
    assert "no reminders" in person.send("skip") and "Which language" in person.last
    with repository.transaction() as unit:
        assert unit.conn.execute(select(m.screenings.c.reminders_opt_in)).scalar() is False
    assert schedule(repository, reminder_rows.c.id) == []        # no yes: nothing is ever scheduled


def test_the_web_chat_is_not_asked_and_can_still_say_reminders_on(engine, repository):
    person = Person(engine, sender="web:conversation-1", channel="web")
    person.send("hi")
    assert "Which language" in person.send("yes")
    assert "reminders are on" in person.send("REMINDERS ON") and "Which language" in person.last


def test_each_message_moves_the_nudges_on_and_finishing_turns_them_into_check_ins(engine, repository, clock):
    person = texting(engine, "hi", "yes", "yes", "1", "11/3")
    first = [due for due, in schedule(repository, reminder_rows.c.due_at)]
    assert first[0] == clock.now + timedelta(days=1) and len(first) == 4
    clock.now += timedelta(hours=2)
    person.send("I need food and a place to live")
    assert schedule(repository, reminder_rows.c.due_at)[0] == (clock.now + timedelta(days=1),)
    finish(person)
    rows = schedule(repository, reminder_rows.c.kind, reminder_rows.c.status, reminder_rows.c.due_at)
    assert {(kind, status) for kind, status, _ in rows if kind == "nudge"} == {("nudge", "cancelled")}
    check_ins = [due for kind, _, due in rows if kind == "check_in"]
    assert check_ins == [clock.now + timedelta(days=7), clock.now + timedelta(days=8)]   # food, then housing


def test_exit_cancels_the_nudges(engine, repository):
    person = texting(engine, "hi", "yes", "yes", "1")
    assert "ended the needs check" in person.send("exit")
    assert {s for s, in schedule(repository, reminder_rows.c.status)} == {"cancelled"}


def test_a_voluntary_program_schedules_only_the_day_and_week_nudges(repository, clock):
    engine = ScreeningEngine(repository, clock=clock, program=VOLUNTARY)
    texting(engine, "hi", "yes", "yes", "1")
    assert [due for due, in schedule(repository, reminder_rows.c.due_at)] == [
        clock.now + timedelta(days=1), clock.now + timedelta(days=7)]


def test_reminders_off_works_while_a_crisis_is_being_handled_and_the_safety_question_comes_again(engine,
                                                                                               repository):
    person = texting(engine, "hi", "yes", "yes", "1", "11/3", "i want to kill myself")
    reply = person.send("reminders off")
    assert "reminders are off" in reply and "safe" in reply
    assert {s for s, in schedule(repository, reminder_rows.c.status)} == {"cancelled"}


# ---------------------------------------------------------------- check-ins
def test_a_check_in_answer_is_stored_with_its_referral_exported_and_understood_after_the_window(
        engine, repository, clock):
    person = texting(engine, "hi", "yes", "yes", "1", "11/3", "I need a job")
    finish(person, town="02118")
    clock.now += timedelta(days=50)                        # past the 45 days: the screening is closed
    deliver_due(repository, clock.now)                     # catching up: one check-in, the latest
    assert "glad you reached them" in person.send("yes i did")
    [record] = exported(repository)
    checked = [r for r in record["referrals"] if r["outcome"]]
    assert [(r["need"], r["outcome"]) for r in checked] == [("employment", "reached")]
    assert checked[0]["outcome_at"] == clock.now.isoformat() + "Z"
    assert all("outcome" in r and "outcome_at" in r for r in record["referrals"])
    assert "already finished" in person.send("1")          # answered once; now an ordinary message


def test_other_help_flags_the_case_and_offers_the_next_place_as_more_does(engine, repository, clock):
    person = texting(engine, "hi", "yes", "yes", "1", "11/3", "I need food")
    finish(person, town="02118")
    clock.now += timedelta(days=7, minutes=1)
    deliver_due(repository, clock.now)
    reply = person.send("3")
    assert "you need other help" in reply
    assert "More for food" in reply or "no other place for food" in reply
    with repository.transaction() as unit:
        flags = [(r.kind, open_flag(unit.cipher, r)[0]) for r in unit.conn.execute(select(m.flags))]
    assert flags == [("referral_follow_up", "other_help")]


# ---------------------------------------------------------------- the CLI
def test_reminders_list_shows_id_kind_and_due_time_only(engine, repository, monkeypatch, capsys,
                                                        clock):
    if not repository.engine.url.drivername.startswith("sqlite"):
        pytest.skip("the CLI reads DATABASE_URL; one database is enough")
    monkeypatch.setenv("DATABASE_URL", str(repository.engine.url))
    monkeypatch.setenv("ENCRYPTION_KEY", ENCRYPTION_KEY)
    monkeypatch.setenv("SECRET_KEY", SECRET_KEY)
    texting(engine, "hi", "yes", "yes", "1", "11/3", "I sleep in my car", sender="sms:+16175550199")
    assert cli.main(["reminders", "list", "--json", "--due-before", "2026-12-02T00:00:00Z"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    with repository.transaction() as unit:
        case = unit.conn.execute(select(m.screenings.c.id)).scalar_one()
    assert lines == [{"screening_id": case, "kind": "nudge", "due_at": "2026-11-25T15:00:00Z", "status": "scheduled"},
                     {"screening_id": case, "kind": "nudge", "due_at": "2026-12-01T15:00:00Z", "status": "scheduled"}]
    assert cli.main(["reminders", "list"]) == 0
    out = capsys.readouterr()
    assert out.out.count(case) == 4 and "4 reminder(s) scheduled" in out.err
    assert "car" not in out.out and "6175550199" not in out.out
    with pytest.raises(SystemExit) as refused:
        cli.main(["reminders", "list", "--due-before", "next tuesday"])
    assert refused.value.code == 2 and "not an ISO date-time" in capsys.readouterr().err


def test_reminders_off_while_a_screener_holds_the_conversation_cancels_them_and_the_assistant_stays_quiet(
        engine, repository, clock):
    from sqlalchemy import insert

    from screening.accounts import AccountStore
    from screening.records.talkback_tables import conversation_holds

    person = texting(engine, "hi", "yes", "yes", "1", "11/3")
    with repository.transaction() as unit:
        sam = AccountStore(unit.conn, unit.cipher).add("sam", "screener", "a long password for tests", clock.now)
        case = unit.conn.execute(select(m.screenings.c.id)).scalar_one()
        unit.conn.execute(insert(conversation_holds).values(screening_id=case, held_by=sam.id, held_at=clock.now,
                                                            touched_at=clock.now))
    assert person.send("REMINDERS OFF") == ""
    assert {s for s, in schedule(repository, reminder_rows.c.status)} == {"cancelled"}


def test_a_check_in_that_could_not_go_out_for_weeks_is_dropped_not_sent_late(engine, repository, clock):
    person = texting(engine, "hi", "yes", "yes", "1", "11/3", "I need food")
    finish(person, town="02118")
    with repository.transaction() as unit:
        case = unit.conn.execute(select(m.screenings.c.id)).scalar_one()
        screening = unit.screening(case)
        screening.state["crisis"] = {"kind": "self_harm", "stage": "asked"}      # support never ended
        unit.save_screening(screening)
    for days in (8, 30, 46):
        clock.now = datetime(2026, 11, 24, 15, 0) + timedelta(days=days)
        with repository.transaction() as unit:
            [claimed] = reminders.claim_due(unit.conn, "worker", clock.now, 10)
            decision = reminders.decide(unit.conn, claimed, unit.screening(case), now=clock.now,
                                        has_deadline=True, opted_out_by_sms=False)
            reminders.wait(unit.conn, claimed.id, clock.now)
        assert decision.action == ("skip" if days == 46 else "wait"), days


def test_a_voluntary_nudge_names_no_deadline_and_a_fine_waiver_one_names_the_date():
    from screening.dialogue.catalog import Catalog
    from screening.dialogue.reminder_words import reminder_text

    voluntary = reminder_text(Catalog(VOLUNTARY), "en", "nudge", deadline=None)
    assert "finish" not in voluntary.replace("before finishing", "") and "45 days" not in voluntary
    assert "REMINDERS OFF" in voluntary
    dated = reminder_text(Catalog(), "es", "nudge", deadline=date(2026, 12, 18))
    assert "termine a más tardar el 18 de diciembre de 2026" in dated and "RECORDATORIOS NO" in dated
