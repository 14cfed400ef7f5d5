"""What an operator watches: counts and ages, never who or what was said.

`operational_gauges(conn, now)` reads the queues and the case load as gauges for
`GET /metrics`: screenings by status, SMS messages waiting to be handled or sent
(and how long the oldest has waited), open web chat sessions, and flagged cases
nobody has picked up yet, and how long the longest-waiting crisis case has waited
(a crisis case waiting is the alert that matters most); conversations screeners hold, the
people's messages to them not yet read, and words waiting for a web chat person.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from .crisis_flags import oldest_waiting_crisis
from .records import models as m
from .records.console_tables import case_reviews
from .records.sms_tables import sms_inbox, sms_outbox
from .records.talkback_tables import conversation_holds, web_outbox
from .records.web_tables import web_conversations

SCREENING_STATUSES = ("started", "paused", "completed", "stopped")
OUTBOX_STATUSES = ("queued", "sending", "sent", "failed", "cancelled")
FLAG_KINDS = ("crisis", "person_requested")


@dataclass(frozen=True)
class Gauge:
    name: str
    help: str
    value: float
    labels: tuple[tuple[str, str], ...] = ()


def _age_seconds(oldest: datetime | None, now: datetime) -> float:
    return max(0.0, (now - oldest).total_seconds()) if oldest else 0.0


def operational_gauges(conn: Connection, now: datetime) -> list[Gauge]:
    gauges: list[Gauge] = []
    by_status = dict(conn.execute(select(m.screenings.c.status, func.count()).group_by(m.screenings.c.status)).all())
    gauges += [Gauge("screening_screenings", "Screenings by status.", by_status.get(status, 0), (("status", status),))
               for status in SCREENING_STATUSES]

    pending = conn.execute(select(func.count(), func.min(sms_inbox.c.received_at))
                           .where(sms_inbox.c.status == "pending")).one()
    gauges.append(Gauge("screening_sms_inbox_pending", "Texts received and not yet handled.", pending[0]))
    gauges.append(Gauge("screening_sms_inbox_oldest_pending_seconds",
                        "How long the oldest unhandled text has waited.", _age_seconds(pending[1], now)))
    outbox = dict(conn.execute(select(sms_outbox.c.status, func.count()).group_by(sms_outbox.c.status)).all())
    gauges += [Gauge("screening_sms_outbox_messages", "Replies by delivery state.", outbox.get(status, 0),
                     (("status", status),)) for status in OUTBOX_STATUSES]
    oldest_queued = conn.execute(select(func.min(sms_outbox.c.created_at))
                                 .where(sms_outbox.c.status.in_(("queued", "sending")))).scalar()
    gauges.append(Gauge("screening_sms_outbox_oldest_unsent_seconds",
                        "How long the oldest reply not yet accepted by Twilio has waited.",
                        _age_seconds(oldest_queued, now)))

    open_chats = conn.execute(select(func.count()).where(web_conversations.c.session_token_hash.isnot(None))).scalar()
    gauges.append(Gauge("screening_web_chat_open_sessions", "Web chat sessions not yet ended.", open_chats))

    for kind in FLAG_KINDS:
        flagged = select(m.flags.c.screening_id).where(m.flags.c.kind == kind)
        picked_up = select(case_reviews.c.screening_id).where(case_reviews.c.status != "new")
        waiting = conn.execute(select(func.count()).select_from(m.screenings).where(
            m.screenings.c.id.in_(flagged), m.screenings.c.id.notin_(picked_up))).scalar()
        gauges.append(Gauge("screening_flagged_cases_waiting", "Flagged cases still new in the console.",
                            waiting, (("flag", kind),)))
    gauges.append(Gauge("screening_conversations_held",
                        "Conversations a screener holds now (the assistant is quiet for those people).",
                        conn.execute(select(func.count()).select_from(conversation_holds)).scalar()))
    gauges.append(Gauge("screening_messages_to_staff_unread",
                        "Messages people sent to a screener holding their conversation that no screener has read.",
                        conn.execute(select(func.count()).select_from(m.messages).where(
                            m.messages.c.to_staff.is_(True), m.messages.c.staff_read_at.is_(None))).scalar()))
    gauges.append(Gauge("screening_web_chat_words_waiting",
                        "Words for people in the web chat (from staff, or on hand-back) not yet shown to them.",
                        conn.execute(select(func.count()).select_from(web_outbox)
                                     .where(web_outbox.c.delivered_at.is_(None))).scalar()))
    gauges.append(Gauge("screening_crisis_case_oldest_waiting_seconds",
                        "How long the longest-waiting crisis case (still new in the console) has waited "
                        "since its first unresolved crisis flag; 0 when none waits.",
                        _age_seconds(oldest_waiting_crisis(conn), now)))
    return gauges


def prometheus_text(gauges: list[Gauge]) -> str:
    """The Prometheus text exposition format (version 0.0.4)."""
    lines: list[str] = []
    described: set[str] = set()
    for gauge in gauges:
        if gauge.name not in described:
            lines += [f"# HELP {gauge.name} {gauge.help}", f"# TYPE {gauge.name} gauge"]
            described.add(gauge.name)
        labels = ",".join(f'{key}="{value}"' for key, value in gauge.labels)
        lines.append(f"{gauge.name}{{{labels}}} {gauge.value:g}" if labels else f"{gauge.name} {gauge.value:g}")
    return "\n".join(lines) + "\n"
