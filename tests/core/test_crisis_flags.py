"""Crisis flags for staff: the step is stored, the list puts the longest-waiting crisis case first
with its kinds and wait in plain words, the case shows kind and step, /metrics has the oldest
wait, and migration 0008 goes up and down on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import inspect, text, update

from screening.casework import CaseFilter, Viewer, case_detail, list_cases, set_status
from screening.crisis_flags import kind_words, step_words, waiting_words
from screening.instrument import default_instrument
from screening.operations import operational_gauges, prometheus_text
from screening.records import migrate, models as m
from screening.records.db import make_engine
from screening.records.sealing import open_flag

from ..conftest import ENCRYPTION_KEY, scratch_postgres_database
from .crisis_cases import add_flag, new_case

T0 = datetime(2026, 11, 24, 9, 0)
BOSS = Viewer(0, "boss", "supervisor")


def test_add_flag_stores_the_step_and_callers_without_one_still_work(repository):
    case = new_case(repository, "person-1", T0)
    add_flag(repository, case, "overdose", T0, step="item:ahc_7")
    with repository.transaction() as unit:
        unit.add_flag(case, "person_requested", "asked", T0)         # the call the engine makes today
        rows = unit.conn.execute(m.flags.select().order_by(m.flags.c.id)).all()
        opened = [(r.kind, *open_flag(unit.cipher, r), r.alerted_at) for r in rows]
    assert opened == [("crisis", "overdose", "item:ahc_7", None), ("person_requested", "asked", None, None)]
    # The reason and step are stored only encrypted (screening/records/sealing.py).
    assert [(r.reason, r.step) for r in rows] == [(None, None), (None, None)]


@pytest.fixture
def crisis_cases(repository):
    """Seven cases; four crisis ones, two of them still waiting (new, an unresolved crisis flag)."""
    ids = {
        "plain": new_case(repository, "plain", T0),
        "asked": new_case(repository, "asked", T0 + timedelta(minutes=10)),
        "waiting_longest": new_case(repository, "a", T0 + timedelta(minutes=20)),
        "waiting": new_case(repository, "b", T0 + timedelta(minutes=5)),
        "picked_up": new_case(repository, "c", T0 + timedelta(minutes=50)),
        "resolved": new_case(repository, "d", T0 + timedelta(minutes=45)),
        "older_reason": new_case(repository, "e", T0 + timedelta(minutes=1)),
    }
    add_flag(repository, ids["asked"], "asked", T0 + timedelta(minutes=11), kind="person_requested", step="needs")
    add_flag(repository, ids["waiting_longest"], "self_harm", T0 + timedelta(minutes=30), step="item:phq9_9")
    add_flag(repository, ids["waiting"], "overdose", T0 + timedelta(hours=1), step="needs")
    add_flag(repository, ids["waiting"], "violence", T0 + timedelta(hours=1, minutes=10), step="item:ahc_7")
    add_flag(repository, ids["picked_up"], "medical", T0 + timedelta(minutes=15), step="consent")
    add_flag(repository, ids["resolved"], "self_harm", T0 + timedelta(minutes=2), step="done")
    add_flag(repository, ids["older_reason"], "phq9_item9", T0 + timedelta(minutes=40))
    with repository.transaction() as unit:
        set_status(unit.conn, ids["picked_up"], "in_review", T0 + timedelta(minutes=20))
        set_status(unit.conn, ids["older_reason"], "in_review", T0 + timedelta(minutes=41))
        unit.conn.execute(update(m.flags).where(m.flags.c.screening_id == ids["resolved"])
                          .values(resolved_at=T0 + timedelta(minutes=3)))
    return ids


def test_the_crisis_case_waiting_longest_comes_first_with_its_kinds_and_wait(repository, crisis_cases):
    now = T0 + timedelta(hours=2, minutes=35)
    with repository.transaction() as unit:
        found = list_cases(unit.conn, BOSS, CaseFilter(), now=now, cipher=unit.cipher)
    ids = crisis_cases
    assert [c.screening_id for c in found] == [
        ids["waiting_longest"], ids["waiting"],                          # waiting, by how long
        ids["picked_up"], ids["resolved"], ids["older_reason"],          # other crisis cases, newest first
        ids["asked"], ids["plain"]]
    by_id = {c.screening_id: c for c in found}
    assert by_id[ids["waiting_longest"]].crisis_kinds == ("Suicide or self-harm",)
    assert by_id[ids["waiting_longest"]].waiting == "waiting 2 h 5 min"
    assert by_id[ids["waiting"]].crisis_kinds == ("Overdose", "Violence")
    assert by_id[ids["waiting"]].waiting == "waiting 1 h 35 min"
    assert by_id[ids["picked_up"]].crisis_kinds == ("Medical emergency",) and by_id[ids["picked_up"]].waiting == ""
    assert by_id[ids["resolved"]].waiting == ""
    assert by_id[ids["older_reason"]].crisis_kinds == ("Suicide or self-harm",)
    assert by_id[ids["asked"]].crisis_kinds == () and by_id[ids["plain"]].waiting == ""

    # The wait is read from the clock passed in; without one there is no wait to show.
    with repository.transaction() as unit:
        later = {c.screening_id: c for c in list_cases(unit.conn, BOSS, CaseFilter(), now=now + timedelta(days=1),
                                                       cipher=unit.cipher)}
        unclocked = list_cases(unit.conn, BOSS, CaseFilter(), cipher=unit.cipher)
    assert later[ids["waiting_longest"]].waiting == "waiting 1 d 2 h"
    assert all(c.waiting == "" for c in unclocked)
    # Once the longest-waiting case is picked up, the other waiting one comes first.
    with repository.transaction() as unit:
        set_status(unit.conn, ids["waiting_longest"], "in_review", now)
        assert [c.screening_id for c in list_cases(unit.conn, BOSS, CaseFilter(), now=now, cipher=unit.cipher)][:2] == [
            ids["waiting"], ids["picked_up"]]


def test_the_case_shows_each_flag_with_its_kind_step_and_time(repository, crisis_cases):
    with repository.transaction() as unit:
        waiting = case_detail(unit.conn, unit.cipher, crisis_cases["waiting"])
        asked = case_detail(unit.conn, unit.cipher, crisis_cases["asked"])
        older = case_detail(unit.conn, unit.cipher, crisis_cases["older_reason"])
    assert [(f["words"], f["where"].split(" (")[0], f["created_at"]) for f in waiting.flags] == [
        ("Overdose", "while answering what would help most", T0 + timedelta(hours=1)),
        ("Violence", "at question ahc_7", T0 + timedelta(hours=1, minutes=10))]
    assert "physically hurt you" in waiting.flags[1]["where"]          # the question, in the instrument's words
    assert [(f["words"], f["where"]) for f in asked.flags] == [
        ("Asked to talk with a person", "while answering what would help most")]
    assert [(f["words"], f["where"], f["crisis_kind"]) for f in older.flags] == [
        ("Suicide or self-harm", "step not recorded", "self_harm")]


def test_plain_words_for_kinds_steps_and_waits():
    instrument = default_instrument()
    assert [kind_words(r) for r in ("self_harm", "phq9_item9", "message", "overdose", "violence", "medical")] == [
        "Suicide or self-harm", "Suicide or self-harm", "Suicide or self-harm", "Overdose", "Violence",
        "Medical emergency"]
    assert step_words("item:ahc_7", instrument).startswith("at question ahc_7 (“How often does anyone")
    assert step_words("item:ahc_7") == "at question ahc_7"
    assert step_words("needs") == "while answering what would help most"
    assert step_words("consent") == "at the start, when asked whether to take part"
    assert step_words("done") == "after finishing the screening"
    assert step_words("permission:substance_use") == "when asked whether to go on to the substance use questions"
    assert step_words(None) == "step not recorded"
    assert step_words("somewhere_new") == "at step somewhere_new"
    assert waiting_words(timedelta(hours=2, minutes=5, seconds=59)) == "waiting 2 h 5 min"
    assert waiting_words(timedelta(minutes=7)) == "waiting 7 min"
    assert waiting_words(timedelta(hours=3)) == "waiting 3 h"
    assert waiting_words(timedelta(seconds=20)) == "waiting less than 1 min"


def test_metrics_give_the_age_of_the_oldest_crisis_case_still_waiting(repository, crisis_cases):
    now = T0 + timedelta(hours=2, minutes=35)

    def oldest() -> str:
        with repository.transaction() as unit:
            lines = prometheus_text(operational_gauges(unit.conn, now)).splitlines()
        return next(line for line in lines if line.startswith("screening_crisis_case_oldest_waiting_seconds "))

    assert oldest() == f"screening_crisis_case_oldest_waiting_seconds {int(timedelta(hours=2, minutes=5).total_seconds())}"
    with repository.transaction() as unit:
        set_status(unit.conn, crisis_cases["waiting_longest"], "in_review", now)
        set_status(unit.conn, crisis_cases["waiting"], "in_review", now)
    assert oldest() == "screening_crisis_case_oldest_waiting_seconds 0"


# migration 0008 ------------------------------------------------------------------------
@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def new_database_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'new.db'}"
        return
    with scratch_postgres_database("screening_0008") as url:
        yield url


def flag_columns(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return {c["name"] for c in inspect(engine).get_columns("flags")}
    finally:
        engine.dispose()


NEW_COLUMNS = {"step", "alerted_at", "alert_attempts", "alert_next_attempt_at"}


def test_migration_0008_adds_the_step_and_alert_columns_and_takes_them_away(new_database_url):
    url = new_database_url
    migrate.upgrade(url, "0007")
    assert not NEW_COLUMNS & flag_columns(url)
    engine = make_engine(url)
    with engine.begin() as conn:     # a crisis flag raised before 0008
        conn.execute(text("INSERT INTO participants (id, sender_hash, channel, created_at) "
                          "VALUES ('p1', 'h1', 'sms', :t)"), {"t": T0})
        conn.execute(text("INSERT INTO screenings (id, participant_id, status, language, channel, instrument_id, "
                          "instrument_version, step, state, started_at, updated_at) VALUES "
                          "('s1', 'p1', 'started', 'en', 'sms', 'i', 'v', 'needs', '{}', :t, :t)"), {"t": T0})
        conn.execute(text("INSERT INTO flags (screening_id, kind, reason, created_at) "
                          "VALUES ('s1', 'crisis', 'phq9_item9', :t)"), {"t": T0})
    engine.dispose()

    migrate.upgrade(url, "0008")
    assert NEW_COLUMNS <= flag_columns(url)
    engine = make_engine(url)
    with engine.begin() as conn:     # a flag as the code of 0008 stored it (0013 encrypts the details)
        conn.execute(text("INSERT INTO flags (screening_id, kind, reason, created_at, step) "
                          "VALUES ('s1', 'crisis', 'overdose', :t, 'item:ahc_7')"), {"t": T0 + timedelta(minutes=1)})
        rows = conn.execute(text("SELECT reason, step, alerted_at FROM flags ORDER BY id")).all()
    engine.dispose()
    assert [tuple(r) for r in rows] == [("phq9_item9", None, None), ("overdose", "item:ahc_7", None)]

    migrate.downgrade(url, "0007")
    assert not NEW_COLUMNS & flag_columns(url)
    engine = make_engine(url)
    with engine.connect() as conn:   # the flags themselves are kept
        assert conn.execute(text("SELECT reason FROM flags ORDER BY id")).scalars().all() == ["phq9_item9", "overdose"]
    engine.dispose()
    migrate.upgrade(url, encryption_key=ENCRYPTION_KEY)
    assert NEW_COLUMNS <= flag_columns(url)
