"""`screening users add`, `screening audit verify`, `screening purge` as an operator runs them."""
from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import delete, update

from screening import audit, cli
from screening.accounts import AccountStore, enrolment_code_hash
from screening.records.console_tables import audit_events
from tests.conftest import AUDIT_KEY, ENCRYPTION_KEY, SECRET_KEY, audit_guard_lifted, make_repository

from .console_people import screen


@pytest.fixture
def environment(sqlite_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setenv("ENCRYPTION_KEY", ENCRYPTION_KEY)
    monkeypatch.setenv("SECRET_KEY", SECRET_KEY)
    monkeypatch.setenv("AUDIT_KEY", AUDIT_KEY)
    repository = make_repository(sqlite_url)
    yield repository
    repository.engine.dispose()


def test_users_add_creates_an_account_and_prints_a_one_time_enrolment_code(environment, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("a long password here\n"))
    assert cli.main(["users", "add", "--role", "supervisor", "--username", "Lee", "--password-stdin"]) == 0
    out = capsys.readouterr().out
    with environment.transaction() as unit:
        account = AccountStore(unit.conn, unit.cipher).by_username("lee")
    code = re.search(r"enrolment code for 'lee': ([A-Z0-9-]{19})", out).group(1)
    assert account.role == "supervisor" and not account.totp_confirmed
    # The authenticator's secret is not printed: only the person with the code sees a QR code.
    assert account.totp_secret not in out and "otpauth://" not in out
    assert account.enrolment_code_hash == enrolment_code_hash(code) and code not in account.enrolment_code_hash
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert cli.main(["users", "add", "--role", "screener", "--username", "kim", "--password-stdin"]) == 1
    assert "at least 12 characters" in capsys.readouterr().err


def test_audit_verify_passes_then_fails_after_an_edit_or_a_deletion(environment, capsys):
    with environment.transaction() as unit:
        for n in range(3):
            audit.append(unit.conn, AUDIT_KEY, actor="sam", action="case.view", now=unit_now(n))
    assert cli.main(["audit", "verify"]) == 0
    assert capsys.readouterr().out.strip() == "audit chain intact: 3 events"
    with environment.transaction() as unit, audit_guard_lifted(unit.conn) as conn:
        conn.execute(update(audit_events).where(audit_events.c.seq == 2).values(action="case.list"))
    assert cli.main(["audit", "verify"]) == 1
    assert "BROKEN at event 2" in capsys.readouterr().err
    with environment.transaction() as unit, audit_guard_lifted(unit.conn) as conn:
        conn.execute(delete(audit_events).where(audit_events.c.seq >= 2))
    assert cli.main(["audit", "verify"]) == 1
    assert "should hold 3 events but holds 1" in capsys.readouterr().err


def unit_now(n: int):
    from datetime import datetime, timedelta
    return datetime(2026, 11, 24, 15, 0) + timedelta(seconds=n)


def test_purge_prints_what_it_deleted_and_the_counts_kept(environment, capsys):
    from tests.conftest import Clock
    from screening.dialogue.engine import ScreeningEngine
    from datetime import datetime
    screen(ScreeningEngine(environment, clock=Clock(datetime(2020, 1, 6))), "old", needs="food")   # long ago
    assert cli.main(["purge", "--older-than", "1"]) == 0
    out = capsys.readouterr().out
    assert "screenings deleted: 1" in out and "funnel completed: 1" in out and "need food: 1" in out
    assert cli.main(["purge", "--older-than", "0"]) == 2
