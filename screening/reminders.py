"""Reminders: bring a person back before their screening closes, and ask a week after it
whether the help we gave reached them. Only for people who said yes to reminders.

Two kinds, one row each in `reminders` (screening/records/reminder_tables.py):
  - nudge: a paused or abandoned screening, NUDGE_AFTER_DAYS after the person's last
    message, and (programs with a deadline) NUDGE_BEFORE_DEADLINE_DAYS before its
    closing day. Every turn of an unfinished screening moves them on from that turn;
    finishing, EXIT or REMINDERS OFF cancel them.
  - check_in: CHECK_IN_AFTER_DAYS after completion, one per top need (its first
    referral), a day apart, so a "1", "2" or "3" always answers the one just asked.

Sending rules, checked when a reminder is due (`decide`), whatever was true when it was
scheduled: the person still says yes, the screening is not finished (nudges) or stopped,
no screener holds the conversation and no crisis is being handled (then it waits), the
number has not sent STOP, and it is between SEND_FROM and SEND_UNTIL in Massachusetts.
After downtime only the latest due reminder of a screening goes out; older ones are
marked skipped (`claim_due`), so no one gets a backlog.

No message text is stored here and nothing is logged; the words are made at send time
(`screening/dialogue/reminder_words.py`) in the person's language.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Iterable

from sqlalchemy import and_, delete, func, insert, or_, select, update
from sqlalchemy.engine import Connection

from .records import models as m
from .records.reminder_tables import reminders as r
from .records.talkback_tables import conversation_holds
from .program import PROGRAM_TIMEZONE

NUDGE, CHECK_IN = "nudge", "check_in"
KINDS = (NUDGE, CHECK_IN)
NUDGE_AFTER_DAYS = (1, 7)
NUDGE_BEFORE_DEADLINE_DAYS = (10, 3)
NUDGE_MIN_GAP = timedelta(days=1)            # two nudges closer than this: only the first
CHECK_IN_AFTER_DAYS = 7
CHECK_IN_SPACING = timedelta(days=1)
CHECK_IN_TOP_NEEDS = 3
CHECK_IN_GIVE_UP = timedelta(days=45)        # scheduled this long ago and still not sent: too late to ask
SEND_FROM, SEND_UNTIL = time(9, 0), time(20, 0)
DEADLINE_NUDGE_AT = time(10, 0)              # the before-the-deadline nudges go out at 10 AM
DEADLINE_DAYS = 45
LEASE = timedelta(minutes=2)
WAIT_WHILE_BUSY = timedelta(hours=1)         # a screener holds the conversation, or a crisis
OUTCOMES = ("reached", "not_reached", "other_help")
# For staff (the console): what each kind and outcome means.
KIND_WORDS = {NUDGE: "Nudge to finish", CHECK_IN: "Check-in after a referral"}
OUTCOME_WORDS = {"reached": "Reached them", "not_reached": "Could not reach them", "other_help": "Needs other help"}
PENDING = ("scheduled", "sending")


# ------------------------------------------------------------------ time
def local(when: datetime) -> datetime:
    return (when if when.tzinfo else when.replace(tzinfo=timezone.utc)).astimezone(PROGRAM_TIMEZONE)


def stored(when: datetime) -> datetime:
    """A local or aware time as the database keeps times: UTC, no time zone attached."""
    return when.astimezone(timezone.utc).replace(tzinfo=None)


def in_sending_hours(now: datetime) -> bool:
    return SEND_FROM <= local(now).time() < SEND_UNTIL


def next_sending_time(now: datetime) -> datetime:
    """`now` when reminders may go out now, else the next SEND_FROM in Massachusetts."""
    if in_sending_hours(now):
        return now
    here = local(now)
    day = here.date() if here.time() < SEND_FROM else here.date() + timedelta(days=1)
    return stored(datetime.combine(day, SEND_FROM, PROGRAM_TIMEZONE))


def closing_day(started_at: datetime, deadline: date | None, late: bool) -> date:
    """The last day of a screening (see `Turn.closing_day`): the deadline when the person
    gave the date on their ticket, else DEADLINE_DAYS from the day it started."""
    if deadline and not late:
        return deadline
    return local(started_at).date() + timedelta(days=DEADLINE_DAYS)


def nudge_times(last_activity: datetime, closing: date, *, before_deadline: bool) -> list[datetime]:
    """When to nudge a screening whose person last wrote at `last_activity`: never after
    its closing day, never two within NUDGE_MIN_GAP."""
    times = [last_activity + timedelta(days=d) for d in NUDGE_AFTER_DAYS]
    if before_deadline:
        times += [stored(datetime.combine(closing - timedelta(days=d), DEADLINE_NUDGE_AT, PROGRAM_TIMEZONE))
                  for d in NUDGE_BEFORE_DEADLINE_DAYS]
    kept: list[datetime] = []
    for when in sorted(times):
        if when <= last_activity or local(when).date() > closing:
            continue
        if kept and when - kept[-1] < NUDGE_MIN_GAP:
            continue
        kept.append(when)
    return kept


# ------------------------------------------------------------- scheduling
def cancel(conn: Connection, screening_id: str, reason: str, now: datetime,
           kinds: Iterable[str] = KINDS) -> int:
    """Withdraw what is scheduled (a claimed one is checked again before it is sent)."""
    return conn.execute(update(r).where(r.c.screening_id == screening_id, r.c.status == "scheduled",
                                        r.c.kind.in_(tuple(kinds)))
                        .values(status="cancelled", reason=reason[:32], settled_at=now)).rowcount


def schedule_nudges(conn: Connection, screening_id: str, times: list[datetime], now: datetime) -> None:
    """The screening's nudges from now on are `times`: the ones not yet sent are replaced
    (they were never sent, so nothing of the person's history is lost)."""
    conn.execute(delete(r).where(r.c.screening_id == screening_id, r.c.kind == NUDGE, r.c.status == "scheduled"))
    if times:
        conn.execute(insert(r), [dict(screening_id=screening_id, kind=NUDGE, referral_id=None, due_at=when,
                                      status="scheduled", attempts=0, created_at=now) for when in times])


def schedule_check_ins(conn: Connection, screening_id: str, completed_at: datetime, now: datetime) -> int:
    """One check-in per top need (its first referral), a day apart; once per screening."""
    already = conn.execute(select(func.count()).select_from(r).where(
        r.c.screening_id == screening_id, r.c.kind == CHECK_IN)).scalar()
    if already:
        return 0
    first_per_need: dict[str, int] = {}
    for need, referral_id in conn.execute(select(m.referrals.c.need, m.referrals.c.id)
                                          .where(m.referrals.c.screening_id == screening_id)
                                          .order_by(m.referrals.c.id)):
        first_per_need.setdefault(need, referral_id)
    chosen = list(first_per_need.values())[:CHECK_IN_TOP_NEEDS]
    first = completed_at + timedelta(days=CHECK_IN_AFTER_DAYS)
    if chosen:
        conn.execute(insert(r), [dict(screening_id=screening_id, kind=CHECK_IN, referral_id=referral_id,
                                      due_at=first + n * CHECK_IN_SPACING, status="scheduled", attempts=0,
                                      created_at=now) for n, referral_id in enumerate(chosen)])
    return len(chosen)


@dataclass(frozen=True)
class ScreeningFacts:
    """What scheduling needs to know about a screening after a turn."""
    id: str
    status: str
    consent: bool | None
    opted_in: bool | None
    started_at: datetime
    completed_at: datetime | None
    deadline: date | None
    late: bool
    has_deadline: bool


def after_turn(conn: Connection, facts: ScreeningFacts, now: datetime) -> None:
    """Keep the schedule true to the screening after one of the person's messages."""
    if facts.opted_in is not True:
        return            # never asked, or said no (REMINDERS OFF cancelled everything then)
    if facts.status == "completed":
        cancel(conn, facts.id, "finished", now, kinds=(NUDGE,))
        schedule_check_ins(conn, facts.id, facts.completed_at or now, now)
    elif facts.status == "stopped" or facts.consent is not True:
        cancel(conn, facts.id, "stopped", now, kinds=(NUDGE,))
    else:
        closing = closing_day(facts.started_at, facts.deadline, facts.late)
        schedule_nudges(conn, facts.id, nudge_times(now, closing, before_deadline=facts.has_deadline), now)


# ----------------------------------------------------------------- claiming
@dataclass(frozen=True)
class Claimed:
    id: int
    screening_id: str
    kind: str
    referral_id: int | None
    due_at: datetime
    created_at: datetime         # when it was scheduled


def claim_due(conn: Connection, owner: str, now: datetime, limit: int) -> list[Claimed]:
    """Due reminders, leased to `owner` until now + LEASE: per screening only the latest
    due one (older ones missed during downtime are skipped), plus any whose lease ran out
    (its process stopped between claiming and sending). Rows another process has locked
    are passed over (PostgreSQL; SQLite runs one writer at a time)."""
    lapsed = and_(r.c.status == "sending", r.c.lease_until < now)
    rows = conn.execute(
        select(r.c.id, r.c.screening_id, r.c.kind, r.c.referral_id, r.c.due_at, r.c.status, r.c.created_at)
        .where(r.c.due_at <= now, or_(r.c.status == "scheduled", lapsed))
        .order_by(r.c.screening_id, r.c.due_at, r.c.id).with_for_update(skip_locked=True)).all()
    latest: dict[str, object] = {}
    missed: list[int] = []
    for row in rows:
        before = latest.get(row.screening_id)
        if before is not None:
            missed.append(before.id)
        latest[row.screening_id] = row
    if missed:
        conn.execute(update(r).where(r.c.id.in_(missed)).values(
            status="skipped", reason="missed", lease_owner=None, lease_until=None, settled_at=now))
    claimed: list[Claimed] = []
    for row in sorted(latest.values(), key=lambda x: (x.due_at, x.id))[:limit]:
        taken = conn.execute(update(r).where(r.c.id == row.id, or_(r.c.status == "scheduled", lapsed)).values(
            status="sending", lease_owner=owner, lease_until=now + LEASE, attempts=r.c.attempts + 1)).rowcount
        if taken:
            claimed.append(Claimed(row.id, row.screening_id, row.kind, row.referral_id, row.due_at, row.created_at))
    return claimed


def still_mine(conn: Connection, reminder_id: int, owner: str) -> bool:
    """Lock the claimed row; False when the lease was lost (another process took it over)."""
    return conn.execute(select(r.c.id).where(r.c.id == reminder_id, r.c.status == "sending",
                                             r.c.lease_owner == owner).with_for_update()).first() is not None


def mark_sent(conn: Connection, reminder_id: int, channel: str, now: datetime) -> None:
    conn.execute(update(r).where(r.c.id == reminder_id).values(
        status="sent", channel=channel, sent_at=now, lease_owner=None, lease_until=None))


def settle(conn: Connection, reminder_id: int, status: str, reason: str, now: datetime) -> None:
    """skipped or cancelled, with the reason."""
    conn.execute(update(r).where(r.c.id == reminder_id).values(
        status=status, reason=reason[:32], settled_at=now, lease_owner=None, lease_until=None))


def wait(conn: Connection, reminder_id: int, until: datetime) -> None:
    """Back to the schedule, due again at `until` (quiet hours, a screener holding the
    conversation, a crisis being handled)."""
    conn.execute(update(r).where(r.c.id == reminder_id).values(
        status="scheduled", due_at=until, lease_owner=None, lease_until=None))


# ----------------------------------------------------------------- deciding
@dataclass(frozen=True)
class Decision:
    action: str                  # send, wait, skip, cancel
    reason: str = ""
    until: datetime | None = None


def decide(conn: Connection, claimed: Claimed, screening, *, now: datetime, has_deadline: bool,
           opted_out_by_sms: bool | None) -> Decision:
    """Whether a claimed reminder goes out now. `screening` is the ScreeningRow;
    `opted_out_by_sms` True after STOP, None when the person has no way to be reached."""
    if screening.reminders_opt_in is not True:
        return Decision("cancel", "reminders_off")
    if opted_out_by_sms:
        return Decision("cancel", "sms_opted_out")
    if opted_out_by_sms is None:
        return Decision("cancel", "not_reachable")
    if screening.status == "stopped" or screening.consent is not True:
        return Decision("cancel", "stopped")
    if claimed.kind == NUDGE:
        if screening.status == "completed":
            return Decision("cancel", "finished")
        if screening.updated_at > claimed.created_at:
            return Decision("skip", "person_wrote_since")   # its replacement was scheduled then
        closing = closing_day(screening.started_at, screening.deadline, bool(screening.state.get("late")))
        if local(now).date() > closing:
            return Decision("skip", "closed")
    else:
        outcome = conn.execute(select(m.referrals.c.outcome)
                               .where(m.referrals.c.id == claimed.referral_id)).scalar()
        if outcome:
            return Decision("skip", "answered")
        if now - claimed.created_at > CHECK_IN_GIVE_UP:
            return Decision("skip", "too_late")
    if screening.state.get("crisis") or conn.execute(
            select(conversation_holds.c.screening_id)
            .where(conversation_holds.c.screening_id == screening.id)).first():
        return Decision("wait", "busy", now + WAIT_WHILE_BUSY)
    if not in_sending_hours(now):
        return Decision("wait", "quiet_hours", next_sending_time(now))
    return Decision("send")


# ------------------------------------------------------- what the engine asks
def open_check_in(conn: Connection, screening_id: str) -> tuple[int, str, str] | None:
    """The check-in most recently sent for this screening whose referral has no outcome yet:
    (referral id, need, service name), or None."""
    row = conn.execute(
        select(m.referrals.c.id, m.referrals.c.need, m.referrals.c.name)
        .join(r, r.c.referral_id == m.referrals.c.id)
        .where(r.c.screening_id == screening_id, r.c.kind == CHECK_IN, r.c.status == "sent",
               m.referrals.c.outcome.is_(None))
        .order_by(r.c.sent_at.desc(), r.c.id.desc()).limit(1)).first()
    return (row.id, row.need, row.name) if row else None


def nudged_since(conn: Connection, screening_id: str, since: datetime) -> bool:
    """A nudge went out after `since` (the person's last message before this one)."""
    return conn.execute(select(r.c.id).where(r.c.screening_id == screening_id, r.c.kind == NUDGE,
                                             r.c.status == "sent", r.c.sent_at > since).limit(1)).first() is not None


def record_outcome(conn: Connection, referral_id: int, outcome: str, now: datetime) -> None:
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}")
    conn.execute(update(m.referrals).where(m.referrals.c.id == referral_id)
                 .values(outcome=outcome, outcome_at=now))


# ---------------------------------------------------------------- listing
@dataclass(frozen=True)
class Listed:
    id: int
    screening_id: str
    kind: str
    status: str
    due_at: datetime
    sent_at: datetime | None
    reason: str | None
    channel: str | None


def _listed(rows) -> list[Listed]:
    return [Listed(x.id, x.screening_id, x.kind, x.status, x.due_at, x.sent_at, x.reason, x.channel) for x in rows]


def scheduled(conn: Connection, due_before: datetime | None = None) -> list[Listed]:
    """What is waiting to go out (scheduled or being sent), the soonest first."""
    query = select(r).where(r.c.status.in_(PENDING))
    if due_before is not None:
        query = query.where(r.c.due_at < due_before)
    return _listed(conn.execute(query.order_by(r.c.due_at, r.c.id)))


def of_screening(conn: Connection, screening_id: str) -> list[Listed]:
    """Every reminder of one screening, in the order they are or were due."""
    return _listed(conn.execute(select(r).where(r.c.screening_id == screening_id).order_by(r.c.due_at, r.c.id)))
