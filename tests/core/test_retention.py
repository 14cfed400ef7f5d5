"""Purge: old screenings go, their numbers and completion proofs stay."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from screening import audit
from screening.accounts import AccountStore
from screening.casework import add_note
from screening.completion_check import check_code
from screening.records.models import answers
from screening.program_figures import program_figures
from screening.retention import purge
from tests.conftest import SECRET_KEY

from .console_people import XSS_WORDS, screen

CONTENT_TABLES = ("answers", "need_statements", "messages", "turns", "domain_results", "needs", "flags",
                  "referrals", "case_notes", "screenings")


def rows(repository, table: str) -> int:
    with repository.transaction() as unit:
        return unit.conn.exec_driver_sql(f"SELECT count(*) FROM {table} WHERE "
                                         + ("screening_id IS NOT NULL" if table == "turns" else "1=1")).scalar()


def test_purge_deletes_old_screenings_and_keeps_counts_and_proofs(engine, repository, clock):
    screen(engine, "old", needs=XSS_WORDS)
    with repository.transaction() as unit:
        code = unit.conn.exec_driver_sql("SELECT completion_code FROM screenings").scalar()
        sid = unit.conn.exec_driver_sql("SELECT id FROM screenings").scalar()
        author = AccountStore(unit.conn, unit.cipher).add("sam", "screener", "a long password here", clock.now)
        add_note(unit.conn, unit.cipher, sid, author.id, "a note", clock.now)
    clock.now += timedelta(days=200)
    screen(engine, "recent", needs="food", complete=False)
    before = {table: rows(repository, table) for table in CONTENT_TABLES}
    with repository.transaction() as unit:
        figures_before = program_figures(unit.conn)

    report = purge(repository, older_than_days=180, now=clock.now)

    assert report.screenings == 1
    assert report.counts_kept[("funnel", "completed")] == 1 and report.counts_kept[("need", "housing")] == 1
    after = {table: rows(repository, table) for table in CONTENT_TABLES}
    assert after["screenings"] == 1 and after["case_notes"] == 0 and after["need_statements"] == before["need_statements"] - 1
    assert all(after[t] < before[t] for t in ("answers", "messages", "screenings", "needs"))
    with repository.transaction() as unit:
        figures_after = program_figures(unit.conn)
        leftover = unit.conn.execute(select(func.count()).select_from(answers)
                                     .where(answers.c.screening_id == sid)).scalar()
        proof = check_code(unit.conn, code, clock.now)
        chain = audit.verify(unit.conn, SECRET_KEY)
        [event] = audit.recent(unit.conn, limit=1)
    assert leftover == 0
    assert figures_after.funnel == figures_before.funnel          # history kept as counts
    assert dict(figures_after.needs) == dict(figures_before.needs)
    assert dict(figures_after.languages) == dict(figures_before.languages)
    assert proof.valid and str(proof.citation_date) == "2026-11-03"
    assert chain.intact and event.action == "purge" and event.details["screenings"] == 1
    assert "screenings deleted: 1" in report.summary_lines()


def test_purge_with_nothing_old_changes_nothing(engine, repository, clock):
    screen(engine, "recent")
    report = purge(repository, older_than_days=30, now=clock.now)
    assert report.screenings == 0 and rows(repository, "screenings") == 1


def test_purge_refuses_less_than_a_day(repository, clock):
    with pytest.raises(ValueError, match="at least 1 day"):
        purge(repository, older_than_days=0, now=clock.now)
