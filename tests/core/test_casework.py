"""The case list, one case, review changes, completion checks and program figures."""
from __future__ import annotations

from datetime import timedelta

import pytest

from screening.accounts import AccountStore
from screening.casework import (
    CaseError, CaseFilter, Viewer, add_note, assign, case_detail, confirm_completion, list_cases, set_status,
)
from screening.completion_check import check_code
from screening.program_figures import program_figures

from .console_people import XSS_WORDS, screen


@pytest.fixture
def people(engine, repository, clock):
    """Four screenings, an hour apart: plain, asked for a person, crisis, unfinished in Spanish."""
    ids = {}
    for name, kwargs in [("plain", dict(needs=XSS_WORDS)),
                         ("asked", dict(before=("can i talk to a real person",))),
                         ("crisis", dict(before=("honestly i want to die", "yes im safe, lets go on"), channel="web")),
                         ("unfinished", dict(complete=False, language_reply="2"))]:
        screen(engine, name, **kwargs)
        clock.now += timedelta(hours=1)
    with repository.transaction() as unit:
        for row in unit.conn.exec_driver_sql("SELECT id, started_at FROM screenings ORDER BY started_at"):
            ids[("plain", "asked", "crisis", "unfinished")[len(ids)]] = row[0]
        store = AccountStore(unit.conn, unit.cipher)
        ids["sam"] = store.add("sam", "screener", "a long password here", clock.now).id
        ids["kim"] = store.add("kim", "screener", "a long password here", clock.now).id
    return ids


def cases(repository, viewer, **params):
    with repository.transaction() as unit:
        return [c.screening_id for c in list_cases(unit.conn, viewer, CaseFilter.from_params(params), cipher=unit.cipher)]


def test_crisis_and_asked_for_a_person_come_first_then_newest(repository, people):
    boss = Viewer(0, "boss", "supervisor")
    assert cases(repository, boss) == [people["crisis"], people["asked"], people["unfinished"], people["plain"]]


def test_filters_narrow_the_list(repository, people):
    boss = Viewer(0, "boss", "supervisor")
    assert cases(repository, boss, flag="crisis") == [people["crisis"]]
    assert cases(repository, boss, language="es") == [people["unfinished"]]
    assert cases(repository, boss, channel="web") == [people["crisis"]]
    assert cases(repository, boss, need="housing") == [people["plain"]]
    assert cases(repository, boss, date_from="2026-11-25") == []
    assert len(cases(repository, boss, date_from="2026-11-24", date_to="2026-11-24")) == 4
    with repository.transaction() as unit:
        code = unit.conn.exec_driver_sql(
            f"SELECT completion_code FROM screenings WHERE id = '{people['asked']}'").scalar()
    assert cases(repository, boss, code=code.lower().replace("-", " ")) == [people["asked"]]
    with pytest.raises(CaseError, match="date like"):
        CaseFilter.from_params({"date_from": "yesterday"})
    with pytest.raises(CaseError, match="status must be one of"):
        CaseFilter.from_params({"status": "done"})


def test_screeners_see_their_own_cases_and_the_unassigned_queue(repository, people, clock):
    with repository.transaction() as unit:
        assign(unit.conn, people["plain"], people["sam"], clock.now)
        assign(unit.conn, people["asked"], people["kim"], clock.now)
    sam = Viewer(people["sam"], "sam", "screener")
    assert people["asked"] not in cases(repository, sam)
    assert set(cases(repository, sam)) == {people["plain"], people["crisis"], people["unfinished"]}
    assert cases(repository, sam, assigned="mine") == [people["plain"]]
    assert not sam.may_open(people["kim"]) and sam.may_open(None) and sam.may_open(people["sam"])


def test_a_case_holds_the_transcript_answers_needs_and_referrals(repository, people):
    with repository.transaction() as unit:
        case = case_detail(unit.conn, unit.cipher, people["plain"])
    assert any(line.direction == "in" and line.text == XSS_WORDS for line in case.transcript)
    assert any(line.direction == "out" and "completion code" in line.text for line in case.transcript)
    assert case.needs[0] == "housing" and case.need_statements == [XSS_WORDS]
    assert case.answers and all(a.skipped for a in case.answers)
    assert case.review.status == "new" and case.screening.deadline is not None


def test_status_moves_in_order_and_notes_are_encrypted(repository, people, clock):
    sid = people["plain"]
    with repository.transaction() as unit:
        with pytest.raises(CaseError, match="cannot move to closed"):
            set_status(unit.conn, sid, "closed", clock.now)
    with repository.transaction() as unit:
        assert set_status(unit.conn, sid, "in_review", clock.now) == "new"
        set_status(unit.conn, sid, "follow_up", clock.now)
        add_note(unit.conn, unit.cipher, sid, people["sam"], "Called back, left a message.", clock.now)
        with pytest.raises(CaseError, match="empty"):
            add_note(unit.conn, unit.cipher, sid, people["sam"], "   ", clock.now)
        raw = unit.conn.exec_driver_sql("SELECT text_enc FROM case_notes").scalar()
        case = case_detail(unit.conn, unit.cipher, sid)
    assert b"Called back" not in bytes(raw)
    assert case.review.status == "follow_up" and case.notes[0]["text"] == "Called back, left a message."


def test_only_a_finished_screening_can_be_confirmed_and_once(repository, people, clock):
    with repository.transaction() as unit:
        assert confirm_completion(unit.conn, people["plain"], people["sam"], clock.now)
        assert not confirm_completion(unit.conn, people["plain"], people["sam"], clock.now)
        with pytest.raises(CaseError, match="not finished"):
            confirm_completion(unit.conn, people["unfinished"], people["sam"], clock.now)
        assert case_detail(unit.conn, unit.cipher, people["plain"]).review.confirmed_by == "sam"


def test_a_completion_code_check_says_valid_with_dates_and_nothing_else(repository, people, clock):
    with repository.transaction() as unit:
        code = unit.conn.exec_driver_sql(
            f"SELECT completion_code FROM screenings WHERE id = '{people['plain']}'").scalar()
        found = check_code(unit.conn, code, clock.now)
        assert not check_code(unit.conn, "ACDE-3467", clock.now).valid
        assert not check_code(unit.conn, "", clock.now).valid
    assert found.valid and str(found.completed_on) == "2026-11-24" and str(found.citation_date) == "2026-11-03"
    assert set(found.__dict__) == {"valid", "completed_on", "citation_date"}


def test_program_figures_count_the_funnel_needs_and_mix(repository, people):
    with repository.transaction() as unit:
        figures = program_figures(unit.conn, unit.cipher)
    assert figures.funnel == [("started", 4), ("consented", 4), ("completed", 3)]
    assert ("housing", 1) in figures.needs
    assert dict(figures.languages) == {"en": 3, "es": 1}
    assert dict(figures.channels) == {"sms": 3, "web": 1}
    assert figures.completed_measured == 3 and figures.median_minutes_to_complete == 0.0


def test_the_case_shows_how_to_reach_the_person_by_their_own_number(repository, engine, clock):
    from sqlalchemy import insert, update

    from screening.records import models as m
    from screening.records.sms_tables import sms_conversations

    # By SMS the core only knows the gateway's id for the phone; the number is the gateway's, encrypted.
    screen(engine, "sms:phonehash123", complete=False)
    with repository.transaction() as unit:
        unit.conn.execute(insert(sms_conversations).values(
            phone_hash="phonehash123", phone_enc=unit.cipher.encrypt("+16175551234"), opted_out=False,
            created_at=clock.now))
        screening_id = unit.conn.execute(m.screenings.select()).first().id
        unit.conn.execute(update(m.screenings).values(
            contact_preference="text", contact_detail_enc=unit.cipher.encrypt("sms:phonehash123")))
        case = case_detail(unit.conn, unit.cipher, screening_id)
        assert case.contact == "text: +16175551234"
        unit.conn.execute(update(m.screenings).values(contact_preference=None, contact_detail_enc=None))
        assert case_detail(unit.conn, unit.cipher, screening_id).contact is None
