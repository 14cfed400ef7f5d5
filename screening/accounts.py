"""Console accounts: roles and what each may do, argon2id passwords, a TOTP second
factor for every account (set up only with a one-time enrolment code an administrator
issues), and the lockout policy. Pure logic plus the account rows; no web code here.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
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
    "admin": frozenset({"dashboard.view", "audit.view", "accounts.manage"}),
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


# enrolment codes --------------------------------------------------------------
# 16 characters from an alphabet without look-alikes (80 bits), shown in groups of four.
ENROLMENT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
ENROLMENT_CODE_LENGTH = 16


def new_enrolment_code() -> str:
    raw = "".join(secrets.choice(ENROLMENT_ALPHABET) for _ in range(ENROLMENT_CODE_LENGTH))
    return "-".join(raw[i:i + 4] for i in range(0, ENROLMENT_CODE_LENGTH, 4))


def enrolment_code_hash(code: str) -> str:
    """SHA-256 of the code as typed, ignoring case, spaces and dashes. The code is random
    (80 bits), so an unkeyed hash cannot be reversed by guessing."""
    normalized = re.sub(r"[\s-]", "", code or "").upper()
    return hashlib.sha256(normalized.encode("ascii", "replace")).hexdigest()


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
    disabled_at: datetime | None = None
    enrolment_code_hash: str | None = None
    enrolment_expires_at: datetime | None = None
    created_at: datetime | None = None
    last_login_at: datetime | None = None

    @property
    def disabled(self) -> bool:
        return self.disabled_at is not None

    def enrolment_code_matches(self, code: str, now: datetime) -> bool:
        """The one-time code an administrator issued: right, not yet used, not expired."""
        if not self.enrolment_code_hash or self.enrolment_expires_at is None or now >= self.enrolment_expires_at:
            return False
        return hmac.compare_digest(self.enrolment_code_hash, enrolment_code_hash(code))

    @property
    def status(self) -> str:
        if self.disabled:
            return "disabled"
        if not self.totp_confirmed:
            return "awaiting enrolment"
        return "active"


class AccountStore:
    """Account rows inside the caller's transaction."""

    def __init__(self, conn: Connection, cipher: TextCipher):
        self.conn = conn
        self.cipher = cipher

    def add(self, username: str, role: str, password: str | None, now: datetime, *,
            password_hash: str | None = None) -> Account:
        """A new account, its second factor not yet set up. Pass `password_hash` (from
        `hash_password`, computed before the transaction) to keep argon2 out of it."""
        username = (username or "").strip().lower()
        check_role(role)
        if not USERNAME.match(username):
            raise AccountError("username: 2-64 characters, lowercase letters, digits, dot, dash, underscore")
        if password_hash is None:
            check_password(password)
            password_hash = hash_password(password)
        secret = new_totp_secret()
        try:
            with self.conn.begin_nested():
                self.conn.execute(insert(console_accounts).values(
                    username=username, role=role, password_hash=password_hash,
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
                       failed_logins=row["failed_logins"], locked_until=row["locked_until"],
                       disabled_at=row["disabled_at"], enrolment_code_hash=row["enrolment_code_hash"],
                       enrolment_expires_at=row["enrolment_expires_at"], created_at=row["created_at"],
                       last_login_at=row["last_login_at"])

    def by_username(self, username: str) -> Account | None:
        return self._one(console_accounts.c.username == (username or "").strip().lower())

    def by_id(self, account_id: int) -> Account | None:
        return self._one(console_accounts.c.id == account_id)

    def all(self) -> list[Account]:
        ids = self.conn.execute(select(console_accounts.c.id).order_by(console_accounts.c.username)).scalars()
        return [self.by_id(account_id) for account_id in list(ids)]

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

    # what administrators change (screening/account_admin.py audits each) ---------------
    def issue_enrolment(self, account: Account, now: datetime, valid_for: timedelta) -> str:
        """A new second factor to set up: a fresh TOTP secret, not yet confirmed, and a new
        one-time enrolment code (returned once; only its hash is kept)."""
        code = new_enrolment_code()
        self._set(account.id, totp_secret_enc=self.cipher.encrypt(new_totp_secret()), totp_confirmed=False,
                  totp_last_step=None, enrolment_code_hash=enrolment_code_hash(code),
                  enrolment_expires_at=now + valid_for)
        return code

    def use_enrolment(self, account: Account) -> str:
        """The code was right: it is spent, and the account gets a TOTP secret no one has seen."""
        secret = new_totp_secret()
        self._set(account.id, enrolment_code_hash=None, enrolment_expires_at=None,
                  totp_secret_enc=self.cipher.encrypt(secret), totp_confirmed=False, totp_last_step=None)
        return secret

    def set_disabled(self, account: Account, disabled_at: datetime | None) -> None:
        self._set(account.id, disabled_at=disabled_at)

    def set_password_hash(self, account: Account, password_hash: str) -> None:
        self._set(account.id, password_hash=password_hash, failed_logins=0, locked_until=None)

    def set_role(self, account: Account, role: str) -> None:
        check_role(role)
        self._set(account.id, role=role)

    def active_admins(self) -> int:
        return len(list(self.conn.execute(select(console_accounts.c.id).where(
            console_accounts.c.role == "admin", console_accounts.c.disabled_at.is_(None))).scalars()))


def check_role(role: str) -> None:
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")


def check_password(password: str | None) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise AccountError(f"password must be at least {MIN_PASSWORD_LENGTH} characters")
