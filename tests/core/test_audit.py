"""The audit log's hash chain: any edit or deletion is found."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import delete, update
from sqlalchemy.exc import DatabaseError

from screening import audit
from screening.records.console_tables import audit_events, audit_head
from tests.conftest import SECRET_KEY, audit_guard_lifted

NOW = datetime(2026, 11, 24, 15, 0, 0, 123456)


def five_events(repository) -> None:
    with repository.transaction() as unit:
        for n in range(5):
            audit.append(unit.conn, SECRET_KEY, actor="sam", action="case.view", now=NOW + timedelta(seconds=n),
                         screening_id=f"case-{n}", details={"n": n, "words": "ünïcode"})


def check(repository):
    with repository.transaction() as unit:
        return audit.verify(unit.conn, SECRET_KEY)


def tamper(repository, statement) -> None:
    """Someone with the database owner's rights: lift the append-only guard, then edit."""
    with repository.transaction() as unit, audit_guard_lifted(unit.conn) as conn:
        conn.execute(statement)


def test_an_untouched_chain_is_intact(repository):
    assert check(repository) == audit.ChainReport(True, 0)
    five_events(repository)
    report = check(repository)
    assert report.intact and report.count == 5
    with repository.transaction() as unit:
        newest = list(audit.recent(unit.conn, limit=2))
    assert [e.seq for e in newest] == [5, 4] and newest[0].details == {"n": 4, "words": "ünïcode"}


def test_editing_an_event_breaks_the_chain_there(repository):
    five_events(repository)
    tamper(repository, update(audit_events).where(audit_events.c.seq == 3).values(actor="someone else"))
    report = check(repository)
    assert not report.intact and report.broken_at == 3 and "changed" in report.reason


def test_rehashing_an_edit_without_the_key_still_breaks_the_chain(repository):
    five_events(repository)
    forged = audit.chain_hash("a guessed key", "0" * 64, "{}")
    tamper(repository, update(audit_events).where(audit_events.c.seq == 2).values(hash=forged))
    assert check(repository).broken_at == 2


def test_deleting_an_event_in_the_middle_is_found(repository):
    five_events(repository)
    tamper(repository, delete(audit_events).where(audit_events.c.seq == 2))
    report = check(repository)
    assert not report.intact and report.broken_at == 2 and "missing" in report.reason


def test_deleting_the_newest_events_is_found_by_the_head(repository):
    five_events(repository)
    tamper(repository, delete(audit_events).where(audit_events.c.seq >= 4))
    report = check(repository)
    assert not report.intact and "should hold 5 events but holds 3" in report.reason


def test_deleting_the_head_while_events_remain_is_found(repository):
    five_events(repository)
    tamper(repository, delete(audit_head))
    assert not check(repository).intact


def test_appends_continue_the_chain_after_a_restart(repository):
    five_events(repository)
    with repository.transaction() as unit:
        assert audit.append(unit.conn, SECRET_KEY, actor="cli", action="purge", now=NOW) == 6
    assert check(repository).count == 6


@pytest.mark.parametrize("statement", [
    update(audit_events).where(audit_events.c.seq == 2).values(actor="someone else"),
    delete(audit_events).where(audit_events.c.seq == 5),
    delete(audit_head),
], ids=["edit an event", "delete the newest event", "delete the head"])
def test_the_database_refuses_to_change_or_delete_audit_events(repository, statement):
    five_events(repository)
    with pytest.raises(DatabaseError, match="append-only"):
        with repository.transaction() as unit:
            unit.conn.execute(statement)
    assert check(repository) == audit.ChainReport(True, 5)
