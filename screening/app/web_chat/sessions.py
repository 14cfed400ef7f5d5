"""Web chat conversations and their sessions, over the database (no web framework here).

The server issues every id: a conversation id (128 random bits; the core's sender is
"web:<id>"), a session token the browser keeps in memory only, and a resume code the
person writes down. Only keyed hashes of the token and the code are stored.
"""
from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from ...crypto import pseudonym
from ...dialogue.replies import Reply, channel_messages
from ...records.models import screenings
from ...records.repository import Repository
from ...records.talkback_tables import web_outbox
from ...records.web_tables import web_conversations as conversations
from ...resume_codes import code_hash, new_resume_code

CHANNEL = "web"


@dataclass(frozen=True)
class Session:
    conversation_id: str
    language: str

    @property
    def sender(self) -> str:
        return f"{CHANNEL}:{self.conversation_id}"


@dataclass(frozen=True)
class Issued:
    """What the browser gets once: the token (kept in memory) and, for a new conversation, the code."""
    session: Session
    token: str
    resume_code: str | None = None


@dataclass(frozen=True)
class Position:
    step: str | None
    status: str | None
    language: str | None
    with_staff: bool = False     # a screener holds the conversation (the assistant is quiet)


class ChatSessions:
    def __init__(self, repository: Repository, idle_minutes: int):
        self.repository = repository
        self.idle = timedelta(minutes=idle_minutes)

    def _token_hash(self, token: str) -> str:
        return pseudonym(self.repository.secret_key, "web-token", token)

    def start(self, language: str, now: datetime) -> Issued:
        for _ in range(5):      # a clash of random ids or codes is astronomically rare: just draw again
            conversation_id, token, code = secrets.token_hex(16), secrets.token_urlsafe(32), new_resume_code()
            try:
                with self.repository.transaction() as unit:
                    unit.conn.execute(insert(conversations).values(
                        id=conversation_id, resume_code_hash=code_hash(self.repository.secret_key, code),
                        session_token_hash=self._token_hash(token), language=language, created_at=now,
                        session_started_at=now, last_seen_at=now, session_ended_at=None))
            except IntegrityError:
                continue
            return Issued(Session(conversation_id, language), token, code)
        raise RuntimeError("could not issue a conversation id")

    def authenticate(self, token: str, now: datetime, touch: bool = True) -> Session | None:
        """The session for a live token (and mark it used), or None: unknown, ended or idle too long.
        `touch` False: the widget asking for new messages by itself is not the person being active,
        so a chat left open on a shared computer still ends when idle."""
        if not token:
            return None
        token_hash = self._token_hash(token)
        with self.repository.transaction() as unit:
            row = unit.conn.execute(select(conversations).where(
                conversations.c.session_token_hash == token_hash)).mappings().first()
            if row is None:
                return None
            if row["last_seen_at"] + self.idle < now:
                self._end(unit.conn, row["id"], now)
                return None
            if touch:
                unit.conn.execute(update(conversations).where(conversations.c.id == row["id"])
                                  .values(last_seen_at=now))
            return Session(row["id"], row["language"])

    def end(self, token: str, now: datetime) -> bool:
        """End the session the token belongs to; the resume code keeps working."""
        if not token:
            return False
        with self.repository.transaction() as unit:
            found = unit.conn.execute(select(conversations.c.id).where(
                conversations.c.session_token_hash == self._token_hash(token))).scalar()
            if found:
                self._end(unit.conn, found, now)
            return found is not None

    @staticmethod
    def _end(conn, conversation_id: str, now: datetime) -> None:
        conn.execute(update(conversations).where(conversations.c.id == conversation_id)
                     .values(session_token_hash=None, session_ended_at=now))

    def resume(self, code: str, now: datetime) -> Issued | None:
        """A new session for the conversation with this code (the old token stops working)."""
        wanted = code_hash(self.repository.secret_key, code)
        token = secrets.token_urlsafe(32)
        with self.repository.transaction() as unit:
            row = unit.conn.execute(select(conversations).where(
                conversations.c.resume_code_hash == wanted)).mappings().first()
            if row is None:
                return None
            unit.conn.execute(update(conversations).where(conversations.c.id == row["id"]).values(
                session_token_hash=self._token_hash(token), session_started_at=now, last_seen_at=now,
                session_ended_at=None))
        return Issued(Session(row["id"], row["language"]), token)

    # ------------------------------------------------- the core's view of the person
    def position(self, session: Session) -> Position:
        """Where the person is in their screening (step, status, language), as the core stored it."""
        with self.repository.transaction() as unit:
            participant = unit.existing_participant_id(CHANNEL, session.sender)
            row = unit.latest_screening(participant) if participant else None
            with_staff = row is not None and unit.held_by(row.id) is not None
        if row is None:
            return Position(None, None, None)
        return Position(row.step, row.status, row.language, with_staff)

    def last_messages(self, session: Session) -> list[dict]:
        """The assistant's replies to the person's last message, to show again after a resume."""
        with self.repository.transaction() as unit:
            participant = unit.existing_participant_id(CHANNEL, session.sender)
            stored = unit.latest_replies(participant) if participant else None
        return channel_messages([Reply.from_dict(r) for r in stored or []], CHANNEL)

    def waiting_messages(self, session: Session, now: datetime) -> list[dict]:
        """What a screener or the assistant said outside a turn (web_outbox), not yet shown, oldest
        first, each taken for this response only: two requests at once never both get one."""
        with self.repository.transaction() as unit:
            participant = unit.existing_participant_id(CHANNEL, session.sender)
            if participant is None:
                return []
            theirs = select(screenings.c.id).where(screenings.c.participant_id == participant)
            rows = unit.conn.execute(
                select(web_outbox.c.id, web_outbox.c.sender, web_outbox.c.body_enc)
                .where(web_outbox.c.screening_id.in_(theirs), web_outbox.c.delivered_at.is_(None))
                .order_by(web_outbox.c.id).limit(50)).all()
            taken = []
            for row in rows:
                if unit.conn.execute(update(web_outbox).where(
                        web_outbox.c.id == row.id, web_outbox.c.delivered_at.is_(None))
                        .values(delivered_at=now)).rowcount == 1:
                    body = json.loads(unit.cipher.decrypt(row.body_enc))
                    taken.append({"text": body.get("text", ""), "buttons": body.get("buttons") or [],
                                  "from": "staff" if row.sender == "staff" else "assistant"})
            return taken
