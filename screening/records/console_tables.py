"""Tables for the Screener console: accounts, case review state, notes, append-only hash-chained audit log, aggregate counts kept after purge."""
from __future__ import annotations

from sqlalchemy import (
    Boolean, Column, Date, DateTime, ForeignKey, Integer, LargeBinary, String, Table, Text,
)

from .models import metadata  # noqa: F401  (tables here share the one metadata)

# Screeners, supervisors and administrators. Passwords as argon2id hashes; the TOTP
# secret encrypted like any other secret at rest.
console_accounts = Table(
    "console_accounts", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("role", String(16), nullable=False),                 # screener, supervisor, admin
    Column("password_hash", String(255), nullable=False),
    Column("totp_secret_enc", LargeBinary, nullable=False),
    Column("totp_confirmed", Boolean, nullable=False),
    Column("totp_last_step", Integer, nullable=True),           # a code is accepted once
    Column("failed_logins", Integer, nullable=False),
    Column("locked_until", DateTime, nullable=True),
    Column("created_at", DateTime, nullable=False),
    Column("last_login_at", DateTime, nullable=True),
    # An administrator turned the account off: no sign-in, no session (migration 0011).
    Column("disabled_at", DateTime, nullable=True),
    # The one-time enrolment code an administrator issued for the second factor: its SHA-256
    # only, until it expires or is used (then both are cleared).
    Column("enrolment_code_hash", String(64), nullable=True),
    Column("enrolment_expires_at", DateTime, nullable=True),
)

# Server-side sessions, found by a keyed hash of the cookie's random value.
console_sessions = Table(
    "console_sessions", metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("account_id", Integer, ForeignKey("console_accounts.id"), nullable=False, index=True),
    Column("stage", String(16), nullable=False),                # second_factor, active
    Column("created_at", DateTime, nullable=False),
    Column("last_seen_at", DateTime, nullable=False),
)

# Where a screener is with a case.
case_reviews = Table(
    "case_reviews", metadata,
    Column("screening_id", String(36), ForeignKey("screenings.id"), primary_key=True),
    Column("status", String(16), nullable=False),               # new, in_review, follow_up, closed
    Column("assigned_to", Integer, ForeignKey("console_accounts.id"), nullable=True, index=True),
    Column("completion_confirmed_by", Integer, ForeignKey("console_accounts.id"), nullable=True),
    Column("completion_confirmed_at", DateTime, nullable=True),
    Column("updated_at", DateTime, nullable=False),
)

case_notes = Table(
    "case_notes", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("screening_id", String(36), ForeignKey("screenings.id"), nullable=False, index=True),
    Column("author_id", Integer, ForeignKey("console_accounts.id"), nullable=False),
    Column("text_enc", LargeBinary, nullable=False),
    Column("created_at", DateTime, nullable=False),
)

# Append-only, hash-chained: hash = HMAC(audit key, prev_hash + canonical event).
# `key_id` names the AUDIT_KEY that signed the event (a fingerprint, not the key); events
# written before migration 0011 have none and were signed with SECRET_KEY.
# No foreign keys: events outlive the cases and accounts they name.
audit_events = Table(
    "audit_events", metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("at", DateTime, nullable=False),
    Column("actor", String(64), nullable=False),
    Column("action", String(32), nullable=False),
    Column("screening_id", String(36), nullable=True, index=True),
    Column("details", Text, nullable=False),                    # canonical JSON
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Column("key_id", String(16), nullable=True),
)

# One row (id 1): how many events there are and the last hash, updated with every
# append, so deleting the newest events is detected too.
audit_head = Table(
    "audit_head", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("count", Integer, nullable=False),
    Column("last_hash", String(64), nullable=False),
    # How many events were signed with SECRET_KEY before AUDIT_KEY existed (set once by
    # migration 0011): only those may lack a key id.
    Column("legacy_events", Integer, nullable=False, server_default="0"),
)

# Numbers that outlive purged screenings: per month, metric and key
# (e.g. 2026-11 / need / housing). Also counts completion checks.
aggregate_counts = Table(
    "aggregate_counts", metadata,
    Column("month", String(7), primary_key=True),
    Column("metric", String(32), primary_key=True),
    Column("key", String(32), primary_key=True),
    Column("count", Integer, nullable=False),
)

# What /verify needs after a completed screening has been purged: nothing else.
completion_proofs = Table(
    "completion_proofs", metadata,
    Column("completion_code", String(16), primary_key=True),
    Column("completed_on", Date, nullable=False),
    Column("citation_date", Date, nullable=True),
)
