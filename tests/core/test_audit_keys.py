"""The audit chain's own key (AUDIT_KEY): events name the key that signed them; a chain
written with SECRET_KEY before migration 0011 still verifies after it; the wrong key, a
missing key or an event dressed up as an old one is found."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import text, update

from screening import audit
from screening.crypto import KeySettingError
from screening.records import migrate
from screening.records.console_tables import audit_events
from screening.records.db import make_engine
from tests.conftest import AUDIT_KEY, SECRET_KEY, audit_guard_lifted, scratch_postgres_database

NOW = datetime(2026, 11, 24, 15, 0)
KEYS = audit.AuditKeys.from_settings(AUDIT_KEY, SECRET_KEY)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def new_database_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'new.db'}"
        return
    with scratch_postgres_database("screening_0011") as url:
        yield url


def write_legacy_events(conn, count: int) -> None:
    """Events as the code before 0011 wrote them: HMAC with SECRET_KEY, no key id."""
    prev = audit.GENESIS
    for seq in range(1, count + 1):
        at = NOW + timedelta(seconds=seq)
        event_hash = audit.chain_hash(SECRET_KEY, prev, audit.canonical(seq, at, "sam", "case.view", None, "{}"))
        conn.execute(text("INSERT INTO audit_events (seq, at, actor, action, screening_id, details, prev_hash, hash) "
                          "VALUES (:seq, :at, 'sam', 'case.view', NULL, '{}', :prev, :hash)"),
                     {"seq": seq, "at": at, "prev": prev, "hash": event_hash})
        prev = event_hash
    conn.execute(text("INSERT INTO audit_head (id, count, last_hash) VALUES (1, :count, :hash)"),
                 {"count": count, "hash": prev})


def test_a_chain_from_before_audit_key_still_verifies_after_the_migration(new_database_url):
    migrate.upgrade(new_database_url, "0009")
    engine = make_engine(new_database_url)
    try:
        with engine.begin() as conn:
            write_legacy_events(conn, 3)
        migrate.upgrade(new_database_url)
        with engine.begin() as conn:
            assert audit.verify(conn, KEYS) == audit.ChainReport(True, 3)
            audit.append(conn, KEYS, actor="admin-one", action="account.add", now=NOW + timedelta(minutes=1))
            audit.append(conn, KEYS, actor="admin-one", action="account.role", now=NOW + timedelta(minutes=2))
        with engine.begin() as conn:
            assert audit.verify(conn, KEYS) == audit.ChainReport(True, 5)
            key_ids = conn.execute(text("SELECT key_id FROM audit_events ORDER BY seq")).scalars().all()
            assert key_ids == [None, None, None, KEYS.signing_id, KEYS.signing_id]
            assert AUDIT_KEY not in KEYS.signing_id
            # Without SECRET_KEY the old events cannot be checked; with the wrong AUDIT_KEY the new ones fail.
            report = audit.verify(conn, audit.AuditKeys((AUDIT_KEY,)))
            assert not report.intact and report.broken_at == 1 and "SECRET_KEY" in report.reason
            report = audit.verify(conn, audit.AuditKeys.from_settings("not the audit key", SECRET_KEY))
            assert not report.intact and report.broken_at == 4 and "not in AUDIT_KEY" in report.reason
    finally:
        engine.dispose()


def test_a_new_event_cannot_pass_as_one_signed_with_secret_key(repository):
    """Someone who knows SECRET_KEY (every process has it) forges an event without a key id."""
    with repository.transaction() as unit:
        for n in range(2):
            audit.append(unit.conn, KEYS, actor="sam", action="case.view", now=NOW + timedelta(seconds=n))
    with repository.transaction() as unit, audit_guard_lifted(unit.conn) as conn:
        prev = conn.execute(text("SELECT prev_hash FROM audit_events WHERE seq = 2")).scalar()
        forged = audit.chain_hash(SECRET_KEY, prev, audit.canonical(2, NOW + timedelta(seconds=1), "sam",
                                                                     "case.list", None, "{}"))
        conn.execute(update(audit_events).where(audit_events.c.seq == 2)
                     .values(action="case.list", details="{}", key_id=None, hash=forged))
        conn.execute(text("UPDATE audit_head SET last_hash = :h"), {"h": forged})
    with repository.transaction() as unit:
        report = audit.verify(unit.conn, KEYS)
    assert not report.intact and report.broken_at == 2 and report.reason == "event 2 has no audit key id"


def test_changing_the_key_id_of_an_event_breaks_the_chain(repository):
    rotated = audit.AuditKeys.from_settings(f"a newer key,{AUDIT_KEY}", SECRET_KEY)
    with repository.transaction() as unit:
        audit.append(unit.conn, KEYS, actor="sam", action="case.view", now=NOW)
        audit.append(unit.conn, rotated, actor="sam", action="case.view", now=NOW + timedelta(seconds=1))
    with repository.transaction() as unit:
        assert audit.verify(unit.conn, rotated) == audit.ChainReport(True, 2)
        assert not audit.verify(unit.conn, KEYS).intact            # the newer key is needed for event 2
    with repository.transaction() as unit, audit_guard_lifted(unit.conn) as conn:
        conn.execute(update(audit_events).where(audit_events.c.seq == 2).values(key_id=KEYS.signing_id))
    with repository.transaction() as unit:
        report = audit.verify(unit.conn, rotated)
    assert not report.intact and report.broken_at == 2 and report.reason == "event 2 was changed"


def test_no_audit_key_no_audit_log():
    with pytest.raises(KeySettingError, match="AUDIT_KEY is not set"):
        audit.AuditKeys.from_settings("", SECRET_KEY)
