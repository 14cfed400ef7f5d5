"""Accounts in the console: the second factor is set up only with an administrator's one-time
code; administrators disable, enable, reset and re-role accounts and end sessions, each
audited; sign-in failures from one address are throttled; forms are read only as plain
url-encoded forms."""
from __future__ import annotations

from datetime import timedelta

from screening.accounts import totp_code

from .conftest import PASSWORD, csrf_of

NEW_PASSWORD = "a brand new long password"


def audit_details(console, action: str) -> list[tuple[str, dict]]:
    from screening import audit
    with console.repository.transaction() as unit:
        return [(e.actor, e.details) for e in reversed(list(audit.recent(unit.conn, 1000))) if e.action == action]


def admin_post(console, client, path: str, **fields):
    token = csrf_of(client.get("/review/accounts").text)
    return client.post(path, data={"csrf": token, **fields})


def test_without_its_enrolment_code_a_new_account_sees_no_qr_and_no_code_signs_it_in(console):
    code = console.issue_account("sam", "screener")
    client = console.client()
    assert console.post_password(client, "sam").status_code == 303        # the password alone...
    page = client.get("/review/login/code")
    assert "Enrolment code" in page.text and "data:image/svg" not in page.text
    assert console.secret("sam") not in page.text                           # ...shows no QR and no key
    # Even someone who learned the TOTP secret cannot finish without the enrolment code.
    response = console.post_code(client, totp_code(console.secret("sam"), console.clock.now))
    assert response.status_code == 403 and "enrolment code from your administrator" in response.text
    assert client.get("/review/cases").status_code == 303
    response = console.post_enrolment(client, "AAAA-BBBB-CCCC-DDDD")
    assert response.status_code == 401 and "not right, was already used or has expired" in response.text
    assert ("sam", {"reason": "wrong enrolment code"}) in audit_details(console, "login.failed")
    assert console.post_enrolment(client, code).status_code == 303
    page = client.get("/review/login/code")
    assert 'src="data:image/svg+xml;base64,' in page.text and console.secret("sam") in page.text
    response = console.post_code(client, totp_code(console.secret("sam"), console.clock.now))
    assert response.status_code == 303 and client.get("/review/cases").status_code == 200
    assert audit_details(console, "enrolment.code_used") == [("sam", {})]
    assert ("sam", {"enrolled_second_factor": True}) in audit_details(console, "login")


def test_an_enrolment_code_works_once_and_expires(sqlite_console):
    console = sqlite_console
    code = console.issue_account("sam", "screener")
    first = console.client()
    console.post_password(first, "sam")
    assert console.post_enrolment(first, code).status_code == 303          # used here, not finished
    second = console.client()
    console.post_password(second, "sam")
    response = console.post_enrolment(second, code)
    assert response.status_code == 401 and "already used" in response.text
    assert "data:image/svg" not in second.get("/review/login/code").text

    late_code = console.issue_account("kim", "screener")
    console.clock.now += timedelta(hours=24)                                # ENROLMENT_CODE_HOURS
    client = console.client()
    console.post_password(client, "kim")
    response = console.post_enrolment(client, late_code)
    assert response.status_code == 401 and "expired" in response.text
    assert "data:image/svg" not in client.get("/review/login/code").text


def test_a_disabled_account_cannot_sign_in_and_its_live_session_stops_at_once(console):
    console.add_account("admin-one", "admin")
    console.add_account("sam", "screener")
    admin, sam = console.sign_in("admin-one"), console.sign_in("sam")
    assert sam.get("/review/cases").status_code == 200
    response = admin_post(console, admin, "/review/accounts/sam/disable")
    assert response.status_code == 200 and "Disabled sam; 1 session(s) ended." in response.text
    assert sam.get("/review/cases").status_code == 303                      # the open session is over
    again = console.client()
    response = console.post_password(again, "sam")
    assert response.status_code == 403 and "This account is disabled" in response.text
    assert again.get("/review/login/code").status_code == 303               # no half-way session either
    assert audit_details(console, "account.disable") == [("admin-one", {"account": "sam", "sessions_ended": 1})]
    assert ("sam", {"reason": "disabled"}) in audit_details(console, "login.refused")
    assert admin_post(console, admin, "/review/accounts/sam/enable").status_code == 200
    assert console.sign_in("sam").get("/review/cases").status_code == 200


def test_each_change_an_admin_makes_in_the_console_takes_effect_and_is_audited(sqlite_console):
    console = sqlite_console
    console.add_account("admin-one", "admin")
    console.add_account("sam", "screener")
    admin = console.sign_in("admin-one")
    listing = admin.get("/review/accounts")
    assert listing.status_code == 200 and "sam" in listing.text and "screener" in listing.text

    response = admin_post(console, admin, "/review/accounts/sam/set-role", role="supervisor")
    assert "sam is now a supervisor." in response.text
    sam = console.sign_in("sam")
    assert sam.get("/review/dashboard").status_code == 200                  # supervisors see the dashboard

    response = admin_post(console, admin, "/review/accounts/sam/end-sessions")
    assert "Ended 1 session(s) of sam." in response.text and sam.get("/review/cases").status_code == 303

    response = admin_post(console, admin, "/review/accounts/sam/reset-password", password="short")
    assert response.status_code == 400 and "at least 12 characters" in response.text
    response = admin_post(console, admin, "/review/accounts/sam/reset-password", password=NEW_PASSWORD)
    assert "Set a new password for sam" in response.text
    assert console.post_password(console.client(), "sam", PASSWORD).status_code == 401
    assert console.post_password(console.client(), "sam", NEW_PASSWORD).status_code == 303

    old_secret = console.secret("sam")
    response = admin_post(console, admin, "/review/accounts/sam/reset-2fa")
    code = response.text.split('class="enrolment-code">', 1)[1].split("<", 1)[0]
    assert len(code) == 19 and "It is not shown again" in response.text
    assert code not in admin.get("/review/accounts").text                  # shown once
    client = console.client()
    console.post_password(client, "sam", NEW_PASSWORD)
    assert console.post_code(client, totp_code(old_secret, console.clock.now)).status_code == 403
    assert console.post_enrolment(client, code).status_code == 303

    response = admin_post(console, admin, "/review/accounts", username="Lee", role="screener", password=NEW_PASSWORD)
    assert "Created the screener account lee." in response.text and 'class="enrolment-code"' in response.text

    changes = [(actor, action) for actor, action, _ in console.audit_actions() if action.startswith("account.")]
    assert changes == [("admin-one", "account.role"), ("admin-one", "account.sessions_end"),
                       ("admin-one", "account.password_reset"), ("admin-one", "account.second_factor_reset"),
                       ("admin-one", "account.add")]
    assert audit_details(console, "account.role") == [
        ("admin-one", {"account": "sam", "old_role": "screener", "new_role": "supervisor"})]
    assert NEW_PASSWORD not in str(console.audit_actions()) and code not in str(audit_details(console, "account.add"))


def test_only_administrators_manage_accounts_and_refusals_are_audited(sqlite_console):
    console = sqlite_console
    console.add_account("admin-one", "admin")
    console.add_account("sam", "supervisor")
    sam = console.sign_in("sam")
    assert sam.get("/review/accounts").status_code == 403
    token = csrf_of(sam.get("/review/cases").text)
    assert sam.post("/review/accounts/admin-one/disable", data={"csrf": token}).status_code == 403
    admin = console.sign_in("admin-one")
    assert admin.post("/review/accounts/sam/disable", data={"csrf": "forged"}).status_code == 403
    response = admin_post(console, admin, "/review/accounts/admin-one/disable")
    assert response.status_code == 400 and "cannot disable your own account" in response.text
    refusals = audit_details(console, "refused")
    assert ("sam", {"status": 403, "reason": "role", "method": "GET", "path": "/review/accounts"}) in refusals
    assert ("sam", {"status": 403, "reason": "role", "method": "POST",
                    "path": "/review/accounts/admin-one/disable"}) in refusals
    assert ("admin-one", {"status": 403, "reason": "csrf", "method": "POST",
                          "path": "/review/accounts/sam/disable"}) in refusals
    assert not any(action == "account.disable" for _, action, _ in console.audit_actions())


def test_failed_sign_ins_from_one_address_are_throttled_with_retry_after(sqlite_console):
    console = sqlite_console
    console.add_account("sam", "screener")
    client = console.client()
    for n in range(10):          # different names: no single account locks, the address does
        assert console.post_password(client, f"nobody-{n}", "a wrong password").status_code == 401
    response = console.post_password(client, "sam")                   # even the right password waits
    assert response.status_code == 429
    assert 0 < int(response.headers["retry-after"]) <= 15 * 60
    assert "Too many sign-in attempts failed from this network" in response.text
    assert "Please wait" in response.text
    console.clock.now += timedelta(minutes=15)
    assert console.sign_in("sam").get("/review/cases").status_code == 200


def test_a_multipart_sign_in_is_refused_unparsed_and_the_login_form_is_capped(sqlite_console):
    console = sqlite_console
    console.add_account("sam", "screener")
    client = console.client()
    token = csrf_of(client.get("/review/login").text)
    response = client.post("/review/login", data={"csrf": token, "username": "sam", "password": PASSWORD},
                           files={"upload": ("a.txt", b"x" * 1000, "text/plain")})
    assert response.status_code == 415 and "plain web form" in response.text
    assert "review_session" not in response.headers.get("set-cookie", "")
    response = client.post("/review/login", data={"csrf": token, "username": "sam", "password": "p" * 40_000})
    assert response.status_code == 413
    assert [d["reason"] for _, d in audit_details(console, "refused")] == ["body", "body"]
    assert console.post_password(client, "sam").status_code == 303          # the form itself still works


def test_the_address_throttle_is_shared_by_every_app_process_through_redis(sqlite_url, clock):
    import redis

    from ...conftest import REDIS_URL, service_missing
    from .conftest import running_console
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError as exc:
        service_missing("Redis at 127.0.0.1:6379", exc.__class__.__name__)
    for key in client.scan_iter("screening:limits:sign-in-address:*"):
        client.delete(key)
    with running_console(sqlite_url, clock, redis_url=REDIS_URL) as first, \
            running_console(sqlite_url, clock, redis_url=REDIS_URL) as second:
        first.add_account("sam", "screener")
        for n in range(10):
            console = (first, second)[n % 2]
            assert console.post_password(console.client(), f"nobody-{n}", "a wrong password").status_code == 401
        assert second.post_password(second.client(), "sam").status_code == 429
        assert first.post_password(first.client(), "sam").status_code == 429
    stored = [key.decode() for key in client.scan_iter("screening:limits:sign-in-address:*")]
    client.close()
    assert stored and all("127.0.0.1" not in key for key in stored)       # a keyed hash, not the address


def test_passwords_are_checked_off_the_event_loop_with_no_write_lock_held(sqlite_url, clock, monkeypatch):
    """While argon2 runs, the app still answers others and SQLite's write lock is free."""
    import asyncio
    import sqlite3

    from screening.accounts import password_matches
    from screening.app.review import auth
    from .conftest import running_console
    seen = []

    def watched(password_hash: str, password: str) -> bool:
        try:
            asyncio.get_running_loop()
            on_loop = True
        except RuntimeError:
            on_loop = False
        other = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), timeout=0)
        try:
            other.execute("BEGIN IMMEDIATE")       # fails at once if anyone holds the write lock
            other.rollback()
            lock_free = True
        except sqlite3.OperationalError:
            lock_free = False
        finally:
            other.close()
        seen.append((on_loop, lock_free))
        return password_matches(password_hash, password)

    monkeypatch.setattr(auth, "password_matches", watched)
    with running_console(sqlite_url, clock) as console:
        console.add_account("sam", "screener")
        client = console.client()
        assert console.post_password(client, "sam", "a wrong password").status_code == 401
        assert console.post_password(client, "nobody", "a wrong password").status_code == 401
        assert console.post_password(client, "sam").status_code == 303
    assert seen == [(False, True)] * 3
