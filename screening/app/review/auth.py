"""Signing in: username and password, then a TOTP code (with the QR code to enrol an
authenticator on first sign-in), lockout after repeated failures, and sign-out."""
from __future__ import annotations

import base64
import secrets

import segno
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from ...accounts import LOCKOUT, AccountStore, hash_password, password_matches, totp_step, totp_uri
from ...staff_sessions import SECOND_FACTOR, SessionStore, csrf_token
from .web import Console, guarded, refusal, render

ENDED_MESSAGES = {
    "idle": "You were signed out after 15 minutes without activity. Please sign in again.",
    "lifetime": "You were signed out because your session reached 8 hours. Please sign in again.",
    "out": "You are signed out.",
}
WRONG_PASSWORD = "That username and password do not match an account."
WRONG_CODE = "That code is not right or was already used. Enter the newest code from your authenticator app."
# Checked when a username is unknown, so the answer takes as long as for a real account.
_DUMMY_HASH = hash_password(secrets.token_urlsafe(16))


def qr_data_uri(uri: str) -> str:
    svg = segno.make(uri, error="m").svg_inline(scale=5, dark="#000", light="#fff")
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def locked_message(locked_until) -> str:
    return (f"This account is locked after {LOCKOUT.max_failures} failed sign-in attempts. "
            f"Try again after {locked_until:%H:%M} UTC, or ask an administrator.")


class SignIn:
    def __init__(self, console: Console):
        self.console = console

    def routes(self) -> list[Route]:
        c = self.console
        return [Route("/review/login", self.login_page, methods=["GET"]),
                Route("/review/login", self.login, methods=["POST"]),
                Route("/review/login/code", self.code_page, methods=["GET"]),
                Route("/review/login/code", self.code, methods=["POST"]),
                Route("/review/logout", guarded(c, None, self.logout), methods=["POST"])]

    # step 1: password ------------------------------------------------------------
    def _login_form(self, request: Request, status: int = 200, error: str = "", notice: str = "") -> Response:
        cookie = request.cookies.get(self.console.login_cookie) or secrets.token_urlsafe(24)
        response = render("login.html", status, csrf=self.console.login_form_token(cookie), error=error,
                          notice=notice, staff=None)
        return self.console.set_cookie(response, self.console.login_cookie, cookie)

    async def login_page(self, request: Request) -> Response:
        return self._login_form(request, notice=ENDED_MESSAGES.get(request.query_params.get("ended", ""), ""))

    async def login(self, request: Request) -> Response:
        c = self.console
        form = await request.form()
        cookie = request.cookies.get(c.login_cookie) or ""
        if not cookie or not c.same_origin(request) or not c.token_matches(form, c.login_form_token(cookie)):
            return refusal(403, "This sign-in form has expired or did not come from this site. "
                                "Reload the page and try again.")
        username, password = str(form.get("username") or "")[:64], str(form.get("password") or "")[:1024]
        now = c.now()
        with c.transaction() as unit:
            accounts = AccountStore(unit.conn, unit.cipher)
            account = accounts.by_username(username)
            if account is None:
                password_matches(_DUMMY_HASH, password)
                c.audit(unit, username or "(blank)", "login.failed", reason="unknown account")
                return self._login_form(request, 401, WRONG_PASSWORD)
            if LOCKOUT.locked(account.locked_until, now):
                c.audit(unit, account.username, "login.refused", reason="locked")
                return self._login_form(request, 423, locked_message(account.locked_until))
            if not password_matches(account.password_hash, password):
                return self._failure(unit, accounts, account, request, WRONG_PASSWORD, "password")
            token = SessionStore(unit.conn, c.secret_key).start(account.id, SECOND_FACTOR, now)
        return c.set_cookie(RedirectResponse("/review/login/code", status_code=303), c.session_cookie, token)

    def _failure(self, unit, accounts, account, request, message: str, factor: str, page=None) -> Response:
        c = self.console
        locked = accounts.record_failure(account, c.now())
        c.audit(unit, account.username, "login.failed", reason=f"wrong {factor}")
        if locked:
            c.audit(unit, account.username, "login.locked", minutes=int(LOCKOUT.lock_for.total_seconds() // 60))
            refreshed = accounts.by_id(account.id)
            response = self._login_form(request, 423, locked_message(refreshed.locked_until))
            SessionStore(unit.conn, c.secret_key).end(request.cookies.get(c.session_cookie))
            return c.clear_cookie(response, c.session_cookie)
        return page(401, message) if page else self._login_form(request, 401, message)

    # step 2: the code (and enrolment on first sign-in) -----------------------------
    def _pending(self, unit, request: Request):
        token = request.cookies.get(self.console.session_cookie)
        session = SessionStore(unit.conn, self.console.secret_key).find(token)
        if session is None or session.stage != SECOND_FACTOR:
            return None, None
        return token, AccountStore(unit.conn, unit.cipher).by_id(session.account_id)

    def _code_page(self, token: str, account, status: int = 200, error: str = "") -> Response:
        enrol = None
        if not account.totp_confirmed:
            uri = totp_uri(account.totp_secret, account.username)
            enrol = {"qr": qr_data_uri(uri), "secret": account.totp_secret}
        return render("code.html", status, csrf=csrf_token(self.console.secret_key, token), enrol=enrol,
                      error=error, staff=None)

    async def code_page(self, request: Request) -> Response:
        with self.console.transaction() as unit:
            token, account = self._pending(unit, request)
            if account is None:
                return RedirectResponse("/review/login", status_code=303)
            return self._code_page(token, account)

    async def code(self, request: Request) -> Response:
        c = self.console
        form = await request.form()
        now = c.now()
        with c.transaction() as unit:
            token, account = self._pending(unit, request)
            if account is None:
                return RedirectResponse("/review/login", status_code=303)
            if not c.same_origin(request) or not c.token_matches(form, csrf_token(c.secret_key, token)):
                return refusal(403, "This form has expired or did not come from this site. Sign in again.")
            accounts = AccountStore(unit.conn, unit.cipher)
            if LOCKOUT.locked(account.locked_until, now):
                c.audit(unit, account.username, "login.refused", reason="locked")
                return c.clear_cookie(self._login_form(request, 423, locked_message(account.locked_until)),
                                      c.session_cookie)
            step = totp_step(account.totp_secret, str(form.get("code") or ""), now, account.totp_last_step)
            if step is None:
                return self._failure(unit, accounts, account, request, WRONG_CODE, "code",
                                     page=lambda status, message: self._code_page(token, account, status, message))
            first = not account.totp_confirmed
            accounts.record_login(account, step, now)
            active = SessionStore(unit.conn, c.secret_key).promote(token, now)
            c.audit(unit, account.username, "login", enrolled_second_factor=first)
        return c.set_cookie(RedirectResponse("/review", status_code=303), c.session_cookie, active)

    async def logout(self, request: Request, staff, form) -> Response:
        c = self.console
        with c.transaction() as unit:
            SessionStore(unit.conn, c.secret_key).end(request.cookies.get(c.session_cookie))
            c.audit(unit, staff, "logout")
        return c.to_login("out")
