"""Console accounts: roles and what each may do, argon2id passwords, a TOTP second
factor for every account, and the lockout policy. Pure logic plus the account rows;
no web code here.
"""
from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from .crypto import TextCipher
from .records.console_tables import console_accounts

ROLES = ("screener", "supervisor", "admin")

# One table of who may do what. Screeners work cases (their own and the unassigned
# queue); supervisors also see every case, assign cases and read the dashboard;
# administrators read the dashboard and the audit log but not transcripts.
SCREENER_ACTIONS = frozenset({
    "cases.list", "cases.view", "cases.note", "cases.status", "cases.confirm", "cases.export",
    # Take over a person's conversation, reply, hand it back: on cases assigned to them
    # (supervisors: any case; see screening/talkback.py).
    "cases.talk"})
PERMISSIONS: dict[str, frozenset[str]] = {
    "screener": SCREENER_ACTIONS,
    "supervisor": SCREENER_ACTIONS | {"cases.all", "cases.assign", "dashboard.view"},
    "admin": frozenset({"dashboard.view", "audit.view"}),
}

MIN_PASSWORD_LENGTH = 12
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
TOTP_ISSUER = "Needs screening console"
TOTP_STEP_SECONDS = 30

# argon2-cffi's PasswordHasher uses argon2id by default (RFC 9106 low-memory profile).
_hasher = PasswordHasher()


class AccountError(ValueError):
    """An account cannot be created as asked; the message says why, plainly."""


def may(role: str, action: str) -> bool:
    return action in PERMISSIONS.get(role, frozenset())


# passwords --------------------------------------------------------------------
def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


# TOTP -------------------------------------------------------------------------
def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(secret: str, username: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=TOTP_ISSUER)


def _epoch(at: datetime) -> int:
    # The app's clock is naive UTC; an authenticator app counts from real UTC time.
    return int(at.replace(tzinfo=timezone.utc).timestamp())


def totp_code(secret: str, at: datetime) -> str:
    """The code an authenticator shows at `at` (tests and enrolment checks)."""
    return pyotp.TOTP(secret).at(_epoch(at))


def totp_step(secret: str, code: str, at: datetime, last_step: int | None = None) -> int | None:
    """The time step `code` belongs to (one step of clock drift either way), or None when it
    is wrong or was already used (a code is good once)."""
    code = re.sub(r"\s", "", code or "")
    if not re.fullmatch(r"[0-9]{6}", code):       # ASCII digits only ("١٢٣٤٥٦" is not a code)
        return None
    totp = pyotp.TOTP(secret)
    now_step = _epoch(at) // TOTP_STEP_SECONDS
    for step in (now_step - 1, now_step, now_step + 1):
        if hmac.compare_digest(totp.at(step * TOTP_STEP_SECONDS), code):
            return step if last_step is None or step > last_step else None
    return None


# lockout ----------------------------------------------------------------------
@dataclass(frozen=True)
class LockoutPolicy:
    max_failures: int = 5
    lock_for: timedelta = timedelta(minutes=15)

    def locked(self, locked_until: datetime | None, now: datetime) -> bool:
        return locked_until is not None and now < locked_until

    def after_failure(self, failures: int, now: datetime) -> tuple[int, datetime | None]:
        """(failures so far, locked until) after one more failed attempt."""
        failures += 1
        if failures >= self.max_failures:
            return 0, now + self.lock_for
        return failures, None


LOCKOUT = LockoutPolicy()


# account rows -----------------------------------------------------------------
@dataclass(frozen=True)
class Account:
    id: int
    username: str
    role: str
    password_hash: str
    totp_secret: str
    totp_confirmed: bool
    totp_last_step: int | None
    failed_logins: int
    locked_until: datetime | None


class AccountStore:
    """Account rows inside the caller's transaction."""

    def __init__(self, conn: Connection, cipher: TextCipher):
        self.conn = conn
        self.cipher = cipher

    def add(self, username: str, role: str, password: str, now: datetime) -> Account:
        username = (username or "").strip().lower()
        if role not in ROLES:
            raise AccountError(f"role must be one of {', '.join(ROLES)}")
        if not USERNAME.match(username):
            raise AccountError("username: 2-64 characters, lowercase letters, digits, dot, dash, underscore")
        if len(password or "") < MIN_PASSWORD_LENGTH:
            raise AccountError(f"password must be at least {MIN_PASSWORD_LENGTH} characters")
        secret = new_totp_secret()
        try:
            with self.conn.begin_nested():
                self.conn.execute(insert(console_accounts).values(
                    username=username, role=role, password_hash=hash_password(password),
                    totp_secret_enc=self.cipher.encrypt(secret), totp_confirmed=False, totp_last_step=None,
                    failed_logins=0, locked_until=None, created_at=now, last_login_at=None))
        except IntegrityError:
            raise AccountError(f"an account named {username!r} already exists") from None
        return self.by_username(username)

    def _one(self, condition) -> Account | None:
        row = self.conn.execute(select(console_accounts).where(condition)).mappings().first()
        if row is None:
            return None
        return Account(id=row["id"], username=row["username"], role=row["role"],
                       password_hash=row["password_hash"], totp_secret=self.cipher.decrypt(row["totp_secret_enc"]),
                       totp_confirmed=row["totp_confirmed"], totp_last_step=row["totp_last_step"],
                       failed_logins=row["failed_logins"], locked_until=row["locked_until"])

    def by_username(self, username: str) -> Account | None:
        return self._one(console_accounts.c.username == (username or "").strip().lower())

    def by_id(self, account_id: int) -> Account | None:
        return self._one(console_accounts.c.id == account_id)

    def usernames(self) -> dict[int, str]:
        return dict(self.conn.execute(select(console_accounts.c.id, console_accounts.c.username)).all())

    def screeners(self) -> list[tuple[int, str]]:
        return [tuple(r) for r in self.conn.execute(
            select(console_accounts.c.id, console_accounts.c.username)
            .where(console_accounts.c.role.in_(("screener", "supervisor"))).order_by(console_accounts.c.username))]

    def _set(self, account_id: int, **values) -> None:
        self.conn.execute(update(console_accounts).where(console_accounts.c.id == account_id).values(**values))

    def record_failure(self, account: Account, now: datetime, policy: LockoutPolicy = LOCKOUT) -> bool:
        """Count a failed password or code; True when this failure locked the account."""
        failures, locked_until = policy.after_failure(account.failed_logins, now)
        self._set(account.id, failed_logins=failures, locked_until=locked_until)
        return locked_until is not None

    def record_login(self, account: Account, step: int, now: datetime) -> None:
        self._set(account.id, failed_logins=0, locked_until=None, totp_last_step=step,
                  totp_confirmed=True, last_login_at=now)
