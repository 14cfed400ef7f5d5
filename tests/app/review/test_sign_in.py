"""Signing in: password then TOTP (QR on first sign-in), lockout, idle timeout, CSRF, cookies."""
from __future__ import annotations

from datetime import timedelta

from screening.accounts import totp_code

from .conftest import PASSWORD, csrf_of


def test_first_sign_in_shows_a_qr_code_after_the_enrolment_code_then_the_code_signs_in(console):
    enrolment_code = console.issue_account("sam", "screener")
    client = console.client()
    response = console.post_password(client, "sam")
    assert response.status_code == 303
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict") and "Path=/review" in cookie
    assert console.post_enrolment(client, enrolment_code).status_code == 303
    page = client.get("/review/login/code")
    assert 'src="data:image/svg+xml;base64,' in page.text and console.secret("sam") in page.text
    assert client.get("/review/cases").status_code == 303          # not signed in before the code
    response = console.post_code(client, totp_code(console.secret("sam"), console.clock.now))
    assert response.status_code == 303
    assert client.get("/review/cases").status_code == 200
    assert ("sam", "login", None) in console.audit_actions()
    console.clock.now += timedelta(minutes=1)
    again = console.client()
    console.post_password(again, "sam")
    assert "data:image/svg" not in again.get("/review/login/code").text     # enrolled: no QR again


def test_a_wrong_password_and_a_wrong_code_are_refused_plainly(console):
    console.add_account("sam", "screener")
    client = console.client()
    response = console.post_password(client, "sam", "not the password")
    assert response.status_code == 401 and "do not match an account" in response.text
    assert console.post_password(client, "nobody").status_code == 401
    console.post_password(client, "sam")
    response = console.post_code(client, "000000")
    assert response.status_code == 401 and "not right" in response.text
    assert [a for _, a, _ in console.audit_actions()].count("login.failed") == 3


def test_five_failures_lock_the_account_for_fifteen_minutes(console):
    console.add_account("sam", "screener")
    client = console.client()
    for _ in range(4):
        assert console.post_password(client, "sam", "wrong password!").status_code == 401
    response = console.post_password(client, "sam", "wrong password!")
    assert response.status_code == 423 and "locked after 5 failed" in response.text
    response = console.post_password(client, "sam")                  # even the right password
    assert response.status_code == 423 and "Try again after" in response.text
    assert ("sam", "login.locked", None) in console.audit_actions()
    console.clock.now += timedelta(minutes=16)
    assert console.sign_in("sam").get("/review/cases").status_code == 200


def test_fifteen_idle_minutes_sign_a_person_out(console):
    console.add_account("sam", "screener")
    client = console.sign_in("sam")
    console.clock.now += timedelta(minutes=14)
    assert client.get("/review/cases").status_code == 200             # activity resets the timer
    console.clock.now += timedelta(minutes=15, seconds=1)
    response = client.get("/review/cases")
    assert response.status_code == 303 and response.headers["location"] == "/review/login?ended=idle"
    assert "15 minutes without activity" in client.get(response.headers["location"]).text
    assert client.get("/review/cases").status_code == 303             # the session is gone


def test_a_post_without_the_csrf_token_or_from_another_site_is_refused(console):
    console.add_account("sam", "screener")
    client = console.sign_in("sam")
    token = csrf_of(client.get("/review/cases").text)
    response = client.post("/review/logout", data={})
    assert response.status_code == 403 and "did not come from this site" in response.text
    response = client.post("/review/logout", data={"csrf": token}, headers={"origin": "https://evil.example"})
    assert response.status_code == 403
    assert client.get("/review/cases").status_code == 200             # still signed in: nothing happened
    response = client.post("/review/logout", data={"csrf": token})
    assert response.status_code == 303 and client.get("/review/cases").status_code == 303


def test_the_login_form_itself_needs_its_token(console):
    console.add_account("sam", "screener")
    client = console.client()
    response = client.post("/review/login", data={"username": "sam", "password": PASSWORD})
    assert response.status_code == 403 and "expired" in response.text
