"""Retention: `screening purge --older-than DAYS`.

Screenings whose last activity (completion, or the last update of an unfinished one)
is older than DAYS are deleted with everything that hangs off them: answers and free
text, need statements, the transcript, stored turns, domain results, needs, flags,
referrals, review notes and review state (any table with a foreign key to
screenings, so other parts' tables are covered too). Before deleting, their numbers
are added to `aggregate_counts` (per month started: started, consented, completed,
per need, language and channel, and positive results per domain, opened in the app) so the
dashboard keeps the history; a completed
screening keeps only its code, completion date and citation date in
`completion_proofs`, so /verify still answers for it. Each batch is one transaction
with its own audit event. Participants (a keyed hash of a channel id) are kept.

The channels' own records past the same cutoff go too: the SMS gateway's handled
inbox and finished outbox rows (encrypted bodies) and delivery statuses, ended web
chat conversations, and Rasa's tracker events (which record intents, crisis ones too),
whether Rasa keeps them in this database (PostgreSQL) or in its own SQLite file
(`rasa_tracker_url`). Console sessions that have ended (idle or past their lifetime) go
at every run.

Phone numbers: an SMS conversation with no message left and no retained screening is
deleted with its encrypted number; one whose person opted out keeps only the keyed hash
of the number and the opt-out (enough to honour STOP: the hash is what an incoming text
is matched by), and its encrypted number is erased. A person who texts again gives the
number back with their text. Participants with no screening left lose their encrypted
channel id (the keyed hash stays, so their later messages still find them).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, func, insert, inspect, or_, select, table, column, update
from sqlalchemy.engine import Connection

from . import audit
from .aggregates import add_counts, month_of
from .completion_check import local_date
from .crypto import TextCipher, pseudonym
from .records import models as m
from .records.console_tables import completion_proofs, console_sessions
from .records.db import make_engine
from .records.repository import Repository
from .records.sealing import open_result
from .records.sms_tables import (
    SENDER_PREFIX, sms_conversations, sms_delivery_statuses, sms_inbox, sms_outbox, sms_sender_id,
)
from .staff_sessions import SESSIONS, SessionPolicy
from .records.web_tables import web_conversations

FINISHED_OUTBOX = ("sent", "failed", "cancelled")
RASA_EVENTS = table("events", column("timestamp"))     # Rasa's tracker store, when it shares this database

BATCH_SIZE = 200


@dataclass
class PurgeReport:
    screenings: int = 0
    rows_deleted: Counter = field(default_factory=Counter)     # table -> rows
    counts_kept: Counter = field(default_factory=Counter)      # (metric, key) -> count

    def summary_lines(self) -> list[str]:
        lines = [f"screenings deleted: {self.screenings}"]
        lines += [f"  {table}: {rows} rows" for table, rows in sorted(self.rows_deleted.items()) if rows]
        lines.append("counts kept:")
        lines += [f"  {metric} {key}: {count}" for (metric, key), count in sorted(self.counts_kept.items())]
        return lines


def _screening_dependents() -> list:
    """(table, column) for every table that points at screenings, children before parents."""
    found = []
    for table in reversed(m.metadata.sorted_tables):
        for fk in table.foreign_keys:
            if fk.column.table is m.screenings:
                found.append((table, fk.parent))
    return found


def _counts_for(conn: Connection, cipher: TextCipher, ids: list[str]) -> Counter:
    s = m.screenings
    counts: Counter = Counter()
    for row in conn.execute(select(s.c.id, s.c.started_at, s.c.consent, s.c.status, s.c.language, s.c.channel)
                            .where(s.c.id.in_(ids))):
        month = month_of(row.started_at)
        counts[(month, "funnel", "started")] += 1
        if row.consent:
            counts[(month, "funnel", "consented")] += 1
        if row.status == "completed":
            counts[(month, "funnel", "completed")] += 1
        counts[(month, "language", row.language)] += 1
        counts[(month, "channel", row.channel)] += 1
    for started_at, category in conn.execute(select(s.c.started_at, m.needs.c.category)
                                             .join(m.needs, m.needs.c.screening_id == s.c.id)
                                             .where(s.c.id.in_(ids))):
        counts[(month_of(started_at), "need", category)] += 1
    # Positive results, opened in the app (sensitive domains are stored encrypted); only the counts stay.
    r = m.domain_results
    for row in conn.execute(select(s.c.started_at, r.c.domain, r.c.positive, r.c.complete, r.c.score, r.c.result_enc)
                            .join(r, r.c.screening_id == s.c.id).where(s.c.id.in_(ids))):
        if open_result(cipher, row).positive:
            counts[(month_of(row.started_at), "positive_domain", row.domain)] += 1
    return counts


def _keep_proofs(conn: Connection, ids: list[str]) -> None:
    s = m.screenings
    rows = conn.execute(select(s.c.completion_code, s.c.completed_at, s.c.citation_date).where(
        s.c.id.in_(ids), s.c.status == "completed", s.c.completion_code.isnot(None),
        s.c.completed_at.isnot(None))).all()
    if rows:
        conn.execute(insert(completion_proofs), [
            dict(completion_code=code, completed_on=local_date(done), citation_date=cited)
            for code, done, cited in rows])


def _purge_batch(conn: Connection, cipher: TextCipher, audit_keys: audit.AuditKeys, cutoff: datetime,
                 now: datetime, actor: str, report: PurgeReport) -> int:
    s = m.screenings
    last_activity = func.coalesce(s.c.completed_at, s.c.updated_at)
    ids = list(conn.execute(select(s.c.id).where(last_activity < cutoff).order_by(s.c.id)
                            .limit(BATCH_SIZE)).scalars())
    if not ids:
        return 0
    counts = _counts_for(conn, cipher, ids)
    add_counts(conn, counts)
    _keep_proofs(conn, ids)
    deleted: Counter = Counter()
    for table, column in _screening_dependents():
        deleted[table.name] += conn.execute(delete(table).where(column.in_(ids))).rowcount
    deleted["screenings"] = conn.execute(delete(s).where(s.c.id.in_(ids))).rowcount
    audit.append(conn, audit_keys, actor=actor, action="purge", now=now,
                 details={"screenings": len(ids), "cutoff": cutoff.isoformat(), "rows": dict(deleted)})
    report.screenings += len(ids)
    report.rows_deleted.update(deleted)
    for (_, metric, key), count in counts.items():
        report.counts_kept[(metric, key)] += count
    return len(ids)


def purge(repository: Repository, older_than_days: int, now: datetime, actor: str = "cli",
          rasa_tracker_url: str | None = None, sessions: SessionPolicy = SESSIONS) -> PurgeReport:
    """`rasa_tracker_url`: Rasa's own tracker database when it is not this one (the SQLite file)."""
    if older_than_days < 1:
        raise ValueError("--older-than must be at least 1 day")
    cutoff = now - timedelta(days=older_than_days)
    report = PurgeReport()
    while True:
        with repository.transaction() as unit:
            if not _purge_batch(unit.conn, unit.cipher, repository.audit_keys, cutoff, now, actor, report):
                break
    with repository.transaction() as unit:
        deleted = _purge_channel_records(unit.conn, cutoff)
        deleted.update(_forget_phone_numbers(unit.conn, repository.secret_key, cutoff))
        deleted["console_sessions (ended)"] = _purge_ended_sessions(unit.conn, now, sessions)
        if any(deleted.values()):
            audit.append(unit.conn, repository.audit_keys, actor=actor, action="purge.channels", now=now,
                         details={"cutoff": cutoff.isoformat(), "rows": dict(deleted)})
    report.rows_deleted.update(deleted)
    if rasa_tracker_url:
        events = _purge_rasa_tracker(rasa_tracker_url, cutoff)
        if events:
            with repository.transaction() as unit:
                audit.append(unit.conn, repository.audit_keys, actor=actor, action="purge.rasa_tracker", now=now,
                             details={"cutoff": cutoff.isoformat(), "rows": events})
        report.rows_deleted["events (Rasa)"] += events
    return report


def _forget_phone_numbers(conn: Connection, secret_key: str, cutoff: datetime) -> Counter:
    """SMS conversations quiet since before the cutoff with no retained screening: deleted, or,
    when the person opted out, kept as the keyed hash and the opt-out without the number."""
    c = sms_conversations
    quiet = conn.execute(select(c.c.id, c.c.phone_hash, c.c.opted_out).where(
        c.c.created_at < cutoff,
        c.c.id.notin_(select(sms_inbox.c.conversation_id)),
        c.c.id.notin_(select(sms_outbox.c.conversation_id)),
        or_(c.c.opted_out.is_(False), c.c.phone_enc.isnot(None)))).all()
    retained = set(conn.execute(select(m.participants.c.sender_hash).join(
        m.screenings, m.screenings.c.participant_id == m.participants.c.id)
        .where(m.participants.c.channel == SENDER_PREFIX.rstrip(":"))).scalars())
    done: Counter = Counter()
    for row in quiet:
        if pseudonym(secret_key, SENDER_PREFIX.rstrip(":"), sms_sender_id(row.phone_hash)) in retained:
            continue
        if row.opted_out:
            done["sms_conversations (number erased, opt-out kept)"] += conn.execute(
                update(c).where(c.c.id == row.id).values(phone_enc=None, lease_owner=None, lease_until=None)).rowcount
        else:
            done["sms_conversations"] += conn.execute(delete(c).where(c.c.id == row.id)).rowcount
    done["participants (channel id erased)"] = conn.execute(update(m.participants).where(
        m.participants.c.sender_enc.isnot(None), m.participants.c.created_at < cutoff,
        m.participants.c.id.notin_(select(m.screenings.c.participant_id))).values(sender_enc=None)).rowcount
    return done


def _purge_ended_sessions(conn: Connection, now: datetime, sessions: SessionPolicy) -> int:
    """Console sessions that can no longer be used: idle too long or past their lifetime."""
    return conn.execute(delete(console_sessions).where(or_(
        console_sessions.c.last_seen_at < now - sessions.idle,
        console_sessions.c.created_at < now - sessions.lifetime))).rowcount


def _purge_rasa_tracker(url: str, cutoff: datetime) -> int:
    """Rasa's events older than the cutoff in its own tracker database."""
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            if not inspect(conn).has_table("events"):
                return 0
            epoch_cutoff = cutoff.replace(tzinfo=timezone.utc).timestamp()
            return conn.execute(delete(RASA_EVENTS).where(RASA_EVENTS.c.timestamp < epoch_cutoff)).rowcount
    finally:
        engine.dispose()


def _purge_channel_records(conn: Connection, cutoff: datetime) -> Counter:
    """The SMS gateway's and web chat's own rows, and Rasa's events, older than the cutoff."""
    deleted: Counter = Counter()
    deleted["sms_outbox"] = conn.execute(delete(sms_outbox).where(
        sms_outbox.c.created_at < cutoff, sms_outbox.c.status.in_(FINISHED_OUTBOX))).rowcount
    still_referenced = select(sms_outbox.c.inbox_id).where(sms_outbox.c.inbox_id.isnot(None))
    deleted["sms_inbox"] = conn.execute(delete(sms_inbox).where(
        sms_inbox.c.received_at < cutoff, sms_inbox.c.status == "done",
        sms_inbox.c.id.notin_(still_referenced))).rowcount
    deleted["sms_delivery_statuses"] = conn.execute(delete(sms_delivery_statuses).where(
        sms_delivery_statuses.c.updated_at < cutoff)).rowcount
    deleted["web_conversations"] = conn.execute(delete(web_conversations).where(
        web_conversations.c.last_seen_at < cutoff)).rowcount
    if inspect(conn).has_table("events"):
        epoch_cutoff = cutoff.replace(tzinfo=timezone.utc).timestamp()
        deleted["events (Rasa)"] = conn.execute(delete(RASA_EVENTS).where(
            RASA_EVENTS.c.timestamp < epoch_cutoff)).rowcount
    return deleted
