"""Purge: old screenings go, their numbers and completion proofs stay."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from screening import audit
from screening.accounts import AccountStore
from screening.casework import add_note
from screening.completion_check import check_code
from screening.records.models import answers
from screening.program_figures import program_figures
from screening.retention import purge
from tests.conftest import AUDIT_KEY, SECRET_KEY

from .console_people import XSS_WORDS, screen

CONTENT_TABLES = ("answers", "need_statements", "messages", "turns", "domain_results", "needs", "flags",
                  "referrals", "case_notes", "screenings")


def rows(repository, table: str) -> int:
    with repository.transaction() as unit:
        return unit.conn.exec_driver_sql(f"SELECT count(*) FROM {table} WHERE "
                                         + ("screening_id IS NOT NULL" if table == "turns" else "1=1")).scalar()


def test_purge_deletes_old_screenings_and_keeps_counts_and_proofs(engine, repository, clock):
    screen(engine, "old", needs=XSS_WORDS)
    with repository.transaction() as unit:
        code = unit.conn.exec_driver_sql("SELECT completion_code FROM screenings").scalar()
        sid = unit.conn.exec_driver_sql("SELECT id FROM screenings").scalar()
        author = AccountStore(unit.conn, unit.cipher).add("sam", "screener", "a long password here", clock.now)
        add_note(unit.conn, unit.cipher, sid, author.id, "a note", clock.now)
    clock.now += timedelta(days=200)
    screen(engine, "recent", needs="food", complete=False)
    before = {table: rows(repository, table) for table in CONTENT_TABLES}
    with repository.transaction() as unit:
        figures_before = program_figures(unit.conn, unit.cipher)

    report = purge(repository, older_than_days=180, now=clock.now)

    assert report.screenings == 1
    assert report.counts_kept[("funnel", "completed")] == 1 and report.counts_kept[("need", "housing")] == 1
    after = {table: rows(repository, table) for table in CONTENT_TABLES}
    assert after["screenings"] == 1 and after["case_notes"] == 0 and after["need_statements"] == before["need_statements"] - 1
    assert all(after[t] < before[t] for t in ("answers", "messages", "screenings", "needs"))
    with repository.transaction() as unit:
        figures_after = program_figures(unit.conn, unit.cipher)
        leftover = unit.conn.execute(select(func.count()).select_from(answers)
                                     .where(answers.c.screening_id == sid)).scalar()
        proof = check_code(unit.conn, code, clock.now)
        chain = audit.verify(unit.conn, AUDIT_KEY)
        event = next(e for e in audit.recent(unit.conn, limit=5) if e.action == "purge")
    assert leftover == 0
    assert figures_after.funnel == figures_before.funnel          # history kept as counts
    assert dict(figures_after.needs) == dict(figures_before.needs)
    assert dict(figures_after.languages) == dict(figures_before.languages)
    assert proof.valid and str(proof.citation_date) == "2026-11-03"
    assert chain.intact and event.action == "purge" and event.details["screenings"] == 1
    assert "screenings deleted: 1" in report.summary_lines()


def test_purge_with_nothing_old_changes_nothing(engine, repository, clock):
    screen(engine, "recent")
    report = purge(repository, older_than_days=30, now=clock.now)
    assert report.screenings == 0 and rows(repository, "screenings") == 1


def test_purge_refuses_less_than_a_day(repository, clock):
    with pytest.raises(ValueError, match="at least 1 day"):
        purge(repository, older_than_days=0, now=clock.now)


def test_purge_also_deletes_the_channels_old_records_but_keeps_opt_outs_and_work_in_progress(repository, clock):
    from datetime import timezone

    from sqlalchemy import insert

    from screening.records.sms_tables import sms_conversations, sms_delivery_statuses, sms_inbox, sms_outbox
    from screening.records.web_tables import web_conversations

    old, recent = clock.now - timedelta(days=100), clock.now - timedelta(days=2)
    with repository.transaction() as unit:
        conn, secret = unit.conn, unit.cipher.encrypt
        conversation = conn.execute(insert(sms_conversations).values(
            phone_hash="hash", phone_enc=secret("+16175551234"), opted_out=True, created_at=old)).inserted_primary_key[0]
        for sid, when, status in (("SMold", old, "done"), ("SMpending", old, "pending"), ("SMnew", recent, "done")):
            inbox_id = conn.execute(insert(sms_inbox).values(
                message_sid=sid, conversation_id=conversation, body_enc=secret("my words"), num_media=0,
                received_at=when, status=status, attempts=0)).inserted_primary_key[0]
            conn.execute(insert(sms_outbox).values(
                conversation_id=conversation, inbox_id=inbox_id, body_enc=secret("reply"), encoding="GSM-7",
                segments=1, status="sent" if status == "done" else "queued", attempts=1, created_at=when,
                twilio_sid=f"SM-out-{sid}"))
            conn.execute(insert(sms_delivery_statuses).values(message_sid=f"SM-out-{sid}", status="delivered",
                                                              updated_at=when))
        for conversation_id, when in (("oldchat", old), ("newchat", recent)):
            conn.execute(insert(web_conversations).values(
                id=conversation_id, resume_code_hash=f"code-{conversation_id}", language="en", created_at=when,
                session_started_at=when, last_seen_at=when))
        # Rasa's tracker store in the same database (as on PostgreSQL): events carry epoch timestamps.
        conn.exec_driver_sql("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255), timestamp FLOAT)")
        for n, when in enumerate((old, recent)):
            conn.exec_driver_sql(f"INSERT INTO events VALUES ({n + 1}, 'web:x', "
                                 f"{when.replace(tzinfo=timezone.utc).timestamp()})")

    report = purge(repository, older_than_days=30, now=clock.now)

    with repository.transaction() as unit:
        left = {name: unit.conn.exec_driver_sql(query).scalars().all() for name, query in {
            "inbox": "SELECT message_sid FROM sms_inbox ORDER BY message_sid",
            "outbox": "SELECT twilio_sid FROM sms_outbox ORDER BY twilio_sid",
            "statuses": "SELECT message_sid FROM sms_delivery_statuses ORDER BY message_sid",
            "web": "SELECT id FROM web_conversations",
            "events": "SELECT id FROM events",
            "opted_out": "SELECT opted_out FROM sms_conversations"}.items()}
        unit.conn.exec_driver_sql("DROP TABLE events")
    assert left["inbox"] == ["SMnew", "SMpending"]              # work in progress is never purged
    assert left["outbox"] == ["SM-out-SMnew", "SM-out-SMpending"]
    assert left["statuses"] == ["SM-out-SMnew"]
    assert left["web"] == ["newchat"] and left["events"] == [2]
    assert left["opted_out"] == [True]                          # STOP holds for good
    assert report.rows_deleted["sms_inbox"] == 1 and report.rows_deleted["events (Rasa)"] == 1


def test_purge_also_clears_rasas_own_tracker_file(repository, clock, tmp_path):
    """With SQLite, Rasa's working memory is its own file: its events (crisis intents among them)
    past the cutoff go in the same run."""
    import sqlite3
    from datetime import timezone

    tracker = tmp_path / "rasa_tracker.db"
    old, recent = clock.now - timedelta(days=100), clock.now - timedelta(days=2)
    with sqlite3.connect(tracker) as db:
        db.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255), type_name VARCHAR(255), "
                   "timestamp FLOAT, intent_name VARCHAR(255))")
        for n, (when, intent) in enumerate(((old, "crisis"), (old, "greet"), (recent, "crisis"))):
            db.execute("INSERT INTO events VALUES (?, 'web:x', 'user', ?, ?)",
                       (n + 1, when.replace(tzinfo=timezone.utc).timestamp(), intent))

    report = purge(repository, older_than_days=30, now=clock.now, rasa_tracker_url=f"sqlite:///{tracker}")

    with sqlite3.connect(tracker) as db:
        left = db.execute("SELECT id, intent_name FROM events").fetchall()
    assert left == [(3, "crisis")]
    assert report.rows_deleted["events (Rasa)"] == 2
    with repository.transaction() as unit:
        actions = [e.action for e in audit.recent(unit.conn, limit=5)]
        chain = audit.verify(unit.conn, AUDIT_KEY)
    assert "purge.rasa_tracker" in actions
    assert chain.intact, chain  # signed with the audit key like every other event


def test_purge_deletes_ended_console_sessions_and_keeps_live_ones(repository, clock):
    from screening.staff_sessions import SessionStore

    with repository.transaction() as unit:
        account = AccountStore(unit.conn, unit.cipher).add("sam", "screener", "a long password here", clock.now).id
        sessions = SessionStore(unit.conn, SECRET_KEY)
        idle = sessions.start(account, "active", clock.now - timedelta(minutes=20))
        too_long = sessions.start(account, "active", clock.now - timedelta(hours=9))
        sessions.touch(sessions.find(too_long), clock.now - timedelta(minutes=1))
        live = sessions.start(account, "active", clock.now - timedelta(minutes=5))

    report = purge(repository, older_than_days=30, now=clock.now)

    with repository.transaction() as unit:
        sessions = SessionStore(unit.conn, SECRET_KEY)
        assert sessions.find(idle) is None and sessions.find(too_long) is None
        assert sessions.find(live) is not None
    assert report.rows_deleted["console_sessions (ended)"] == 2
