"""What an administrator does to console accounts, the same from the `screening users`
command and the console's Accounts page: add, disable, enable, reset a password, reset
the second factor, change a role, end sessions. Each change is written to the audit log
in the same transaction; no password, code or secret ever goes into it.

A new account, and an account whose second factor was reset, gets a one-time enrolment
code: only a person who has it (and the password) can see the QR code and set up an
authenticator. The code is returned once here and never stored in clear.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from . import audit
from .accounts import Account, AccountError, AccountStore, check_role
from .records.repository import Unit
from .staff_sessions import SessionStore

DEFAULT_ENROLMENT_VALID_FOR = timedelta(hours=24)


@dataclass(frozen=True)
class Enrolment:
    """An account and the one-time code to give its owner (in person or by a trusted channel)."""
    account: Account
    code: str
    expires_at: datetime


class AccountAdmin:
    """Account changes by `actor` (a console username, or "cli"), inside one transaction."""

    def __init__(self, unit: Unit, audit_keys: audit.AuditKeys, actor: str, now: datetime,
                 enrolment_valid_for: timedelta = DEFAULT_ENROLMENT_VALID_FOR):
        self.unit = unit
        self.accounts = AccountStore(unit.conn, unit.cipher)
        self.audit_keys = audit_keys
        self.actor = actor
        self.now = now
        self.enrolment_valid_for = enrolment_valid_for

    def _audit(self, action: str, account: Account, **details) -> None:
        audit.append(self.unit.conn, self.audit_keys, actor=self.actor, action=action, now=self.now,
                     details={"account": account.username, **details})

    def find(self, username: str) -> Account:
        account = self.accounts.by_username(username)
        if account is None:
            raise AccountError(f"there is no account named {(username or '').strip().lower()!r}; "
                               "`screening users list` shows every account")
        return account

    def _end_sessions(self, account: Account) -> int:
        return SessionStore(self.unit.conn, self.unit.secret_key).end_all_for(account.id)

    def _keep_an_admin(self, account: Account, doing: str) -> None:
        if account.role == "admin" and not account.disabled and self.accounts.active_admins() <= 1:
            raise AccountError(f"{account.username!r} is the only active administrator; add another "
                               f"(screening users add --role admin) before you {doing}")

    def _enrolment(self, account: Account) -> Enrolment:
        code = self.accounts.issue_enrolment(account, self.now, self.enrolment_valid_for)
        return Enrolment(self.accounts.by_id(account.id), code, self.now + self.enrolment_valid_for)

    # changes ---------------------------------------------------------------------
    def add(self, username: str, role: str, password_hash: str) -> Enrolment:
        account = self.accounts.add(username, role, None, self.now, password_hash=password_hash)
        enrolment = self._enrolment(account)
        self._audit("account.add", account, role=role, enrolment_expires=enrolment.expires_at.isoformat())
        return enrolment

    def disable(self, username: str) -> int:
        """Turn the account off and end its sessions at once; how many sessions ended."""
        account = self.find(username)
        if account.disabled:
            raise AccountError(f"{account.username!r} is already disabled; `screening users enable "
                               f"{account.username}` turns it back on")
        if account.username == self.actor:
            raise AccountError("you cannot disable your own account; ask another administrator")
        self._keep_an_admin(account, "disable this one")
        self.accounts.set_disabled(account, self.now)
        ended = self._end_sessions(account)
        self._audit("account.disable", account, sessions_ended=ended)
        return ended

    def enable(self, username: str) -> None:
        account = self.find(username)
        if not account.disabled:
            raise AccountError(f"{account.username!r} is not disabled; nothing to do")
        self.accounts.set_disabled(account, None)
        self._audit("account.enable", account)

    def reset_password(self, username: str, password_hash: str) -> int:
        """A new password (hashed by the caller, outside the transaction); the lockout is
        lifted and every session ends."""
        account = self.find(username)
        self.accounts.set_password_hash(account, password_hash)
        ended = self._end_sessions(account)
        self._audit("account.password_reset", account, sessions_ended=ended)
        return ended

    def reset_second_factor(self, username: str) -> Enrolment:
        """The old authenticator stops working; a new enrolment code sets up a new one."""
        account = self.find(username)
        enrolment = self._enrolment(account)
        ended = self._end_sessions(account)
        self._audit("account.second_factor_reset", account, sessions_ended=ended,
                    enrolment_expires=enrolment.expires_at.isoformat())
        return enrolment

    def set_role(self, username: str, role: str) -> None:
        check_role(role)
        account = self.find(username)
        if account.role == role:
            raise AccountError(f"{account.username!r} is already a {role}; nothing to do")
        if role != "admin":
            self._keep_an_admin(account, "change its role")
        self.accounts.set_role(account, role)
        self._audit("account.role", account, old_role=account.role, new_role=role)

    def end_sessions(self, username: str) -> int:
        account = self.find(username)
        ended = self._end_sessions(account)
        self._audit("account.sessions_end", account, sessions_ended=ended)
        return ended
