"""The Accounts page for administrators: every account, and the same changes as the
`screening users` commands (add, disable, enable, reset a password, reset the second
factor, change a role, end sessions), each audited by screening/account_admin.py. A new
enrolment code is shown once, on the page that issued it."""
from __future__ import annotations

from datetime import timedelta

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ...account_admin import AccountAdmin
from ...accounts import ROLES, AccountError, AccountStore, check_password, hash_password
from .web import Console, Staff, guarded, render

ACTIONS = ("disable", "enable", "reset-password", "reset-2fa", "set-role", "end-sessions")


class AccountsPage:
    def __init__(self, console: Console):
        self.console = console
        self.enrolment_valid_for = timedelta(hours=console.context.settings.enrolment_code_hours)

    def routes(self) -> list[Route]:
        c = self.console
        return [Route("/review/accounts", guarded(c, "accounts.manage", self.page), methods=["GET"]),
                Route("/review/accounts", guarded(c, "accounts.manage", self.add), methods=["POST"]),
                Route("/review/accounts/{username}/{action}", guarded(c, "accounts.manage", self.change),
                      methods=["POST"])]

    def _page(self, staff: Staff, status: int = 200, notice: str = "", error: str = "", enrolment=None) -> Response:
        with self.console.transaction() as unit:
            accounts = AccountStore(unit.conn, unit.cipher).all()
            if status == 200 and not notice and not enrolment:
                self.console.audit(unit, staff, "accounts.view")
        return render("accounts.html", status, staff=staff, accounts=accounts, roles=ROLES, notice=notice,
                      error=error, enrolment=enrolment)

    def _change(self, staff: Staff, run):
        """Run `run(admin)` in one transaction with its audit entry; AccountError changes nothing."""
        with self.console.transaction() as unit:
            admin = AccountAdmin(unit, self.console.audit_keys, staff.username, self.console.now(),
                                 self.enrolment_valid_for)
            return run(admin)

    async def page(self, request: Request, staff: Staff, form) -> Response:
        return self._page(staff)

    @staticmethod
    async def _password_hash(form) -> str:
        password = str(form.get("password") or "")[:1024]
        check_password(password)
        return await run_in_threadpool(hash_password, password)     # argon2 off the event loop, no transaction

    async def add(self, request: Request, staff: Staff, form) -> Response:
        try:
            password_hash = await self._password_hash(form)
            enrolment = self._change(staff, lambda admin: admin.add(str(form.get("username") or "")[:64],
                                                                    str(form.get("role") or ""), password_hash))
        except AccountError as exc:
            return self._page(staff, 400, error=f"No account was created: {exc}.")
        return self._page(staff, notice=f"Created the {enrolment.account.role} account "
                                        f"{enrolment.account.username}.", enrolment=enrolment)

    async def change(self, request: Request, staff: Staff, form) -> Response:
        username, action = request.path_params["username"][:64], request.path_params["action"]
        if action not in ACTIONS:
            return self._page(staff, 404, error="There is no such change.")
        enrolment, notice = None, ""
        try:
            if action == "disable":
                ended = self._change(staff, lambda admin: admin.disable(username))
                notice = f"Disabled {username}; {ended} session(s) ended."
            elif action == "enable":
                self._change(staff, lambda admin: admin.enable(username))
                notice = f"Enabled {username}."
            elif action == "reset-password":
                password_hash = await self._password_hash(form)
                ended = self._change(staff, lambda admin: admin.reset_password(username, password_hash))
                notice = f"Set a new password for {username}; {ended} session(s) ended."
            elif action == "reset-2fa":
                enrolment = self._change(staff, lambda admin: admin.reset_second_factor(username))
                notice = f"Reset the second factor of {username}; their old authenticator no longer works."
            elif action == "set-role":
                role = str(form.get("role") or "")
                self._change(staff, lambda admin: admin.set_role(username, role))
                notice = f"{username} is now a {role}."
            else:
                ended = self._change(staff, lambda admin: admin.end_sessions(username))
                notice = f"Ended {ended} session(s) of {username}."
        except AccountError as exc:
            return self._page(staff, 400, error=f"Nothing was changed: {exc}.")
        return self._page(staff, notice=notice, enrolment=enrolment)
