"""The reminder schedule (screening/reminders.py): nudges to finish a paused or abandoned
screening, and check-ins a week after completion about each top need's referral.

One row per message that may be sent. The app's worker claims due rows with a lease
(`lease_owner`, `lease_until`), like the SMS gateway's inbox: a process that stops
between claiming and sending leaves the lease to run out, and another one sends it
then; the send and the `sent` mark are one transaction, so a row is sent once. Rows
hold no message text: the words are made at send time, in the person's language.
"""
from __future__ import annotations

from sqlalchemy import Column, DateTime, ForeignKey, Index, Integer, String, Table

from .models import metadata

reminders = Table(
    "reminders", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("screening_id", String(36), ForeignKey("screenings.id"), nullable=False, index=True),
    Column("kind", String(16), nullable=False),               # nudge, check_in
    Column("referral_id", Integer, ForeignKey("referrals.id"), nullable=True),   # check_in: which one
    Column("due_at", DateTime, nullable=False),
    # scheduled, sending (claimed), sent, skipped (missed or no longer useful), cancelled
    Column("status", String(16), nullable=False),
    Column("reason", String(32), nullable=True),              # why skipped or cancelled
    Column("lease_owner", String(36), nullable=True),
    Column("lease_until", DateTime, nullable=True),
    Column("attempts", Integer, nullable=False),
    Column("channel", String(8), nullable=True),              # where it went: sms, web
    Column("created_at", DateTime, nullable=False),
    Column("sent_at", DateTime, nullable=True),
    Column("settled_at", DateTime, nullable=True),            # skipped or cancelled at
    Index("ix_reminders_status_due", "status", "due_at"),
)

REMINDER_TABLES = (reminders,)
