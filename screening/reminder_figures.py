"""Dashboard figures about reminders and referrals (screening/reminders.py): when people
finish, counted in days since they started; how many finished after a reminder; and
what people said at the check-ins, need by need. Live screenings only: purged ones keep
no reminders or outcomes. Counts only, nothing about a person.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import and_, exists, func, select
from sqlalchemy.engine import Connection

from .records import models as m
from .records.reminder_tables import reminders
from .reminders import NUDGE, OUTCOMES, local

# Days from start to completion, grouped: the same day, the next, the first week, ...
DAY_GROUPS = ((0, 0, "same day"), (1, 1, "day 1"), (2, 7, "days 2-7"), (8, 14, "days 8-14"),
              (15, 30, "days 15-30"), (31, 45, "days 31-45"), (46, None, "after day 45"))


@dataclass(frozen=True)
class ReminderFigures:
    finished_by_day: list[tuple[str, int]]            # completions by days since start
    finished_after_reminder: int                      # completed after a nudge was sent to them
    nudged: int                                       # screenings that were sent a nudge
    outcomes_by_need: list[tuple[str, dict[str, int]]]   # need -> {reached, not_reached, other_help}


def _day_group(days: int) -> str:
    for first, last, label in DAY_GROUPS:
        if days >= first and (last is None or days <= last):
            return label
    return DAY_GROUPS[-1][2]


def reminder_figures(conn: Connection) -> ReminderFigures:
    s, r = m.screenings, reminders
    by_day: Counter = Counter()
    for started, done in conn.execute(select(s.c.started_at, s.c.completed_at)
                                      .where(s.c.status == "completed", s.c.completed_at.isnot(None))):
        by_day[_day_group((local(done).date() - local(started).date()).days)] += 1
    nudge_sent = and_(r.c.screening_id == s.c.id, r.c.kind == NUDGE, r.c.status == "sent")
    after = conn.execute(select(func.count()).select_from(s).where(
        s.c.status == "completed", exists().where(nudge_sent, r.c.sent_at < s.c.completed_at))).scalar() or 0
    nudged = conn.execute(select(func.count()).select_from(s).where(exists().where(nudge_sent))).scalar() or 0
    outcomes: dict[str, Counter] = {}
    for need, outcome, count in conn.execute(
            select(m.referrals.c.need, m.referrals.c.outcome, func.count())
            .where(m.referrals.c.outcome.isnot(None)).group_by(m.referrals.c.need, m.referrals.c.outcome)):
        outcomes.setdefault(need, Counter())[outcome] = count
    return ReminderFigures(
        finished_by_day=[(label, by_day[label]) for _, _, label in DAY_GROUPS],
        finished_after_reminder=after, nudged=nudged,
        outcomes_by_need=[(need, {o: counts[o] for o in OUTCOMES})
                          for need, counts in sorted(outcomes.items(), key=lambda kv: -sum(kv[1].values()))])
