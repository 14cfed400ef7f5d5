"""The outbox sender: replies to Twilio, strictly in order per conversation.

A message is marked `sending` (committed) before the POST and `sent` after
Twilio accepts it; message n+1 waits until n is settled. 429, 5xx and refused
connections are retried with backoff (`next_attempt_at`, so tests move the clock
instead of sleeping); other 4xx are recorded as failed. A message left `sending`
(the process stopped mid-send, or no answer came back) is reconciled against
Twilio's list of sent messages: found means sent, not found means send again.
So a stop between "reply computed" and "reply sent" neither loses nor doubles it.
"""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Callable

import httpx

from ...backoff import retry_delay
from .store import Outgoing, SmsStore
from .twilio_api import TwilioMessagesApi

logger = logging.getLogger(__name__)
STALE_SENDING = timedelta(minutes=2)
# 429, 5xx and no connection are tried again (with backoff, capped at 5 minutes) for this long
# after the reply was queued: Twilio down for hours still delivers every reply, in order, once
# back. An older reply is recorded as failed (10 attempts used to be the limit: 14 minutes).
RETRY_FOR = timedelta(hours=24)


class OutboxSender:
    def __init__(self, store: SmsStore, api: TwilioMessagesApi, clock: Callable[[], datetime], *,
                 from_number: str, status_callback_url: str, batch: int = 32, owner: str | None = None):
        self.store = store
        self.api = api
        self.clock = clock
        self.from_number = from_number
        self.status_callback_url = status_callback_url
        self.batch = batch
        self.owner = owner          # APP_WORKER_ID: recorded on each send, so a restart can settle it

    async def run_once(self) -> int:
        """Reconcile stale sends, then send everything due now; returns how many Twilio accepted."""
        await self.reconcile()
        accepted = 0
        while claimed := await asyncio.to_thread(self.store.claim_sends, self.clock(), self.batch, self.owner):
            accepted += sum(await asyncio.gather(*(self._send(m) for m in claimed)))
        return accepted

    async def _send(self, message: Outgoing) -> bool:
        result = await self.api.send(to=message.phone, from_=self.from_number, body=message.body,
                                     status_callback=self.status_callback_url)
        now = self.clock()
        if result.outcome == "sent":
            await asyncio.to_thread(self.store.mark_sent, message.id, sid=result.sid, segments=result.segments,
                                    now=now)
            return True
        if result.outcome == "retry" and now - message.created_at < RETRY_FOR:
            delay = retry_delay(message.attempts, result.retry_after)
            await asyncio.to_thread(self.store.mark_retry, message.id,
                                    next_attempt_at=now + timedelta(seconds=delay), error=result.error)
        elif result.outcome == "unknown":
            logger.warning("sms: no answer from Twilio for outbox %s; it will be reconciled", message.id)
        else:
            logger.warning("sms: outbox %s failed (%s)", message.id, result.error)
            await asyncio.to_thread(self.store.mark_failed, message.id, error=result.error)
        return False

    async def settle_interrupted(self) -> int:
        """At start: sends a stopped process with this worker id left half-done, settled at once."""
        if not self.owner:
            return 0
        interrupted = await asyncio.to_thread(self.store.interrupted_sends, self.owner)
        settled = await self._settle(interrupted)
        if interrupted:
            logger.warning("sms: settled %d send(s) a stopped process left unfinished", settled)
        return settled

    async def reconcile(self) -> int:
        """Settle messages left `sending`: sent if Twilio has them, else queued to send now."""
        now = self.clock()
        stale = await asyncio.to_thread(self.store.stale_sending, now - STALE_SENDING)
        return await self._settle(stale)

    async def _settle(self, stale: list[Outgoing]) -> int:
        now = self.clock()
        settled = 0
        for message in stale:
            try:
                recent = await self.api.recent(to=message.phone, from_=self.from_number)
            except httpx.HTTPError as exc:
                logger.warning("sms: cannot reconcile outbox %s yet (%s)", message.id, exc.__class__.__name__)
                continue
            known = await asyncio.to_thread(self.store.known_sids, [m.sid for m in recent])
            found = next((m for m in recent if m.sid not in known and m.body.endswith(message.body)), None)
            if found:
                await asyncio.to_thread(self.store.mark_sent, message.id, sid=found.sid, segments=None, now=now)
            else:
                await asyncio.to_thread(self.store.mark_retry, message.id, next_attempt_at=now,
                                        error="reconciled: not sent")
            settled += 1
        return settled
