"""The gateway's records: conversations, the inbox, the outbox and delivery statuses.

Every method is one short transaction (synchronous SQLAlchemy; the async parts call
them in a thread). Phone numbers and bodies are encrypted; a conversation is found
by a keyed hash of the number.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from ...crypto import pseudonym
from ...records.repository import Repository
from ...records.sms_tables import (
    sms_conversations, sms_delivery_statuses, sms_inbox, sms_outbox, sms_sender_id,
)
from ...sms_text import SmsPart

CHANNEL = "sms"
# How far each Twilio status is along; a callback never moves a message backwards.
DELIVERY_RANK = {"accepted": 1, "scheduled": 1, "queued": 1, "sending": 2, "sent": 3,
                 "delivered": 4, "undelivered": 4, "failed": 4, "canceled": 4, "read": 5}


@dataclass(frozen=True)
class PendingMessage:
    inbox_id: int
    message_sid: str
    conversation_id: int
    sender: str          # the dialogue's id for the person: "sms:" + keyed hash, never the number
    body: str
    num_media: int
    attempts: int
    next_attempt_at: datetime | None
    opted_out: bool


@dataclass(frozen=True)
class Outgoing:
    id: int
    conversation_id: int
    phone: str
    body: str
    attempts: int
    created_at: datetime


def _insert_ignoring_duplicates(conn, table, values: dict) -> int:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return conn.execute(dialect.insert(table).values(**values).on_conflict_do_nothing()).rowcount


class SmsStore:
    def __init__(self, repository: Repository):
        self.repository = repository
        self.cipher = repository.cipher

    def phone_hash(self, phone: str) -> str:
        return pseudonym(self.repository.secret_key, CHANNEL, phone)

    # ------------------------------------------------------------------ inbox
    def receive(self, *, message_sid: str, phone: str, body: str, num_media: int, now: datetime) -> bool:
        """Store an inbound message once; False when this MessageSid was stored before."""
        phone_hash = self.phone_hash(phone)
        with self.repository.transaction() as unit:
            conn = unit.conn
            _insert_ignoring_duplicates(conn, sms_conversations, dict(
                phone_hash=phone_hash, phone_enc=self.cipher.encrypt(phone), opted_out=False, created_at=now))
            conversation_id = conn.execute(select(sms_conversations.c.id)
                                           .where(sms_conversations.c.phone_hash == phone_hash)).scalar_one()
            # Retention erased the number of an old (opted-out) conversation: the text brings it back.
            conn.execute(update(sms_conversations).where(sms_conversations.c.id == conversation_id,
                                                         sms_conversations.c.phone_enc.is_(None))
                         .values(phone_enc=self.cipher.encrypt(phone)))
            return _insert_ignoring_duplicates(conn, sms_inbox, dict(
                message_sid=message_sid, conversation_id=conversation_id, body_enc=self.cipher.encrypt(body),
                num_media=num_media, received_at=now, status="pending", attempts=0)) == 1

    def claim_conversations(self, owner: str, now: datetime, lease: timedelta, limit: int) -> list[int]:
        """Conversations with a message waiting, leased to `owner` (replicas skip each other's)."""
        due = or_(sms_inbox.c.next_attempt_at.is_(None), sms_inbox.c.next_attempt_at <= now)
        waiting = select(sms_inbox.c.conversation_id).where(sms_inbox.c.status == "pending", due)
        oldest = (select(func.min(sms_inbox.c.id))
                  .where(sms_inbox.c.conversation_id == sms_conversations.c.id, sms_inbox.c.status == "pending")
                  .scalar_subquery())
        free = or_(sms_conversations.c.lease_until.is_(None), sms_conversations.c.lease_until < now)
        with self.repository.transaction() as unit:
            ids = list(unit.conn.execute(
                select(sms_conversations.c.id).where(sms_conversations.c.id.in_(waiting), free)
                .order_by(oldest).limit(limit).with_for_update(skip_locked=True)).scalars())
            if ids:
                unit.conn.execute(update(sms_conversations).where(sms_conversations.c.id.in_(ids))
                                  .values(lease_owner=owner, lease_until=now + lease))
        return ids

    def release_all(self, owner: str) -> int:
        """Give up every lease held under `owner`: a restarted process with its predecessor's id
        takes the conversations back at once (the predecessor is gone, its work half-done)."""
        with self.repository.transaction() as unit:
            return unit.conn.execute(update(sms_conversations).where(sms_conversations.c.lease_owner == owner)
                                     .values(lease_owner=None, lease_until=None)).rowcount

    def release(self, conversation_id: int, owner: str) -> None:
        with self.repository.transaction() as unit:
            unit.conn.execute(update(sms_conversations).where(and_(
                sms_conversations.c.id == conversation_id, sms_conversations.c.lease_owner == owner))
                .values(lease_owner=None, lease_until=None))

    def oldest_pending(self, conversation_id: int) -> PendingMessage | None:
        with self.repository.transaction() as unit:
            row = unit.conn.execute(
                select(sms_inbox, sms_conversations.c.phone_hash, sms_conversations.c.opted_out)
                .join(sms_conversations, sms_conversations.c.id == sms_inbox.c.conversation_id)
                .where(sms_inbox.c.conversation_id == conversation_id, sms_inbox.c.status == "pending")
                .order_by(sms_inbox.c.id).limit(1)).mappings().first()
        if row is None:
            return None
        return PendingMessage(
            inbox_id=row["id"], message_sid=row["message_sid"], conversation_id=conversation_id,
            sender=sms_sender_id(row["phone_hash"]), body=self.cipher.decrypt(row["body_enc"]) or "",
            num_media=row["num_media"], attempts=row["attempts"], next_attempt_at=row["next_attempt_at"],
            opted_out=row["opted_out"])

    def postpone(self, inbox_id: int, *, next_attempt_at: datetime, error: str) -> None:
        with self.repository.transaction() as unit:
            unit.conn.execute(update(sms_inbox).where(sms_inbox.c.id == inbox_id).values(
                attempts=sms_inbox.c.attempts + 1, next_attempt_at=next_attempt_at, last_error=error[:64]))

    def complete(self, message: PendingMessage, *, outcome: str, parts: list[SmsPart],
                 opted_out: bool | None, now: datetime) -> bool:
        """Mark the message done and queue its replies, in one transaction; False if it was done already."""
        with self.repository.transaction() as unit:
            conn = unit.conn
            done = conn.execute(update(sms_inbox).where(and_(
                sms_inbox.c.id == message.inbox_id, sms_inbox.c.status == "pending")).values(
                status="done", outcome=outcome, processed_at=now, attempts=sms_inbox.c.attempts + 1)).rowcount
            if done != 1:
                return False
            if opted_out is not None:
                self._set_opted_out(conn, message.conversation_id, opted_out, now)
            if parts:
                conn.execute(insert(sms_outbox), [dict(
                    conversation_id=message.conversation_id, inbox_id=message.inbox_id,
                    body_enc=self.cipher.encrypt(p.body), encoding=p.encoding, segments=p.segments,
                    status="queued", attempts=0, created_at=now) for p in parts])
            return True

    @staticmethod
    def _set_opted_out(conn, conversation_id: int, opted_out: bool, now: datetime) -> None:
        conn.execute(update(sms_conversations).where(sms_conversations.c.id == conversation_id).values(
            opted_out=opted_out, opted_out_at=now if opted_out else None))
        if opted_out:   # nothing more is sent: replies not yet sent are withdrawn
            conn.execute(update(sms_outbox).where(and_(
                sms_outbox.c.conversation_id == conversation_id, sms_outbox.c.status == "queued"))
                .values(status="cancelled"))

    def language(self, sender: str) -> str:
        """The language of the person's latest screening in the core ("en" before there is one)."""
        with self.repository.transaction() as unit:
            participant = unit.existing_participant_id(CHANNEL, sender)
            latest = unit.latest_screening(participant) if participant else None
        return latest.language if latest else "en"

    # ----------------------------------------------------------------- outbox
    def claim_sends(self, now: datetime, limit: int, owner: str | None = None) -> list[Outgoing]:
        """The first unsent message of each conversation, when it is due, marked `sending`.

        A conversation whose first unsent message is already `sending` (in flight or
        waiting for reconciliation) sends nothing more until that one is settled.
        """
        unsent = (select(sms_outbox.c.conversation_id, func.min(sms_outbox.c.id).label("first"))
                  .where(sms_outbox.c.status.in_(("queued", "sending")))
                  .group_by(sms_outbox.c.conversation_id).subquery())
        due = or_(sms_outbox.c.next_attempt_at.is_(None), sms_outbox.c.next_attempt_at <= now)
        claimed: list[Outgoing] = []
        with self.repository.transaction() as unit:
            conn = unit.conn
            rows = conn.execute(
                select(sms_outbox, sms_conversations.c.phone_enc)
                .join(unsent, unsent.c.first == sms_outbox.c.id)
                .join(sms_conversations, sms_conversations.c.id == sms_outbox.c.conversation_id)
                .where(sms_outbox.c.status == "queued", due, sms_conversations.c.opted_out.is_(False))
                .order_by(sms_outbox.c.id).limit(limit)).mappings().all()
            for row in rows:
                taken = conn.execute(update(sms_outbox).where(and_(
                    sms_outbox.c.id == row["id"], sms_outbox.c.status == "queued")).values(
                    status="sending", sending_since=now, sending_owner=owner,
                    attempts=sms_outbox.c.attempts + 1)).rowcount
                if taken:
                    claimed.append(self._outgoing(row, row["attempts"] + 1))
        return claimed

    def _outgoing(self, row, attempts: int) -> Outgoing:
        return Outgoing(id=row["id"], conversation_id=row["conversation_id"],
                        phone=self.cipher.decrypt(row["phone_enc"]), body=self.cipher.decrypt(row["body_enc"]),
                        attempts=attempts, created_at=row["created_at"])

    def stale_sending(self, older_than: datetime) -> list[Outgoing]:
        """Messages left `sending` by a process that stopped between marking and recording the send."""
        with self.repository.transaction() as unit:
            rows = unit.conn.execute(
                select(sms_outbox, sms_conversations.c.phone_enc)
                .join(sms_conversations, sms_conversations.c.id == sms_outbox.c.conversation_id)
                .where(sms_outbox.c.status == "sending", sms_outbox.c.sending_since < older_than)
                .order_by(sms_outbox.c.id)).mappings().all()
            return [self._outgoing(row, row["attempts"]) for row in rows]

    def interrupted_sends(self, owner: str) -> list[Outgoing]:
        """Messages left `sending` under `owner` by a process that has since stopped."""
        with self.repository.transaction() as unit:
            rows = unit.conn.execute(
                select(sms_outbox, sms_conversations.c.phone_enc)
                .join(sms_conversations, sms_conversations.c.id == sms_outbox.c.conversation_id)
                .where(sms_outbox.c.status == "sending", sms_outbox.c.sending_owner == owner)
                .order_by(sms_outbox.c.id)).mappings().all()
            return [self._outgoing(row, row["attempts"]) for row in rows]

    def known_sids(self, sids: list[str]) -> set[str]:
        if not sids:
            return set()
        with self.repository.transaction() as unit:
            return set(unit.conn.execute(select(sms_outbox.c.twilio_sid)
                                         .where(sms_outbox.c.twilio_sid.in_(sids))).scalars())

    def mark_sent(self, outbox_id: int, *, sid: str, segments: int | None, now: datetime) -> None:
        values = dict(status="sent", twilio_sid=sid, sent_at=now, next_attempt_at=None, last_error=None,
                      sending_owner=None)
        if segments:
            values["segments"] = segments
        with self.repository.transaction() as unit:
            unit.conn.execute(update(sms_outbox).where(sms_outbox.c.id == outbox_id).values(**values))

    def mark_retry(self, outbox_id: int, *, next_attempt_at: datetime, error: str) -> None:
        with self.repository.transaction() as unit:
            unit.conn.execute(update(sms_outbox).where(sms_outbox.c.id == outbox_id).values(
                status="queued", sending_since=None, sending_owner=None, next_attempt_at=next_attempt_at,
                last_error=error[:64]))

    def mark_failed(self, outbox_id: int, *, error: str) -> None:
        with self.repository.transaction() as unit:
            unit.conn.execute(update(sms_outbox).where(sms_outbox.c.id == outbox_id).values(
                status="failed", sending_since=None, sending_owner=None, next_attempt_at=None,
                last_error=error[:64]))

    # --------------------------------------------------------- delivery status
    def record_status(self, sid: str, status: str, error_code: str | None, now: datetime) -> bool:
        """Record a delivery callback; False when it would move the message backwards (ignored)."""
        rank = DELIVERY_RANK.get(status, 0)
        for _ in range(2):
            try:
                with self.repository.transaction() as unit:
                    current = unit.conn.execute(
                        select(sms_delivery_statuses.c.status)
                        .where(sms_delivery_statuses.c.message_sid == sid).with_for_update()).scalar()
                    if current is None:
                        unit.conn.execute(insert(sms_delivery_statuses).values(
                            message_sid=sid, status=status, error_code=error_code, updated_at=now))
                        return True
                    if rank <= DELIVERY_RANK.get(current, 0):
                        return False
                    unit.conn.execute(update(sms_delivery_statuses)
                                      .where(sms_delivery_statuses.c.message_sid == sid)
                                      .values(status=status, error_code=error_code, updated_at=now))
                    return True
            except IntegrityError:
                continue    # the first callback for this sid arrived twice at once: read the winner
        return False


def new_owner() -> str:
    return str(uuid.uuid4())
