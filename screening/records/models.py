"""The database schema (SQLAlchemy 2.0 style on 1.4). Alembic migrations in
`screening/migrations/` create it; tests compare the two.

Identifiers and free text are stored encrypted (`*_enc` columns); a person is
found by a keyed hash of their channel id, never by the id itself. The answers to the
sensitive items, the results of the domains that score them and every flag's details are
stored only encrypted too (screening/records/sealing.py): for those rows the clear columns
are empty.
"""
from __future__ import annotations


from sqlalchemy import (
    JSON, Boolean, Column, Date, DateTime, Float, ForeignKey, Index, Integer, LargeBinary, MetaData,
    String, Table, Text, UniqueConstraint,
)

metadata = MetaData(naming_convention={
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})

participants = Table(
    "participants", metadata,
    Column("id", String(36), primary_key=True),
    Column("sender_hash", String(64), nullable=False, unique=True),
    Column("channel", String(16), nullable=False),
    Column("created_at", DateTime(timezone=False), nullable=False),
    # The channel's id for the person ("sms:" + keyed hash of the number, "web:" + the web chat's
    # conversation id), encrypted: how a screener's reply finds its way back (screening/talkback.py).
    Column("sender_enc", LargeBinary, nullable=True),
)

screenings = Table(
    "screenings", metadata,
    Column("id", String(36), primary_key=True),
    Column("participant_id", String(36), ForeignKey("participants.id"), nullable=False, index=True),
    Column("status", String(16), nullable=False),          # started, paused, completed, stopped
    Column("consent", Boolean, nullable=True),
    Column("language", String(8), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("instrument_id", String(64), nullable=False),
    Column("instrument_version", String(128), nullable=False),
    Column("step", String(64), nullable=False),            # where the conversation is
    Column("state", JSON, nullable=False),                 # small working state (history, counters)
    Column("citation_date", Date, nullable=True),
    Column("deadline", Date, nullable=True),
    Column("location_zip", String(5), nullable=True),
    Column("location_town", String(64), nullable=True),
    Column("contact_preference", String(16), nullable=True),
    Column("contact_detail_enc", LargeBinary, nullable=True),
    Column("completion_code", String(16), nullable=True, unique=True),
    Column("started_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Column("completed_at", DateTime, nullable=True),
    # May we remind this person (screening/reminders.py)? None: not asked; they change it any
    # time with REMINDERS ON / REMINDERS OFF.
    Column("reminders_opt_in", Boolean, nullable=True),
)

answers = Table(
    "answers", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("screening_id", String(36), ForeignKey("screenings.id"), nullable=False),
    Column("item_id", String(32), nullable=False),
    Column("version", Integer, nullable=False),            # 1, then 2 when the person changes it
    Column("option_ids", JSON, nullable=False),            # list of option ids, empty when skipped or sealed
    Column("free_text_enc", LargeBinary, nullable=True),   # what they typed, encrypted, capped
    Column("skipped", Boolean, nullable=False),
    Column("skip_reason", String(32), nullable=True),     # skip, dont_know, block_declined
    Column("language", String(8), nullable=False),
    Column("answered_at", DateTime, nullable=False),
    # A sensitive item's option ids and skip reason, encrypted (option_ids then empty, skip_reason NULL).
    Column("answer_enc", LargeBinary, nullable=True),
    UniqueConstraint("screening_id", "item_id", "version", name="uq_answers_screening_item_version"),
)

domain_results = Table(
    "domain_results", metadata,
    Column("screening_id", String(36), ForeignKey("screenings.id"), primary_key=True),
    Column("domain", String(32), primary_key=True),
    Column("need", String(32), nullable=False),
    Column("positive", Boolean, nullable=True),
    Column("complete", Boolean, nullable=True),            # NULL only when sealed
    Column("score", Integer, nullable=True),
    Column("computed_at", DateTime, nullable=False),
    # A sensitive domain's positive, complete and score, encrypted (the three clear columns then NULL).
    Column("result_enc", LargeBinary, nullable=True),
)

needs = Table(
    "needs", metadata,
    Column("screening_id", String(36), ForeignKey("screenings.id"), primary_key=True),
    Column("rank", Integer, primary_key=True),
    Column("category", String(32), nullable=False),
    Column("created_at", DateTime, nullable=False),
)

need_statements = Table(
    "need_statements", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("screening_id", String(36), ForeignKey("screenings.id"), nullable=False, index=True),
    Column("text_enc", LargeBinary, nullable=False),       # the person's own words
    Column("created_at", DateTime, nullable=False),
)

flags = Table(
    "flags", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("screening_id", String(36), ForeignKey("screenings.id"), nullable=False, index=True),
    Column("kind", String(32), nullable=False),            # crisis, person_requested
    Column("reason", String(32), nullable=True),           # crisis: self_harm, overdose, violence, medical
                                                           # (older rows: phq9_item9, message); asked.
                                                           # NULL when sealed (details_enc)
    Column("created_at", DateTime, nullable=False),
    Column("resolved_at", DateTime, nullable=True),
    Column("step", String(64), nullable=True),             # where the person was: item:ahc_7, needs, done
    # The on-call alert for a crisis flag (CRISIS_ALERT_WEBHOOK_URL): when it was accepted, and
    # the claim/backoff state that keeps app processes from sending one flag twice.
    Column("alerted_at", DateTime, nullable=True),
    Column("alert_attempts", Integer, nullable=True),
    Column("alert_next_attempt_at", DateTime, nullable=True),
    # The reason and step, encrypted (the two clear columns then NULL); the kind stays in clear
    # so crisis cases come first in the console and the on-call alert finds them.
    Column("details_enc", LargeBinary, nullable=True),
)

messages = Table(
    "messages", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("screening_id", String(36), ForeignKey("screenings.id"), nullable=False),
    Column("turn_id", Integer, ForeignKey("turns.id"), nullable=True),
    Column("direction", String(3), nullable=False),        # in, out
    Column("channel", String(16), nullable=False),
    Column("body_enc", LargeBinary, nullable=False),
    Column("created_at", DateTime, nullable=False),
    # Who wrote an outgoing line: a screener's account, or none for the assistant.
    Column("author_id", Integer, ForeignKey("console_accounts.id"), nullable=True),
    # A person's message that arrived while a screener held the conversation (it went to them,
    # not to the assistant), and when a screener first read it (unread counts in the console).
    Column("to_staff", Boolean, nullable=True),
    Column("staff_read_at", DateTime, nullable=True),
    Index("ix_messages_screening_time", "screening_id", "id"),
)

# What the person was shown: each referral with its need, rank and reason.
referrals = Table(
    "referrals", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("screening_id", String(36), ForeignKey("screenings.id"), nullable=False, index=True),
    Column("need", String(32), nullable=False),
    Column("rank", Integer, nullable=False),
    Column("service_id", String(255), nullable=True),      # the directory's id; none for a built-in line
    Column("location_id", String(255), nullable=True),
    Column("name", Text, nullable=False),
    Column("town", String(128), nullable=True),
    Column("phone", String(64), nullable=True),
    Column("miles", Float, nullable=True),
    Column("reason", Text, nullable=False),                # as the person read it
    Column("shown_at", DateTime, nullable=False),
    # What the person said at the check-in a week later: reached, not_reached, other_help.
    Column("outcome", String(16), nullable=True),
    Column("outcome_at", DateTime, nullable=True),
)

# One row per incoming message, keyed by the channel's message id: a message
# that arrives twice (a retry after a crash) gets the stored reply again and is
# never processed twice.
turns = Table(
    "turns", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("participant_id", String(36), ForeignKey("participants.id"), nullable=False),
    Column("message_key", String(128), nullable=False),
    Column("screening_id", String(36), ForeignKey("screenings.id"), nullable=True),
    Column("replies_enc", LargeBinary, nullable=False),
    Column("created_at", DateTime, nullable=False),
    UniqueConstraint("participant_id", "message_key", name="uq_turns_participant_message"),
)




# The app's tables live beside the core's, one module per part of the app, on this metadata.
from . import console_tables, reminder_tables, sms_tables, talkback_tables, web_tables  # noqa: E402,F401
