"""`screening users ...` account administration and `screening audit verify` with AUDIT_KEY,
as an operator runs them: what each command changes, what it prints, and its audit entry."""
from __future__ import annotations

import io
import json
import re
from datetime import datetime, timedelta

import pytest

from screening import audit, cli
from screening.accounts import AccountStore, password_matches, totp_code
from screening.staff_sessions import ACTIVE, SessionStore
from tests.conftest import AUDIT_KEY, ENCRYPTION_KEY, SECRET_KEY, make_repository

PASSWORD = "a long password here"


@pytest.fixture
def environment(sqlite_url, monkeypatch):
    for name, value in (("DATABASE_URL", sqlite_url), ("ENCRYPTION_KEY", ENCRYPTION_KEY),
                        ("SECRET_KEY", SECRET_KEY), ("AUDIT_KEY", AUDIT_KEY)):
        monkeypatch.setenv(name, value)
    repository = make_repository(sqlite_url)
    yield repository
    repository.engine.dispose()


def run(monkeypatch, *argv: str, stdin: str = "") -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return cli.main(list(argv))


def add(monkeypatch, username: str, role: str = "screener") -> None:
    assert run(monkeypatch, "users", "add", "--role", role, "--username", username, "--password-stdin",
               stdin=PASSWORD + "\n") == 0


def account(repository, username: str):
    with repository.transaction() as unit:
        return AccountStore(unit.conn, unit.cipher).by_username(username)


def audit_log(repository) -> list[tuple[str, str, dict]]:
    with repository.transaction() as unit:
        return [(e.actor, e.action, e.details) for e in reversed(list(audit.recent(unit.conn, 1000)))]


def live_sessions(repository, username: str) -> int:
    with repository.transaction() as unit:
        return unit.conn.exec_driver_sql(
            "SELECT COUNT(*) FROM console_sessions s JOIN console_accounts a ON a.id = s.account_id "
            f"WHERE a.username = '{username}'").scalar()


def start_session(repository, username: str) -> str:
    account_id = account(repository, username).id
    with repository.transaction() as unit:
        return SessionStore(unit.conn, SECRET_KEY).start(account_id, ACTIVE, datetime(2026, 12, 1, 9, 0))


def test_each_users_command_changes_the_account_and_is_audited(environment, monkeypatch, capsys):
    add(monkeypatch, "admin-one", "admin")
    add(monkeypatch, "sam")
    start_session(environment, "sam")
    start_session(environment, "sam")

    assert run(monkeypatch, "users", "disable", "sam") == 0
    assert "disabled 'sam'; 2 session(s) ended" in capsys.readouterr().out
    assert account(environment, "sam").disabled and live_sessions(environment, "sam") == 0

    assert run(monkeypatch, "users", "enable", "sam") == 0
    assert not account(environment, "sam").disabled

    assert run(monkeypatch, "users", "reset-password", "sam", "--password-stdin",
               stdin="another long password\n") == 0
    assert password_matches(account(environment, "sam").password_hash, "another long password")
    assert not password_matches(account(environment, "sam").password_hash, PASSWORD)

    old_secret = account(environment, "sam").totp_secret
    capsys.readouterr()
    assert run(monkeypatch, "users", "reset-2fa", "sam") == 0
    out = capsys.readouterr().out
    assert re.search(r"One-time enrolment code for 'sam': [A-Z0-9]{4}(-[A-Z0-9]{4}){3}", out)
    reset = account(environment, "sam")
    assert reset.totp_secret != old_secret and not reset.totp_confirmed

    assert run(monkeypatch, "users", "set-role", "sam", "supervisor") == 0
    assert account(environment, "sam").role == "supervisor"

    start_session(environment, "sam")
    assert run(monkeypatch, "users", "end-sessions", "sam") == 0
    assert live_sessions(environment, "sam") == 0

    capsys.readouterr()
    assert run(monkeypatch, "users", "list") == 0
    listing = capsys.readouterr().out
    assert re.search(r"admin-one\s+admin\s+awaiting enrolment\s+never", listing)
    assert re.search(r"sam\s+supervisor\s+awaiting enrolment", listing)

    changes = [(action, details) for actor, action, details in audit_log(environment) if actor.startswith("cli")]
    assert [action for action, _ in changes] == [
        "account.add", "account.add", "account.disable", "account.enable", "account.password_reset",
        "account.second_factor_reset", "account.role", "account.sessions_end"]
    assert changes[2][1] == {"account": "sam", "sessions_ended": 2}
    assert changes[6][1] == {"account": "sam", "old_role": "screener", "new_role": "supervisor"}
    # Nothing secret goes into the audit log.
    logged = json.dumps(audit_log(environment))
    assert PASSWORD not in logged and "another long password" not in logged and old_secret not in logged
    with environment.transaction() as unit:
        assert audit.verify(unit.conn, AUDIT_KEY).intact


def test_errors_say_what_to_do_and_change_nothing(environment, monkeypatch, capsys):
    add(monkeypatch, "admin-one", "admin")
    capsys.readouterr()
    assert run(monkeypatch, "users", "disable", "nobody") == 1
    assert "no account named 'nobody'; `screening users list` shows every account" in capsys.readouterr().err
    assert run(monkeypatch, "users", "disable", "admin-one") == 1
    err = capsys.readouterr().err
    assert "only active administrator" in err and "screening users add --role admin" in err
    assert not account(environment, "admin-one").disabled
    assert run(monkeypatch, "users", "set-role", "admin-one", "screener") == 1
    assert account(environment, "admin-one").role == "admin"
    assert run(monkeypatch, "users", "enable", "admin-one") == 1
    assert "is not disabled; nothing to do" in capsys.readouterr().err
    assert run(monkeypatch, "users", "reset-password", "admin-one", "--password-stdin", stdin="short\n") == 1
    assert "at least 12 characters; nothing was changed" in capsys.readouterr().err
    assert [a for _, a, _ in audit_log(environment)] == ["account.add"]


def test_bulk_export_is_audited_before_anything_is_written(environment, monkeypatch, capsys, tmp_path):
    assert run(monkeypatch, "export", "--format", "fhir", "--output", str(tmp_path / "out.jsonl")) == 0
    [(actor, action, details)] = audit_log(environment)
    assert actor.startswith("cli") and action == "export"
    assert details == {"format": "fhir", "include_text": False, "to": "file"}


def test_audit_verify_uses_audit_key_and_fails_with_the_wrong_one_or_none(environment, monkeypatch, capsys):
    add(monkeypatch, "admin-one", "admin")
    capsys.readouterr()
    assert run(monkeypatch, "audit", "verify") == 0
    assert capsys.readouterr().out.strip() == "audit chain intact: 1 events"
    monkeypatch.setenv("AUDIT_KEY", "a different audit key")
    assert run(monkeypatch, "audit", "verify") == 1
    assert "BROKEN at event 1: event 1 was signed with an audit key not in AUDIT_KEY" in capsys.readouterr().err
    monkeypatch.setenv("AUDIT_KEY", SECRET_KEY)          # the app's SECRET_KEY does not sign the chain
    assert run(monkeypatch, "audit", "verify") == 1
    monkeypatch.setenv("AUDIT_KEY", f"a newer audit key,{AUDIT_KEY}")   # rotated: the old key still verifies
    assert run(monkeypatch, "audit", "verify") == 0
    monkeypatch.setenv("AUDIT_KEY", "")
    assert run(monkeypatch, "audit", "verify") == 2
    assert "AUDIT_KEY is not set" in capsys.readouterr().err
    assert run(monkeypatch, "users", "add", "--role", "screener", "--username", "kim", "--password-stdin",
               stdin=PASSWORD + "\n") == 2
    assert account(environment, "kim") is None          # no unaudited change


def test_an_enrolment_code_is_good_once_and_until_it_expires(environment, clock):
    from screening.account_admin import AccountAdmin
    from screening.accounts import hash_password

    with environment.transaction() as unit:
        code = AccountAdmin(unit, environment.audit_keys, "cli", clock.now).add(
            "sam", "screener", hash_password(PASSWORD)).code
    sam = account(environment, "sam")
    assert sam.enrolment_code_matches(code.lower().replace("-", " "), clock.now)   # as a person may type it
    assert not sam.enrolment_code_matches("AAAA-AAAA-AAAA-AAAA", clock.now)
    assert not sam.enrolment_code_matches(code, clock.now + timedelta(hours=24))
    assert sam.enrolment_code_matches(code, clock.now + timedelta(hours=23, minutes=59))
    with environment.transaction() as unit:
        secret = AccountStore(unit.conn, unit.cipher).use_enrolment(sam)
    used = account(environment, "sam")
    assert not used.enrolment_code_matches(code, clock.now) and used.totp_secret == secret != sam.totp_secret
    assert totp_code(secret, clock.now)
