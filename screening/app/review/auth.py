"""Signing in: username and password, then a TOTP code; lockout after repeated failures
of one account, a throttle on failures from one address, and sign-out.

The second factor is set up only with the one-time enrolment code an administrator
issued (`screening users add`, `reset-2fa`, or the Accounts page): after the password,
an account without a confirmed authenticator is asked for that code, and only then sees
the QR code. Password checks (argon2) run in a worker thread with no transaction open.
"""
from __future__ import annotations

import base64
import secrets

import segno
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from ...accounts import LOCKOUT, AccountStore, hash_password, password_matches, totp_step, totp_uri
from ...staff_sessions import ENROLLING, SECOND_FACTOR, SessionStore, csrf_token
from .sign_in_throttle import SignInThrottle, client_address
from .web import FORM_FROM_ELSEWHERE, Console, guarded, render

ENDED_MESSAGES = {
    "idle": "You were signed out after 15 minutes without activity. Please sign in again.",
    "lifetime": "You were signed out because your session reached 8 hours. Please sign in again.",
    "out": "You are signed out.",
    "disabled": "This account was disabled by an administrator.",
}
WRONG_PASSWORD = "That username and password do not match an account."
WRONG_CODE = "That code is not right or was already used. Enter the newest code from your authenticator app."
WRONG_ENROLMENT = ("That enrolment code is not right, was already used or has expired. "
                   "Ask an administrator for a new one.")
DISABLED = "This account is disabled. Ask an administrator if you need it again."
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
        self.throttle = SignInThrottle(console.secret_key, console.context.settings.redis_url)

    def routes(self) -> list[Route]:
        c = self.console
        return [Route("/review/login", self.login_page, methods=["GET"]),
                Route("/review/login", self.login, methods=["POST"]),
                Route("/review/login/code", self.code_page, methods=["GET"]),
                Route("/review/login/code", self.code, methods=["POST"]),
                Route("/review/login/enrol", self.enrol, methods=["POST"]),
                Route("/review/logout", guarded(c, None, self.logout), methods=["POST"])]

    # step 1: password ------------------------------------------------------------
    def _login_form(self, request: Request, status: int = 200, error: str = "", notice: str = "") -> Response:
        cookie = request.cookies.get(self.console.login_cookie) or secrets.token_urlsafe(24)
        response = render("login.html", status, csrf=self.console.login_form_token(cookie), error=error,
                          notice=notice, staff=None)
        return self.console.set_cookie(response, self.console.login_cookie, cookie)

    def _throttled(self, request: Request, seconds: int) -> Response:
        minutes = max(1, -(-seconds // 60))
        response = self._login_form(request, 429, f"Too many sign-in attempts failed from this network. "
                                                  f"Please wait {minutes} minute{'s' if minutes > 1 else ''} "
                                                  f"and try again.")
        response.headers["retry-after"] = str(seconds)
        return response

    async def login_page(self, request: Request) -> Response:
        return self._login_form(request, notice=ENDED_MESSAGES.get(request.query_params.get("ended", ""), ""))

    async def login(self, request: Request) -> Response:
        c = self.console
        address, now = client_address(request), c.now()
        wait = self.throttle.wait_seconds(address, now)
        if wait:
            return self._throttled(request, wait)
        # Refused forms count as failures too: one address cannot fill the audit log with them.
        cookie = request.cookies.get(c.login_cookie) or ""
        if not cookie:
            self.throttle.failed(address, now)
            return c.refused(request, "(anonymous)", 403, "csrf", FORM_FROM_ELSEWHERE)
        form, refused = await c.read_form(request, "(anonymous)")      # multipart refused unparsed
        if refused is None and not c.token_matches(form, c.login_form_token(cookie)):
            refused = c.refused(request, "(anonymous)", 403, "csrf", FORM_FROM_ELSEWHERE)
        if refused is not None:
            self.throttle.failed(address, now)
            return refused
        username, password = str(form.get("username") or "")[:64], str(form.get("password") or "")[:1024]
        with c.transaction() as unit:
            account = AccountStore(unit.conn, unit.cipher).by_username(username)
        if account is not None and LOCKOUT.locked(account.locked_until, now):
            with c.transaction() as unit:
                c.audit(unit, account.username, "login.refused", reason="locked")
            return self._login_form(request, 423, locked_message(account.locked_until))
        # argon2 in a worker thread, outside any transaction.
        checked_hash = account.password_hash if account else _DUMMY_HASH
        matched = await run_in_threadpool(password_matches, checked_hash, password)
        with c.transaction() as unit:
            accounts = AccountStore(unit.conn, unit.cipher)
            account = accounts.by_username(username)
            if account is None:
                self.throttle.failed(address, now)
                c.audit(unit, username or "(blank)", "login.failed", reason="unknown account")
                return self._login_form(request, 401, WRONG_PASSWORD)
            if not matched or account.password_hash != checked_hash:
                self.throttle.failed(address, now)
                return self._failure(unit, accounts, account, request, WRONG_PASSWORD, "password")
            if account.disabled:
                c.audit(unit, account.username, "login.refused", reason="disabled")
                return self._login_form(request, 403, DISABLED)
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

    # step 2: the enrolment code (first time) and the TOTP code ---------------------
    def _pending(self, unit, request: Request):
        token = request.cookies.get(self.console.session_cookie)
        session = SessionStore(unit.conn, self.console.secret_key).find(token)
        if session is None or session.stage not in (SECOND_FACTOR, ENROLLING):
            return None, None, None
        return token, session.stage, AccountStore(unit.conn, unit.cipher).by_id(session.account_id)

    def _code_page(self, token: str, stage: str, account, status: int = 200, error: str = "") -> Response:
        step = "code"
        enrol = None
        if not account.totp_confirmed:
            if stage == ENROLLING:
                step = "scan"
                enrol = {"qr": qr_data_uri(totp_uri(account.totp_secret, account.username)),
                         "secret": account.totp_secret}
            else:
                step = "enrolment"
        return render("code.html", status, csrf=csrf_token(self.console.secret_key, token), step=step,
                      enrol=enrol, error=error, staff=None)

    async def code_page(self, request: Request) -> Response:
        with self.console.transaction() as unit:
            token, stage, account = self._pending(unit, request)
            if account is None:
                return RedirectResponse("/review/login", status_code=303)
            return self._code_page(token, stage, account)

    async def _second_step(self, request: Request):
        """The checks both second-step forms share: a pending sign-in, the origin, a capped
        url-encoded form, its CSRF token, the throttle. Returns (form, None) or (None, a response)."""
        c = self.console
        wait = self.throttle.wait_seconds(client_address(request), c.now())
        if wait:
            return None, c.clear_cookie(self._throttled(request, wait), c.session_cookie)
        with c.transaction() as unit:
            token, _, account = self._pending(unit, request)
        if account is None:
            return None, RedirectResponse("/review/login", status_code=303)
        form, refused = await c.read_form(request, account.username)
        if refused is not None:
            return None, refused
        if not c.token_matches(form, csrf_token(c.secret_key, token)):
            return None, c.refused(request, account.username, 403, "csrf",
                                   "This form has expired or did not come from this site. Sign in again.")
        return form, None

    def _refuse_locked_or_disabled(self, unit, request: Request, account, now) -> Response | None:
        c = self.console
        if LOCKOUT.locked(account.locked_until, now):
            c.audit(unit, account.username, "login.refused", reason="locked")
            return c.clear_cookie(self._login_form(request, 423, locked_message(account.locked_until)),
                                  c.session_cookie)
        if account.disabled:
            c.audit(unit, account.username, "login.refused", reason="disabled")
            SessionStore(unit.conn, c.secret_key).end(request.cookies.get(c.session_cookie))
            return c.clear_cookie(self._login_form(request, 403, DISABLED), c.session_cookie)
        return None

    async def enrol(self, request: Request) -> Response:
        """The one-time enrolment code: right, the QR code is shown (this once); wrong, it counts
        as a failed sign-in."""
        c = self.console
        form, response = await self._second_step(request)
        if response is not None:
            return response
        now = c.now()
        with c.transaction() as unit:
            token, stage, account = self._pending(unit, request)
            if account is None:
                return RedirectResponse("/review/login", status_code=303)
            refused = self._refuse_locked_or_disabled(unit, request, account, now)
            if refused is not None:
                return refused
            if account.totp_confirmed or stage != SECOND_FACTOR:
                return RedirectResponse("/review/login/code", status_code=303)
            accounts = AccountStore(unit.conn, unit.cipher)
            if not account.enrolment_code_matches(str(form.get("enrolment_code") or "")[:64], now):
                self.throttle.failed(client_address(request), now)
                return self._failure(unit, accounts, account, request, WRONG_ENROLMENT, "enrolment code",
                                     page=lambda status, message: self._code_page(token, stage, account,
                                                                                  status, message))
            accounts.use_enrolment(account)
            enrolling = SessionStore(unit.conn, c.secret_key).advance(token, ENROLLING, now)
            c.audit(unit, account.username, "enrolment.code_used")
        return c.set_cookie(RedirectResponse("/review/login/code", status_code=303), c.session_cookie, enrolling)

    async def code(self, request: Request) -> Response:
        c = self.console
        form, response = await self._second_step(request)
        if response is not None:
            return response
        now = c.now()
        with c.transaction() as unit:
            token, stage, account = self._pending(unit, request)
            if account is None:
                return RedirectResponse("/review/login", status_code=303)
            refused = self._refuse_locked_or_disabled(unit, request, account, now)
            if refused is not None:
                return refused
            if not account.totp_confirmed and stage != ENROLLING:
                # No authenticator yet and no enrolment code given: the QR is not shown, no code counts.
                return self._code_page(token, stage, account, 403, "Enter the enrolment code from your "
                                       "administrator first.")
            accounts = AccountStore(unit.conn, unit.cipher)
            step = totp_step(account.totp_secret, str(form.get("code") or ""), now, account.totp_last_step)
            if step is None:
                self.throttle.failed(client_address(request), now)
                return self._failure(unit, accounts, account, request, WRONG_CODE, "code",
                                     page=lambda status, message: self._code_page(token, stage, account,
                                                                                  status, message))
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
