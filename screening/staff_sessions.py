"""Console sessions: a random token in the cookie, only its keyed hash stored; a
15-minute idle timeout and an 8-hour absolute lifetime by the caller's clock.
The CSRF token is derived from the session token, so it needs no storage.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection

from .crypto import pseudonym
from .records.console_tables import console_sessions

SECOND_FACTOR = "second_factor"     # password right, code still to come
ENROLLING = "enrolling"             # password and enrolment code right: the QR may be shown
ACTIVE = "active"


@dataclass(frozen=True)
class SessionPolicy:
    idle: timedelta = timedelta(minutes=15)
    lifetime: timedelta = timedelta(hours=8)

    def ended(self, created_at: datetime, last_seen_at: datetime, now: datetime) -> str | None:
        """Why the session is over ("idle" or "lifetime"), or None while it lasts."""
        if now - last_seen_at > self.idle:
            return "idle"
        if now - created_at > self.lifetime:
            return "lifetime"
        return None


SESSIONS = SessionPolicy()


@dataclass(frozen=True)
class StaffSession:
    token_hash: str
    account_id: int
    stage: str
    created_at: datetime
    last_seen_at: datetime


def csrf_token(secret_key: str, session_token: str) -> str:
    return pseudonym(secret_key, "csrf", session_token)


class SessionStore:
    def __init__(self, conn: Connection, secret_key: str):
        self.conn = conn
        self.secret_key = secret_key

    def _hash(self, token: str) -> str:
        return pseudonym(self.secret_key, "console-session", token)

    def start(self, account_id: int, stage: str, now: datetime) -> str:
        token = secrets.token_urlsafe(32)
        self.conn.execute(insert(console_sessions).values(
            token_hash=self._hash(token), account_id=account_id, stage=stage, created_at=now, last_seen_at=now))
        return token

    def find(self, token: str | None) -> StaffSession | None:
        if not token:
            return None
        row = self.conn.execute(select(console_sessions).where(
            console_sessions.c.token_hash == self._hash(token))).mappings().first()
        return StaffSession(**row) if row else None

    def touch(self, session: StaffSession, now: datetime) -> None:
        self.conn.execute(update(console_sessions).where(console_sessions.c.token_hash == session.token_hash)
                          .values(last_seen_at=now))

    def advance(self, token: str, stage: str, now: datetime) -> str:
        """The same sign-in one step further, under a new token."""
        session = self.find(token)
        self.end(token)
        return self.start(session.account_id, stage, now)

    def end_all_for(self, account_id: int) -> int:
        """End every session of one account (signed in or half-way); how many there were."""
        return self.conn.execute(delete(console_sessions).where(console_sessions.c.account_id == account_id)).rowcount

    def promote(self, token: str, now: datetime) -> str:
        """The second factor is done: a new token (no session fixation), now active."""
        session = self.find(token)
        self.end(token)
        return self.start(session.account_id, ACTIVE, now)

    def end(self, token: str | None) -> None:
        if token:
            self.conn.execute(delete(console_sessions).where(console_sessions.c.token_hash == self._hash(token)))
