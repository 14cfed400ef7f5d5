"""The reminder worker: sends the nudges and check-ins that are due (screening/reminders.py).

Each round claims due reminders in one short transaction (a lease, like the SMS inbox),
then delivers each in its own transaction, after the person's row is locked as a turn
locks it: the reminder is checked again (still wanted, still this process's claim),
its words are queued for the person in the channel they used (`person_outbox`: the SMS
gateway's ordered outbox, with its retries, delivery statuses and STOP; or the web
chat's, shown when they come back), a line is added to the transcript, and the row is
marked sent, all together or not at all. A process that stops between claiming and
delivering leaves the lease to run out; another process delivers it then, once.

The log says only how many were sent or put off; never a number, a name or the words.
"""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Callable

from sqlalchemy import select

from .. import reminders, talkback
from ..dialogue.catalog import LANGUAGES, Catalog
from ..dialogue.reminder_words import reminder_text
from ..records import models as m
from ..records.repository import Repository
from ..program import Program
from .context import AppContext, Feature
from .person_outbox import NOT_REACHABLE, queue_for_person, why_not_reachable
from .sms.background import Loop
from .sms.store import new_owner

logger = logging.getLogger(__name__)
POLL_SECONDS = 60.0
BATCH = 32


class ReminderSender:
    def __init__(self, repository: Repository, clock: Callable[[], datetime], *, program: Program,
                 web_chat_url: str, owner: str | None = None, batch: int = BATCH,
                 on_queued: Callable[[], None] = lambda: None):
        self.repository = repository
        self.clock = clock
        self.program = program
        self.catalog = Catalog(program)
        self.web_chat_url = web_chat_url
        self.owner = owner or new_owner()
        self.batch = batch
        self.on_queued = on_queued          # wakes the SMS outbox sender

    # one transaction each ------------------------------------------------------
    def claim(self, now: datetime) -> list[reminders.Claimed]:
        with self.repository.transaction() as unit:
            return reminders.claim_due(unit.conn, self.owner, now, self.batch)

    def deliver(self, claimed: reminders.Claimed, now: datetime) -> str:
        """sent, wait, skip, cancel, or lost (another process holds the claim now)."""
        with self.repository.transaction() as unit:
            conn = unit.conn
            participant_id = conn.execute(select(m.screenings.c.participant_id)
                                          .where(m.screenings.c.id == claimed.screening_id)).scalar()
            if participant_id is None:
                return "lost"
            unit.lock_participant(participant_id)
            if not reminders.still_mine(conn, claimed.id, self.owner):
                return "lost"
            screening = unit.screening(claimed.screening_id)
            route = talkback.route_of(unit, participant_id)
            unreachable = why_not_reachable(unit, route)
            opted_out = True if unreachable == NOT_REACHABLE["opted_out"] else None if unreachable else False
            decision = reminders.decide(conn, claimed, screening, now=now,
                                        has_deadline=self.program.has_deadline, opted_out_by_sms=opted_out)
            if decision.action == "wait":
                reminders.wait(conn, claimed.id, decision.until)
                return "wait"
            if decision.action in ("skip", "cancel"):
                reminders.settle(conn, claimed.id, "skipped" if decision.action == "skip" else "cancelled",
                                 decision.reason, now)
                return decision.action
            text = self._words(conn, claimed, screening)
            queued = queue_for_person(unit, route, screening.id, [{"text": text}], sender="assistant", now=now,
                                      web_chat_url=self.web_chat_url)
            unit.add_message(screening.id, None, "out", queued.channel, text, now)
            reminders.mark_sent(conn, claimed.id, queued.channel, now)
        if queued.channel == "sms":
            self.on_queued()
        return "sent"

    def _words(self, conn, claimed: reminders.Claimed, screening) -> str:
        language = screening.language if screening.language in LANGUAGES else "en"
        service = ""
        if claimed.kind == reminders.CHECK_IN:
            service = conn.execute(select(m.referrals.c.name)
                                   .where(m.referrals.c.id == claimed.referral_id)).scalar() or ""
        return reminder_text(self.catalog, language, claimed.kind, deadline=screening.deadline,
                             late=bool(screening.state.get("late")), service=service)

    # a round --------------------------------------------------------------------
    def send_due(self, now: datetime | None = None) -> int:
        """Deliver everything due now; returns how many were sent."""
        now = now or self.clock()
        outcomes: dict[str, int] = {}
        while True:
            claimed = self.claim(now)
            for each in claimed:
                outcome = self.deliver(each, now)
                outcomes[outcome] = outcomes.get(outcome, 0) + 1
            if len(claimed) < self.batch:
                break
        if outcomes:
            logger.info("reminders: %s", ", ".join(f"{n} {what}" for what, n in sorted(outcomes.items())))
        return outcomes.get("sent", 0)

    async def run_once(self) -> int:
        return await asyncio.to_thread(self.send_due, self.clock())


def reminders_feature(context: AppContext, sender: ReminderSender) -> Feature:
    loop = Loop("reminders", sender.run_once, POLL_SECONDS)

    async def start() -> None:
        loop.start()

    return Feature(on_start=[start], on_stop=[loop.stop])


def reminder_sender(context: AppContext) -> ReminderSender:
    return ReminderSender(context.repository, context.clock, program=context.program,
                          web_chat_url=context.settings.web_chat_url)
