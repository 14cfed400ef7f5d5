"""Words for a person outside a turn (a screener's reply, the assistant's notes when a
screener takes over or hands back, the confirmed completion), queued in the channel
they used, inside the caller's transaction.

- SMS: the gateway's ordered outbox, split and packed like every reply; the sender
  sends it in order after what was queued before, through the same retries, and never
  to a number that sent STOP (nothing is queued for one, and an opt-out cancels what is
  still queued).
- Web chat: `web_outbox`, until the person's widget asks for it (`/chat/api/poll`, or
  `/chat/api/resume` when they come back with their code). Each row is handed to one
  response only.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select

from ..records.repository import Unit
from ..records.sms_tables import sms_conversations, sms_outbox
from ..records.talkback_tables import web_outbox
from ..sms_text import fill_web_chat_link, pack_messages
from ..talkback import Route

NOT_REACHABLE = {
    "none": "There is no way to reach this person: they did not write by text or in the web chat.",
    "opted_out": "This person turned off texts from us (they sent STOP). Nothing can be sent to them by text "
                 "until they turn texts back on themselves.",
}


class NotReachable(Exception):
    """Nothing can be sent to this person now; the message says why, plainly."""


@dataclass(frozen=True)
class Queued:
    channel: str
    parts: int          # text messages (SMS) or chat messages (web)


def why_not_reachable(unit: Unit, route: Route | None) -> str | None:
    """A plain reason nothing can be sent to this person, or None when something can."""
    if route is None:
        return NOT_REACHABLE["none"]
    if route.channel == "sms":
        opted_out = unit.conn.execute(select(sms_conversations.c.opted_out)
                                      .where(sms_conversations.c.phone_hash == route.address)).scalar()
        if opted_out is None:
            return NOT_REACHABLE["none"]
        if opted_out:
            return NOT_REACHABLE["opted_out"]
    return None


def queue_for_person(unit: Unit, route: Route | None, screening_id: str, messages: list[dict], *,
                     sender: str, now: datetime, web_chat_url: str) -> Queued:
    """Queue `messages` ({"text", "buttons"?}) for the person; NotReachable when nothing can go."""
    reason = why_not_reachable(unit, route)
    if reason:
        raise NotReachable(reason)
    if route.channel == "sms":
        conversation_id = unit.conn.execute(select(sms_conversations.c.id)
                                            .where(sms_conversations.c.phone_hash == route.address)).scalar()
        parts = pack_messages([fill_web_chat_link(message["text"], web_chat_url) for message in messages])
        if parts:
            unit.conn.execute(insert(sms_outbox), [dict(
                conversation_id=conversation_id, inbox_id=None, body_enc=unit.cipher.encrypt(part.body),
                encoding=part.encoding, segments=part.segments, status="queued", attempts=0, created_at=now)
                for part in parts])
        return Queued("sms", len(parts))
    if messages:
        unit.conn.execute(insert(web_outbox), [dict(
            screening_id=screening_id, sender=sender, created_at=now, delivered_at=None,
            body_enc=unit.cipher.encrypt(json.dumps(
                {"text": message["text"], "buttons": list(message.get("buttons") or ())}, ensure_ascii=False)))
            for message in messages])
    return Queued("web", len(messages))
