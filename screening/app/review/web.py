"""What every console page shares: templates (autoescaped), the session cookie,
the one guard that checks sign-in, idle timeout, role and CSRF, and plain refusals
(each written to the audit log)."""
from __future__ import annotations

import functools
import hmac
from dataclasses import dataclass
from pathlib import Path
from typing import Awaitable, Callable
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from ... import audit
from ...accounts import AccountStore, may
from ...crypto import pseudonym
from ...reminders import KIND_WORDS, OUTCOME_WORDS
from ...staff_sessions import ACTIVE, SESSIONS, SessionStore, csrf_token
from ..context import AppContext
from ..request_body import BodyRefused, read_form

HERE = Path(__file__).resolve().parent
LOGIN_PATH = "/review/login"
# Console forms are short (the longest is a case note): anything larger is refused unread.
MAX_FORM_BYTES = 32_768

# Autoescape on for every template: nothing a person typed is ever marked safe.
templates = Environment(loader=FileSystemLoader(str(HERE / "templates")), autoescape=True,
                        trim_blocks=True, lstrip_blocks=True)
templates.globals["may"] = may
templates.filters["when"] = lambda value: value.strftime("%Y-%m-%d %H:%M UTC") if value else ""
templates.filters["label"] = lambda value: str(value or "").replace("_", " ")
templates.globals["reminder_kinds"] = KIND_WORDS
templates.globals["outcome_words"] = OUTCOME_WORDS


def render(name: str, status: int = 200, **values) -> HTMLResponse:
    # "same-origin", not the app's "no-referrer": with no-referrer browsers send `Origin: null`
    # on form posts, and the CSRF check needs the real origin. Other sites still get nothing.
    return HTMLResponse(templates.get_template(name).render(**values), status_code=status,
                        headers={"referrer-policy": "same-origin"})


def refusal(status: int, reason: str, staff: "Staff | None" = None) -> HTMLResponse:
    """Every refusal: the status and one plain sentence saying why."""
    return render("refusal.html", status, reason=reason, staff=staff)


def cookie_is_secure(public_base_url: str) -> bool:
    """Secure cookies always, except plain http on this machine (tests and local runs)."""
    parts = urlsplit(public_base_url)
    return not (parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost"))


@dataclass(frozen=True)
class Staff:
    account_id: int
    username: str
    role: str
    csrf: str


class Console:
    """The console's shared state: the app context, cookie settings."""

    def __init__(self, context: AppContext):
        self.context = context
        self.secure = cookie_is_secure(context.settings.public_base_url)
        # `__Host-` would require Path=/; the session is for /review only, so `__Secure-`.
        self.session_cookie = "__Secure-review_session" if self.secure else "review_session"
        self.login_cookie = "__Secure-review_login" if self.secure else "review_login"
        self.secret_key = context.settings.secret_key
        # The audit chain's own key (AUDIT_KEY): the app does not start without it.
        self.audit_keys = context.repository.audit_keys

    def now(self):
        return self.context.clock()

    def transaction(self):
        return self.context.repository.transaction()

    def audit(self, unit, staff_or_name, action: str, screening_id: str | None = None, **details) -> None:
        actor = staff_or_name.username if isinstance(staff_or_name, Staff) else str(staff_or_name)[:64]
        audit.append(unit.conn, self.audit_keys, actor=actor, action=action, now=self.now(),
                     screening_id=screening_id, details=details)

    def refused(self, request: Request, staff_or_name, status: int, reason: str, message: str,
                staff: "Staff | None" = None) -> HTMLResponse:
        """A refusal (403 for a role or a form from elsewhere, 413, 415), written to the audit log
        with its path and why: never the form's content."""
        with self.transaction() as unit:
            self.audit(unit, staff_or_name, "refused", status=status, reason=reason,
                       method=request.method, path=request.url.path[:200])
        return refusal(status, message, staff)

    async def read_form(self, request: Request, actor, staff: "Staff | None" = None):
        """The posted form, after the origin check and before the CSRF token is compared: only a
        url-encoded form of at most MAX_FORM_BYTES is read (multipart is refused unparsed).
        Returns (form, None) or (None, the refusal)."""
        if not self.same_origin(request):
            return None, self.refused(request, actor, 403, "origin", FORM_FROM_ELSEWHERE, staff)
        try:
            return await read_form(request, MAX_FORM_BYTES), None
        except BodyRefused as refused:
            return None, self.refused(request, actor, refused.status, "body", refused.reason, staff)

    # cookies ------------------------------------------------------------------
    def set_cookie(self, response: Response, name: str, value: str) -> Response:
        response.set_cookie(name, value, httponly=True, samesite="strict", secure=self.secure, path="/review")
        return response

    def clear_cookie(self, response: Response, name: str) -> Response:
        response.delete_cookie(name, path="/review", secure=self.secure, httponly=True, samesite="strict")
        return response

    def login_form_token(self, cookie_value: str) -> str:
        return pseudonym(self.secret_key, "login-csrf", cookie_value)

    # checks -------------------------------------------------------------------
    def same_origin(self, request: Request) -> bool:
        origin = request.headers.get("origin")
        allowed = {f"{request.url.scheme}://{request.url.netloc}", self.context.settings.public_base_url}
        return origin in allowed

    @staticmethod
    def token_matches(form: FormData, expected: str) -> bool:
        # As bytes: compare_digest refuses str with non-ASCII characters (a forged token may have them).
        presented = str(form.get("csrf") or "").encode("utf-8", "surrogatepass")
        return hmac.compare_digest(presented, expected.encode("utf-8"))

    def to_login(self, reason: str = "") -> Response:
        """To the sign-in page; the cookie is cleared when its session has ended (a half-done
        sign-in keeps its cookie)."""
        if not reason:
            return RedirectResponse(LOGIN_PATH, status_code=303)
        target = f"{LOGIN_PATH}?ended={reason}"
        return self.clear_cookie(RedirectResponse(target, status_code=303), self.session_cookie)

    def signed_in(self, request: Request, touch: bool = True) -> tuple[Staff | None, str]:
        """The staff member behind this request's session, or (None, why it ended). `touch`
        False: the request is not activity (a page polling by itself keeps no one signed in)."""
        token = request.cookies.get(self.session_cookie)
        now = self.now()
        with self.transaction() as unit:
            sessions = SessionStore(unit.conn, self.secret_key)
            session = sessions.find(token)
            if session is None or session.stage != ACTIVE:
                return None, ""
            ended = SESSIONS.ended(session.created_at, session.last_seen_at, now)
            account = AccountStore(unit.conn, unit.cipher).by_id(session.account_id)
            if account is None or account.disabled:
                ended = "disabled"
            if ended:
                sessions.end(token)
                return None, ended
            if touch:
                sessions.touch(session, now)
        return Staff(account.id, account.username, account.role, csrf_token(self.secret_key, token)), ""


FORM_FROM_ELSEWHERE = "This form has expired or did not come from this site. Go back, reload the page and try again."

Handler = Callable[..., Awaitable[Response]]


def guarded(console: Console, action: str | None, handler: Handler, *,
            touch: bool = True) -> Callable[[Request], Awaitable[Response]]:
    """Sign-in (else to the login page), the role's permission (else 403), and on POST the
    form's origin and CSRF token (else 403). `action` None: any signed-in account. `touch`
    False for requests a page makes by itself (they do not keep a session alive)."""

    @functools.wraps(handler)
    async def endpoint(request: Request) -> Response:
        staff, ended = console.signed_in(request, touch=touch)
        if staff is None:
            return console.to_login(ended)
        if action is not None and not may(staff.role, action):
            return console.refused(request, staff, 403, "role",
                                   f"Your role ({staff.role}) does not allow this page or action.", staff)
        form = None
        if request.method == "POST":
            form, refused = await console.read_form(request, staff, staff)
            if refused is not None:
                return refused
            if not console.token_matches(form, staff.csrf):
                return console.refused(request, staff, 403, "csrf", FORM_FROM_ELSEWHERE, staff)
        return await handler(request, staff, form)

    return endpoint
