"""Screeners talk back, in the core: while a screener holds a conversation the assistant answers
nothing, stores every message for staff and still raises crisis flags; one holder at a time;
handing back goes on exactly where the person was; idle holds; migration 0009.

Each test runs on SQLite and on PostgreSQL (see the `database_url` fixture)."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import inspect, select, text

from screening import talkback
from screening.accounts import AccountStore
from screening.casework import CaseError, CaseFilter, Viewer, assign, case_detail, list_cases
from screening.config import load_settings
from screening.dialogue.handback import hand_back
from screening.operations import operational_gauges, prometheus_text
from screening.records import migrate, models as m
from screening.records.sealing import open_flag
from screening.records.db import make_engine
from screening.records.talkback_tables import conversation_holds

from ..conftest import scratch_postgres_database
from .person import Person
from .test_conversation import at_first_question, start

STAFF = (("sam", "screener"), ("alex", "screener"), ("boss", "supervisor"))


@pytest.fixture
def staff(repository, clock) -> dict[str, Viewer]:
    """Two screeners and a supervisor, as the console knows them."""
    with repository.transaction() as unit:
        store = AccountStore(unit.conn, unit.cipher)
        return {name: Viewer(store.add(name, role, "a long password for tests", clock.now).id, name, role)
                for name, role in STAFF}


def the_screening(repository) -> str:
    with repository.transaction() as unit:
        return unit.conn.execute(select(m.screenings.c.id)).scalar_one()


def take(repository, screening_id, viewer, now) -> bool:
    with repository.transaction() as unit:
        return talkback.take_over(unit, screening_id, viewer, now)


def messages(repository):
    with repository.transaction() as unit:
        return [(r.direction, unit.cipher.decrypt(r.body_enc), r.to_staff, r.author_id)
                for r in unit.conn.execute(select(m.messages).order_by(m.messages.c.id))]


def flags(repository):
    with repository.transaction() as unit:
        return [(r.kind, open_flag(unit.cipher, r)[0])
                for r in unit.conn.execute(select(m.flags).order_by(m.flags.c.id))]


def test_while_held_the_assistant_says_nothing_stores_the_message_and_still_flags_a_crisis(
        engine, repository, clock, staff):
    person = Person(engine, channel="sms", sender="sms:phonehash")
    at_first_question(person)
    person.send("person")
    assert ("person_requested", "asked") in flags(repository)
    case = the_screening(repository)
    with repository.transaction() as unit:
        assign(unit.conn, case, staff["sam"].account_id, clock.now)
    assert take(repository, case, staff["sam"], clock.now)

    assert person.send("I lost my place last week") == ""
    assert person.send("2", key="same-key") == ""
    assert person.send("2", key="same-key") == ""                 # a retry: nothing, stored once
    assert person.send("honestly i want to die") == ""             # no reply, but staff are told
    assert [f for f in flags(repository) if f[0] == "crisis"] == [("crisis", "self_harm")]
    lines = messages(repository)
    to_staff = [body for direction, body, for_staff, _ in lines if for_staff]
    assert to_staff == ["I lost my place last week", "2", "honestly i want to die"]
    with repository.transaction() as unit:
        row = unit.screening(case)
        assert row.step == "item:ahc_1" and "crisis" not in row.state      # nothing moved on
        assert unit.current_answers(case) == {}
        assert talkback.unread_count(unit.conn, case) == 3
        [summary] = list_cases(unit.conn, staff["boss"], CaseFilter(), now=clock.now, cipher=unit.cipher)
    assert summary.held_by == "sam" and summary.unread == 3 and summary.crisis and summary.asked_for_person
    with repository.transaction() as unit:
        metrics = prometheus_text(operational_gauges(unit.conn, clock.now))
    assert "screening_conversations_held 1" in metrics and "screening_messages_to_staff_unread 3" in metrics
    assert "screening_web_chat_words_waiting 0" in metrics


def test_one_holder_at_a_time_and_only_the_holder_or_a_supervisor_hands_back(repository, clock, staff, engine):
    at_first_question(Person(engine))
    case = the_screening(repository)
    sam, alex, boss = staff["sam"], staff["alex"], staff["boss"]
    assert take(repository, case, sam, clock.now) is True
    assert take(repository, case, sam, clock.now) is False          # already theirs: nothing new
    with pytest.raises(CaseError, match="sam is talking with this person now") as refused:
        take(repository, case, alex, clock.now)
    assert refused.value.status == 409
    with pytest.raises(CaseError, match="Only they or a supervisor") as refused, repository.transaction() as unit:
        talkback.release(unit, case, alex)
    assert refused.value.status == 403
    with repository.transaction() as unit:
        assert talkback.release(unit, case, boss).holder == "sam"
    with pytest.raises(CaseError, match="already answering"), repository.transaction() as unit:
        talkback.release(unit, case, sam)
    assert talkback.may_talk(sam, sam.account_id) and not talkback.may_talk(sam, None)
    assert not talkback.may_talk(sam, alex.account_id) and talkback.may_talk(boss, None)


def test_handing_back_asks_the_same_question_again_and_the_person_goes_on(engine, repository, clock, staff):
    person = Person(engine)
    at_first_question(person)
    case = the_screening(repository)
    take(repository, case, staff["sam"], clock.now)
    person.send("can we talk about my housing")
    with repository.transaction() as unit:
        talkback.release(unit, case, staff["sam"])
        replies = hand_back(engine, unit, case, "released", clock.now)
    said = "\n".join(r.render() for r in replies)
    assert said.startswith("The trained person has left this chat. I am the assistant again.")
    assert "Let's go on where we were." in said and "What is your living situation today?" in said
    assert "Question 1 of" in said
    reply = person.send("2")
    assert "What is your living situation today?" not in reply     # answered; on to the next
    with repository.transaction() as unit:
        assert list(unit.current_answers(case)) == ["ahc_1"]
    assert messages(repository)[-len(replies) - 2][1].startswith("The trained person has left")


@pytest.mark.parametrize("where, expected", [
    ("done", "You already finished the needs check. Your code is"),
    ("paused", "We saved your answers. Send any message when you want to go on."),
    ("crisis", "are you safe right now"),
])
def test_handing_back_a_finished_paused_or_crisis_conversation_says_a_polite_line(
        engine, repository, clock, staff, where, expected):
    person = Person(engine)
    at_first_question(person)
    if where == "done":
        for _ in range(80):
            if "completion code" in person.send("skip"):
                break
    elif where == "paused":
        person.send("pause")
    else:
        person.send("honestly i want to die")
    case = the_screening(repository)
    take(repository, case, staff["sam"], clock.now)
    with repository.transaction() as unit:
        talkback.release(unit, case, staff["sam"])
        said = "\n".join(r.render() for r in hand_back(engine, unit, case, "idle", clock.now))
    assert said.startswith("Our staff member had to step away, so I am back.")
    assert expected.lower() in said.lower()
    assert "Question " not in said


def test_spanish_hand_back_and_saved_replies(engine, repository, clock, staff):
    person = Person(engine)
    start(person, language_reply="2")
    case = the_screening(repository)
    take(repository, case, staff["sam"], clock.now)
    with repository.transaction() as unit:
        talkback.release(unit, case, staff["sam"])
        said = "\n".join(r.render() for r in hand_back(engine, unit, case, "released", clock.now))
    assert "La persona capacitada salió de este chat." in said and "Sigamos donde estábamos." in said
    saved = talkback.saved_replies(engine.catalog, "es")
    assert [r.key for r in saved] == ["intro", "safe_now", "call_at", "closing"]
    assert saved[1].text == "¿Está a salvo ahora mismo?" and talkback.BLANK in saved[2].text
    assert "the Needs Check program" in talkback.saved_replies(engine.catalog, "en")[0].text


def test_a_reply_must_have_words_fit_and_fill_the_blank():
    assert talkback.checked_reply("  Hi there \r\n") == "Hi there"
    for bad, why in (("   ", "empty"), ("x" * 1001, "at most 1000"), ("I will call you at ___.", "Fill in")):
        with pytest.raises(CaseError, match=why):
            talkback.checked_reply(bad)


def test_an_idle_hold_is_released_once_and_a_reply_keeps_it(engine, repository, clock, staff):
    at_first_question(Person(engine))
    case = the_screening(repository)
    take(repository, case, staff["sam"], clock.now)
    clock.now += timedelta(minutes=20)
    with repository.transaction() as unit:
        assert talkback.touch(unit, case, staff["sam"].account_id, clock.now)
        assert not talkback.touch(unit, case, staff["alex"].account_id, clock.now)
    cutoff = clock.now + timedelta(minutes=29) - timedelta(minutes=30)
    with repository.transaction() as unit:
        assert talkback.idle_holds(unit.conn, cutoff) == []
    clock.now += timedelta(minutes=31)
    cutoff = clock.now - timedelta(minutes=30)
    with repository.transaction() as unit:
        assert talkback.idle_holds(unit.conn, cutoff) == [case]
        assert talkback.release_idle(unit, case, cutoff).holder == "sam"
    with repository.transaction() as unit:
        assert talkback.release_idle(unit, case, cutoff) is None       # a second process finds nothing
        assert unit.conn.execute(select(conversation_holds)).first() is None


def test_a_newer_screening_must_be_the_one_taken_over(repository, clock, staff):
    with repository.transaction() as unit:
        participant = unit.participant_id("test", "person-9", clock.now)
        old = unit.create_screening(participant, language="en", channel="test", instrument_id="i",
                                    instrument_version="v", step="consent", now=clock.now)
        unit.create_screening(participant, language="en", channel="test", instrument_id="i",
                              instrument_version="v", step="consent", now=clock.now + timedelta(days=50))
    with pytest.raises(CaseError, match="newer screening"):
        take(repository, old.id, staff["boss"], clock.now)


def test_the_way_back_to_the_person_is_kept_encrypted(repository, clock):
    with repository.transaction() as unit:
        participant = unit.participant_id("sms", "sms:abc123", clock.now)
        web = unit.participant_id("web", "web:0f0f", clock.now)
        other = unit.participant_id("test", "someone", clock.now)
        raw = unit.conn.execute(select(m.participants.c.sender_enc).where(m.participants.c.id == participant)).scalar()
        assert b"abc123" not in bytes(raw)
        assert talkback.route_of(unit, participant) == talkback.Route("sms", "abc123")
        assert talkback.route_of(unit, web) == talkback.Route("web", "0f0f")
        assert talkback.route_of(unit, other) is None
        # A person first seen before the column existed gets it on their next message.
        unit.conn.execute(m.participants.update().values(sender_enc=None))
        assert talkback.route_of(unit, participant) is None
        assert unit.participant_id("sms", "sms:abc123", clock.now) == participant
        assert talkback.route_of(unit, participant) == talkback.Route("sms", "abc123")


def test_the_case_transcript_says_who_wrote_each_line(engine, repository, clock, staff):
    person = Person(engine)
    at_first_question(person)
    case = the_screening(repository)
    take(repository, case, staff["sam"], clock.now)
    person.send("hello?")
    with repository.transaction() as unit:
        unit.add_message(case, None, "out", "test", "Hi, I am Sam.", clock.now, author_id=staff["sam"].account_id)
        detail = case_detail(unit.conn, unit.cipher, case)
        newest = detail.transcript[-1].id
        assert talkback.mark_read(unit.conn, case, newest, clock.now) == 1
        assert talkback.unread_count(unit.conn, case) == 0
    whos = [(line.who, line.text) for line in detail.transcript[-3:]]
    assert whos[-2:] == [("Person", "hello?"), ("Screener sam", "Hi, I am Sam.")]
    assert detail.transcript[0].who == "Person" and detail.transcript[1].who == "Assistant"


def test_the_idle_time_is_a_setting(monkeypatch, tmp_path):
    monkeypatch.setenv("HOLD_IDLE_MINUTES", "12")
    assert load_settings(tmp_path / "no.env").hold_idle_minutes == 12
    monkeypatch.delenv("HOLD_IDLE_MINUTES")
    assert load_settings(tmp_path / "no.env").hold_idle_minutes == talkback.DEFAULT_HOLD_IDLE_MINUTES == 30


# migration 0009 ------------------------------------------------------------------------
@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def new_database_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'new.db'}"
        return
    with scratch_postgres_database("screening_0009") as url:
        yield url


def schema(url: str) -> tuple[set[str], set[str], set[str]]:
    engine = make_engine(url)
    try:
        found = inspect(engine)
        return (set(found.get_table_names()), {c["name"] for c in found.get_columns("messages")},
                {c["name"] for c in found.get_columns("participants")})
    finally:
        engine.dispose()


def test_migration_0009_goes_up_and_down_keeping_the_messages(new_database_url):
    url = new_database_url
    migrate.upgrade(url, "0008")
    engine = make_engine(url)
    t0 = datetime(2026, 11, 24, 9, 0)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO participants (id, sender_hash, channel, created_at) VALUES ('p1', 'h1', 'sms', :t)"),
                     {"t": t0})
        conn.execute(text("INSERT INTO screenings (id, participant_id, status, language, channel, instrument_id, "
                          "instrument_version, step, state, started_at, updated_at) VALUES "
                          "('s1', 'p1', 'started', 'en', 'sms', 'i', 'v', 'needs', '{}', :t, :t)"), {"t": t0})
        conn.execute(text("INSERT INTO messages (screening_id, direction, channel, body_enc, created_at) "
                          "VALUES ('s1', 'in', 'sms', :b, :t)"), {"t": t0, "b": b"x"})
    engine.dispose()
    migrate.upgrade(url, "0009")
    tables, message_columns, participant_columns = schema(url)
    assert {"conversation_holds", "web_outbox"} <= tables
    assert {"author_id", "to_staff", "staff_read_at"} <= message_columns and "sender_enc" in participant_columns
    migrate.downgrade(url, "0008")
    tables, message_columns, participant_columns = schema(url)
    assert not {"conversation_holds", "web_outbox"} & tables
    assert not {"author_id", "to_staff", "staff_read_at"} & message_columns and "sender_enc" not in participant_columns
    engine = make_engine(url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM messages")).scalar() == 1
    engine.dispose()
    migrate.upgrade(url)
