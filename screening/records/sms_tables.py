"""Tables for the SMS gateway: inbox (one row per Twilio MessageSid), conversations (keyed phone hash, encrypted number, opt-out), ordered outbox and delivery statuses.

No phone number or message body is stored in clear: a conversation is found by a
keyed hash of the number, the number itself is kept encrypted to reply, and bodies
are encrypted.
"""
from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Index, Integer, LargeBinary, String, Table

from .models import metadata  # noqa: F401  (tables here share the one metadata)

sms_conversations = Table(
    "sms_conversations", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("phone_hash", String(64), nullable=False, unique=True),
    Column("phone_enc", LargeBinary, nullable=True),         # erased past retention (opt-outs keep the hash)
    Column("opted_out", Boolean, nullable=False),
    Column("opted_out_at", DateTime, nullable=True),
    Column("lease_owner", String(36), nullable=True),       # the worker handling its inbox now
    Column("lease_until", DateTime, nullable=True),
    Column("created_at", DateTime, nullable=False),
)

# One row per inbound message; a Twilio retry of the same MessageSid is not a new row.
sms_inbox = Table(
    "sms_inbox", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("message_sid", String(64), nullable=False, unique=True),
    Column("conversation_id", Integer, ForeignKey("sms_conversations.id"), nullable=False),
    Column("body_enc", LargeBinary, nullable=False),
    Column("num_media", Integer, nullable=False),
    Column("received_at", DateTime, nullable=False),
    Column("status", String(16), nullable=False),            # pending, done
    Column("outcome", String(24), nullable=True),            # dialogue, opt_out, opt_in, help, no_text, ignored_opted_out
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", DateTime, nullable=True),
    Column("last_error", String(64), nullable=True),
    Column("processed_at", DateTime, nullable=True),
    Index("ix_sms_inbox_conversation_status", "conversation_id", "status", "id"),
)

# Replies, in order per conversation (by id); one row per text message.
sms_outbox = Table(
    "sms_outbox", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("conversation_id", Integer, ForeignKey("sms_conversations.id"), nullable=False),
    Column("inbox_id", Integer, ForeignKey("sms_inbox.id"), nullable=True),
    Column("body_enc", LargeBinary, nullable=False),
    Column("encoding", String(8), nullable=False),           # GSM-7, UCS-2
    Column("segments", Integer, nullable=False),             # ours, then Twilio's count once sent
    Column("status", String(16), nullable=False),            # queued, sending, sent, failed, cancelled
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", DateTime, nullable=True),
    Column("sending_since", DateTime, nullable=True),
    Column("last_error", String(64), nullable=True),
    Column("twilio_sid", String(64), nullable=True, unique=True),
    Column("created_at", DateTime, nullable=False),
    Column("sent_at", DateTime, nullable=True),
    # The worker id (APP_WORKER_ID) of the process sending it: a restarted process with the same
    # id settles its predecessor's interrupted sends at once (migration 0014).
    Column("sending_owner", String(36), nullable=True),
    Index("ix_sms_outbox_conversation_status", "conversation_id", "status", "id"),
)

# Twilio's delivery callbacks, one row per message sid; a status never moves backwards.
sms_delivery_statuses = Table(
    "sms_delivery_statuses", metadata,
    Column("message_sid", String(64), primary_key=True),
    Column("status", String(16), nullable=False),
    Column("error_code", String(16), nullable=True),
    Column("updated_at", DateTime, nullable=False),
)

SMS_TABLES = (sms_conversations, sms_inbox, sms_outbox, sms_delivery_statuses)

# The dialogue knows a texting person as "sms:" + the keyed hash of their number, never the number.
SENDER_PREFIX = "sms:"


def sms_sender_id(phone_hash: str) -> str:
    return f"{SENDER_PREFIX}{phone_hash}"


def phone_hash_of(sender_id: str) -> str | None:
    """The conversation's phone hash for an SMS sender id; None for any other sender."""
    return sender_id[len(SENDER_PREFIX):] if sender_id.startswith(SENDER_PREFIX) else None
