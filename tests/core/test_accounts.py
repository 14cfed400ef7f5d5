"""Console accounts: roles, argon2id passwords, TOTP, lockout, sessions."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from screening.accounts import (
    LOCKOUT, PERMISSIONS, AccountError, AccountStore, hash_password, may, password_matches, totp_code,
    totp_step, totp_uri,
)
from screening.staff_sessions import ACTIVE, SECOND_FACTOR, SESSIONS, SessionStore, csrf_token

NOW = datetime(2026, 11, 24, 15, 0)
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def test_passwords_are_argon2id_hashes_that_only_the_right_password_matches():
    stored = hash_password("correct horse battery")
    assert stored.startswith("$argon2id$")
    assert password_matches(stored, "correct horse battery")
    assert not password_matches(stored, "correct horse battery!")
    assert not password_matches("not a hash", "anything")


def test_a_totp_code_works_within_one_step_of_drift_and_only_once():
    secret = SECRET
    code = totp_code(secret, NOW)
    step = totp_step(secret, code, NOW + timedelta(seconds=30))
    assert step is not None
    assert totp_step(secret, code, NOW + timedelta(seconds=30), last_step=step) is None   # replayed
    assert totp_step(secret, code, NOW + timedelta(minutes=3)) is None                  # too late
    assert totp_step(secret, "12345", NOW) is None and totp_step(secret, "", NOW) is None


def test_the_enrolment_uri_names_the_account_and_the_console():
    uri = totp_uri(SECRET, "sam")
    assert uri.startswith("otpauth://totp/") and "sam" in uri and "secret=" + SECRET + "" in uri


def test_roles_allow_only_their_own_actions():
    assert may("screener", "cases.view") and not may("screener", "cases.assign")
    assert not may("screener", "dashboard.view") and not may("screener", "audit.view")
    assert may("supervisor", "cases.assign") and may("supervisor", "dashboard.view")
    assert not may("supervisor", "audit.view")
    assert may("admin", "audit.view") and not may("admin", "cases.view")
    assert not may("nobody", "cases.list")
    assert set(PERMISSIONS) == {"screener", "supervisor", "admin"}


def test_five_failures_in_a_row_lock_for_fifteen_minutes():
    failures, locked_until = 0, None
    for _ in range(4):
        failures, locked_until = LOCKOUT.after_failure(failures, NOW)
        assert locked_until is None
    failures, locked_until = LOCKOUT.after_failure(failures, NOW)
    assert locked_until == NOW + timedelta(minutes=15)
    assert LOCKOUT.locked(locked_until, NOW + timedelta(minutes=14))
    assert not LOCKOUT.locked(locked_until, NOW + timedelta(minutes=15))


def test_accounts_are_stored_with_an_encrypted_totp_secret(repository):
    with repository.transaction() as unit:
        account = AccountStore(unit.conn, unit.cipher).add("Sam", "screener", "a long password here", NOW)
        raw = unit.conn.exec_driver_sql("SELECT password_hash, totp_secret_enc FROM console_accounts").one()
    assert account.username == "sam" and account.role == "screener" and not account.totp_confirmed
    assert account.totp_secret.encode() not in bytes(raw[1])
    assert "a long password" not in raw[0]


@pytest.mark.parametrize("username, role, password, reason", [
    ("sam", "boss", "a long password here", "role must be one of"),
    ("s", "screener", "a long password here", "username"),
    ("sam", "screener", "short", "at least 12"),
])
def test_bad_account_requests_are_refused_with_a_reason(sqlite_url, username, role, password, reason):
    from tests.conftest import make_repository
    repository = make_repository(sqlite_url)
    with repository.transaction() as unit, pytest.raises(AccountError, match=reason):
        AccountStore(unit.conn, unit.cipher).add(username, role, password, NOW)


def test_a_second_account_with_the_same_name_is_refused(repository):
    with repository.transaction() as unit:
        store = AccountStore(unit.conn, unit.cipher)
        store.add("sam", "screener", "a long password here", NOW)
        with pytest.raises(AccountError, match="already exists"):
            store.add("SAM", "admin", "another long password", NOW)


def test_sessions_end_after_fifteen_idle_minutes_or_eight_hours(repository):
    with repository.transaction() as unit:
        account = AccountStore(unit.conn, unit.cipher).add("sam", "screener", "a long password here", NOW)
        sessions = SessionStore(unit.conn, unit.secret_key)
        token = sessions.start(account.id, SECOND_FACTOR, NOW)
        active = sessions.promote(token, NOW)
        assert sessions.find(token) is None                      # the pre-login token is gone
        session = sessions.find(active)
        stored = unit.conn.exec_driver_sql("SELECT token_hash FROM console_sessions").scalar()
    assert session.stage == ACTIVE and stored != active
    assert SESSIONS.ended(NOW, NOW, NOW + timedelta(minutes=15)) is None
    assert SESSIONS.ended(NOW, NOW, NOW + timedelta(minutes=15, seconds=1)) == "idle"
    assert SESSIONS.ended(NOW, NOW + timedelta(hours=8), NOW + timedelta(hours=8, minutes=1)) == "lifetime"
    assert csrf_token("k", active) != csrf_token("k", token)
