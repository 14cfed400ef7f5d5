"""Crisis alerts: tell the on-call person at once that a person in crisis is waiting.

With CRISIS_ALERT_WEBHOOK_URL set, a background loop in the app looks for crisis
flags not yet alerted whose case is still new in the console, and POSTs for each

    {"event": "crisis case waiting", "kind": "self_harm", "case": "<console link>",
     "raised_at": "2026-11-24T15:00:00+00:00"}

to that URL: the kind and a link a signed-in screener can open, never message text,
a phone number or an answer. A 2xx answer marks the flag `alerted_at`.

Claiming works like the SMS outbox: in one short transaction a flag is taken
(`alert_next_attempt_at` moved past now, a lease) only if it is still unalerted and
due, so two app processes never send one flag at the same time. A failed send
(no answer within the timeout, or any status but 2xx) is tried again with backoff
(`screening/backoff.py`); a process that stops mid-send leaves the lease to run out
and another process sends it then. Nothing is retried once the case has been picked
up in the console. Without the setting nothing is sent and `alerted_at` stays empty.

The log says only "crisis alert sent" or "crisis alert failed (status N)": never the
body, never the URL (it often holds a token).
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable

import httpx
from sqlalchemy import func, or_, select, update

from ..backoff import retry_delay
from ..crisis_flags import CRISIS, crisis_kind, still_new
from ..records import models as m
from ..records.repository import Repository
from ..records.sealing import open_flag
from .context import AppContext, Feature
from .sms.background import Loop

logger = logging.getLogger(__name__)

EVENT = "crisis case waiting"
POLL_SECONDS = 5.0
TIMEOUT_SECONDS = 5.0
LEASE = timedelta(minutes=2)     # longer than one send can take (the timeout), so a claim is never taken twice


@dataclass(frozen=True)
class PendingAlert:
    flag_id: int
    screening_id: str
    kind: str
    raised_at: datetime
    attempts: int                # including the one now claimed


def case_link(public_base_url: str, screening_id: str) -> str:
    """The console's page for the case (the `/review/cases/{case_id}` route); sign-in required."""
    return f"{public_base_url.rstrip('/')}/review/cases/{screening_id}"


def alert_body(alert: PendingAlert, public_base_url: str) -> dict[str, str]:
    return {"event": EVENT, "kind": alert.kind, "case": case_link(public_base_url, alert.screening_id),
            "raised_at": alert.raised_at.replace(tzinfo=timezone.utc).isoformat()}


class CrisisAlertStore:
    """The alert state on `flags` rows; each method is one short transaction."""

    def __init__(self, repository: Repository):
        self.repository = repository

    @staticmethod
    def _due(now: datetime):
        f = m.flags
        return or_(f.c.alert_next_attempt_at.is_(None), f.c.alert_next_attempt_at <= now)

    def claim(self, now: datetime, limit: int) -> list[PendingAlert]:
        """Crisis flags due an alert, oldest first, leased to the caller until now + LEASE."""
        f = m.flags
        due = self._due(now)
        claimed: list[PendingAlert] = []
        with self.repository.transaction() as unit:
            conn = unit.conn
            rows = conn.execute(
                select(f.c.id, f.c.screening_id, f.c.reason, f.c.step, f.c.details_enc, f.c.created_at,
                       f.c.alert_attempts)
                .where(f.c.kind == CRISIS, f.c.alerted_at.is_(None), f.c.resolved_at.is_(None), due,
                       still_new(f.c.screening_id))
                .order_by(f.c.created_at, f.c.id).limit(limit)
                .with_for_update(skip_locked=True)).all()
            for row in rows:
                taken = conn.execute(update(f).where(f.c.id == row.id, f.c.alerted_at.is_(None), due).values(
                    alert_next_attempt_at=now + LEASE,
                    alert_attempts=func.coalesce(f.c.alert_attempts, 0) + 1)).rowcount
                if taken:
                    claimed.append(PendingAlert(flag_id=row.id, screening_id=row.screening_id,
                                                kind=crisis_kind(open_flag(unit.cipher, row)[0]),
                                                raised_at=row.created_at,
                                                attempts=(row.alert_attempts or 0) + 1))
        return claimed

    def mark_sent(self, flag_id: int, now: datetime) -> None:
        with self.repository.transaction() as unit:
            unit.conn.execute(update(m.flags).where(m.flags.c.id == flag_id)
                              .values(alerted_at=now, alert_next_attempt_at=None))

    def mark_retry(self, flag_id: int, next_attempt_at: datetime) -> None:
        with self.repository.transaction() as unit:
            unit.conn.execute(update(m.flags).where(m.flags.c.id == flag_id, m.flags.c.alerted_at.is_(None))
                              .values(alert_next_attempt_at=next_attempt_at))


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return max(0.0, float(response.headers.get("retry-after", "")))
    except ValueError:
        return None


class CrisisAlerter:
    """Sends what is due: `run_once()` from the app's background loop, or from tests."""

    def __init__(self, store: CrisisAlertStore, clock: Callable[[], datetime], *, webhook_url: str,
                 public_base_url: str, timeout: float = TIMEOUT_SECONDS, batch: int = 16):
        self.store = store
        self.clock = clock
        self.webhook_url = webhook_url
        self.public_base_url = public_base_url
        self.timeout = timeout
        self.batch = batch

    async def run_once(self) -> int:
        """Send every alert due now; returns how many the receiver accepted."""
        if not self.webhook_url:
            return 0
        accepted = 0
        claimed = await asyncio.to_thread(self.store.claim, self.clock(), self.batch)
        if not claimed:
            return 0
        # A client per round with work: alerts are rare, and nothing outlives the round's event loop.
        async with httpx.AsyncClient(timeout=self.timeout, follow_redirects=False) as client:
            while claimed:
                results = await asyncio.gather(*(self._send(client, a) for a in claimed), return_exceptions=True)
                for result in results:
                    if isinstance(result, BaseException):   # the database, most likely: the lease runs out
                        logger.error("crisis alert: could not record the outcome (%s)", result.__class__.__name__)
                    elif result:
                        accepted += 1
                claimed = await asyncio.to_thread(self.store.claim, self.clock(), self.batch)
        return accepted

    async def _send(self, client: httpx.AsyncClient, alert: PendingAlert) -> bool:
        retry_after = None
        try:
            response = await client.post(self.webhook_url, json=alert_body(alert, self.public_base_url))
        except httpx.HTTPError as exc:
            logger.warning("crisis alert failed (status none, %s)", exc.__class__.__name__)
        else:
            if 200 <= response.status_code < 300:
                await asyncio.to_thread(self.store.mark_sent, alert.flag_id, self.clock())
                logger.info("crisis alert sent")
                return True
            logger.warning("crisis alert failed (status %d)", response.status_code)
            retry_after = _retry_after(response)
        delay = retry_delay(alert.attempts, retry_after)
        await asyncio.to_thread(self.store.mark_retry, alert.flag_id, self.clock() + timedelta(seconds=delay))
        return False


def crisis_alert_feature(context: AppContext) -> Feature:
    """The alert loop, when CRISIS_ALERT_WEBHOOK_URL is set; otherwise nothing runs."""
    url = context.settings.crisis_alert_webhook_url
    if not url:
        return Feature()
    alerter = CrisisAlerter(CrisisAlertStore(context.repository), context.clock, webhook_url=url,
                            public_base_url=context.settings.public_base_url)
    loop = Loop("crisis alerts", alerter.run_once, POLL_SECONDS)

    async def start() -> None:
        loop.start()

    return Feature(on_start=[start], on_stop=[loop.stop])
