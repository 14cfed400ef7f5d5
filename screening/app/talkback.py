"""Screeners talk back, in the app: take over, reply, hand back, and the worker that hands
back conversations no screener touched for HOLD_IDLE_MINUTES (see screening/talkback.py).

Every step runs in the caller's transaction: the hold, the words queued for the person
(`person_outbox`) and the transcript line are stored together or not at all. The
console audits the steps screeners take; the worker audits its own hand-backs. Nothing
a person or a screener wrote is ever logged.
"""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

from .. import audit, talkback
from ..casework import CaseError, Viewer
from ..dialogue.engine import ScreeningEngine
from ..dialogue.handback import hand_back
from ..dialogue.replies import Reply, channel_messages
from ..records.repository import Unit
from .context import AppContext, Feature
from .person_outbox import NotReachable, Queued, queue_for_person, why_not_reachable
from .sms.background import Loop

logger = logging.getLogger(__name__)
SWEEP_SECONDS = 30.0
WORKER = "assistant"        # the actor the idle hand-back is audited as


class Talkback:
    def __init__(self, context: AppContext):
        settings = context.settings
        self.context = context
        self.audit_keys = context.repository.audit_keys
        self.web_chat_url = settings.web_chat_url
        self.idle = timedelta(minutes=settings.hold_idle_minutes)
        # The assistant's own words on hand-back come from the core, as in any turn.
        self.engine = ScreeningEngine(context.repository, program=context.program, clock=context.clock,
                                      verify_url=settings.verify_url, web_chat_url=settings.web_chat_url)
        self.catalog = self.engine.catalog

    # ------------------------------------------------------------------ sending
    def _queue(self, unit: Unit, screening, messages: list[dict], sender: str, now: datetime) -> Queued:
        route = talkback.route_of(unit, screening.participant_id)
        return queue_for_person(unit, route, screening.id, messages, sender=sender, now=now,
                                web_chat_url=self.web_chat_url)

    def _channel(self, unit: Unit, screening) -> str:
        route = talkback.route_of(unit, screening.participant_id)
        return route.channel if route else screening.channel

    def _assistant_says(self, unit: Unit, screening, replies: list[Reply], now: datetime) -> bool:
        """Send the assistant's hand-back words (already in the transcript); False if the person
        cannot be reached now (they sent STOP): the words stay in the transcript only."""
        try:
            self._queue(unit, screening, channel_messages(replies, self._channel(unit, screening)), "assistant", now)
        except NotReachable:
            return False
        return True

    # --------------------------------------------------------------- the steps
    def take_over(self, unit: Unit, screening_id: str, viewer: Viewer, now: datetime) -> dict:
        screening = unit.screening(screening_id)
        if screening is None:
            raise CaseError("There is no case with that id.", 404)
        reason = why_not_reachable(unit, talkback.route_of(unit, screening.participant_id))
        if reason:
            raise CaseError(reason)
        if not talkback.take_over(unit, screening_id, viewer, now):
            return {"already_held": True}
        text = self.catalog.say(talkback.person_language(screening.language), "talkback.taken")
        queued = self._queue(unit, screening, [{"text": text}], "assistant", now)
        unit.add_message(screening_id, None, "out", queued.channel, text, now)
        return {"channel": queued.channel}

    def reply(self, unit: Unit, screening_id: str, viewer: Viewer, text: str, now: datetime) -> dict:
        text = talkback.checked_reply(text)
        screening = unit.screening(screening_id)
        if screening is None:
            raise CaseError("There is no case with that id.", 404)
        if not talkback.touch(unit, screening_id, viewer.account_id, now):
            current = talkback.hold_of(unit.conn, screening_id)
            if current is None:
                raise CaseError("The assistant is answering this person now (the conversation was handed back). "
                                "Take it over again to reply.")
            raise CaseError(f"{current.holder} is talking with this person now. Only the person holding the "
                            f"conversation can reply.")
        try:
            queued = self._queue(unit, screening, [{"text": text}], "staff", now)
        except NotReachable as refused:
            raise CaseError(str(refused)) from None
        unit.add_message(screening_id, None, "out", queued.channel, text, now, author_id=viewer.account_id)
        return {"channel": queued.channel, "parts": queued.parts}

    def release(self, unit: Unit, screening_id: str, viewer: Viewer, now: datetime) -> dict:
        ended = talkback.release(unit, screening_id, viewer)
        replies = hand_back(self.engine, unit, screening_id, "released", now)
        sent = self._assistant_says(unit, unit.screening(screening_id), replies, now)
        return {"held_by": ended.holder, "by_holder": ended.held_by == viewer.account_id, "person_told": sent}

    # ------------------------------------------------------------ the worker
    def release_idle_holds(self, now: datetime) -> int:
        """Hand back every conversation no screener touched for the idle time; how many."""
        cutoff = now - self.idle
        with self.context.repository.transaction() as unit:
            waiting = talkback.idle_holds(unit.conn, cutoff)
        released = 0
        for screening_id in waiting:
            with self.context.repository.transaction() as unit:
                ended = talkback.release_idle(unit, screening_id, cutoff)
                if ended is None:
                    continue        # the screener replied meanwhile, or another process did it
                replies = hand_back(self.engine, unit, screening_id, "idle", now)
                sent = self._assistant_says(unit, unit.screening(screening_id), replies, now)
                audit.append(unit.conn, self.audit_keys, actor=WORKER, action="case.release_idle", now=now,
                             screening_id=screening_id,
                             details={"held_by": ended.holder, "idle_minutes": int(self.idle.total_seconds() // 60),
                                      "person_told": sent})
                released += 1
        if released:
            logger.info("talk: %d idle conversation(s) handed back to the assistant", released)
        return released

    async def run_once(self) -> int:
        return await asyncio.to_thread(self.release_idle_holds, self.context.clock())


def talkback_feature(context: AppContext, service: Talkback) -> Feature:
    """The worker that hands idle held conversations back to the assistant."""
    loop = Loop("talk holds", service.run_once, SWEEP_SECONDS)

    async def start() -> None:
        loop.start()

    return Feature(on_start=[start], on_stop=[loop.stop])
