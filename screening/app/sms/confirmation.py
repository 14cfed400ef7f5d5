"""The text a person gets when a screener confirms their screening was completed.

The summary promises it (see `Turn.texted_when_confirmed`) only when it will come: a
fine-waiver program, a screening done by SMS, and the person chose to be texted or
called, so the core keeps their SMS id ("sms:" + keyed hash of the number) as the way
to reach them. A number that sent STOP gets nothing. The text goes into the ordered
outbox in the same transaction as the confirmation; the running app's sender sends it.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select

from ...dialogue.catalog import LANGUAGES, Catalog
from ...records import models as m
from ...records.repository import Unit
from ...records.sms_tables import phone_hash_of, sms_conversations, sms_outbox
from ...sms_text import pack_messages
from ...talkback import route_of
from ..person_outbox import NotReachable, queue_for_person


def queue_confirmation_text(unit: Unit, screening_id: str, catalog: Catalog, verify_url: str,
                            now: datetime) -> bool:
    """Queue the "confirmed" text for this screening; False when none is due (see above)."""
    if not catalog.program.has_deadline:
        return False
    screening = unit.conn.execute(select(m.screenings).where(m.screenings.c.id == screening_id)).first()
    if screening is None or screening.contact_preference not in ("text", "call") \
            or not screening.contact_detail_enc or not screening.completion_code:
        return False
    phone_hash = phone_hash_of(unit.cipher.decrypt(screening.contact_detail_enc) or "")
    if phone_hash is None:
        return False
    conversation = unit.conn.execute(select(sms_conversations.c.id, sms_conversations.c.opted_out)
                                     .where(sms_conversations.c.phone_hash == phone_hash)).first()
    if conversation is None or conversation.opted_out:
        return False
    language = screening.language if screening.language in LANGUAGES else "en"
    text = catalog.say(language, "sms.confirmed", code=screening.completion_code, verify_url=verify_url)
    unit.conn.execute(insert(sms_outbox), [dict(
        conversation_id=conversation.id, inbox_id=None, body_enc=unit.cipher.encrypt(part.body),
        encoding=part.encoding, segments=part.segments, status="queued", attempts=0, created_at=now)
        for part in pack_messages([text])])
    return True


def queue_web_confirmation(unit: Unit, screening_id: str, catalog: Catalog, verify_url: str,
                           now: datetime) -> bool:
    """The same words for a person who screened in the web chat: they see them in the chat
    when they come back with their resume code (or at once, with the chat open). Fine-waiver
    programs only, as for texts; False when none is due."""
    if not catalog.program.has_deadline:
        return False
    screening = unit.conn.execute(select(m.screenings).where(m.screenings.c.id == screening_id)).first()
    if screening is None or not screening.completion_code:
        return False
    route = route_of(unit, screening.participant_id)
    if route is None or route.channel != "web":
        return False
    language = screening.language if screening.language in LANGUAGES else "en"
    text = catalog.say(language, "sms.confirmed", code=screening.completion_code, verify_url=verify_url)
    try:
        queue_for_person(unit, route, screening_id, [{"text": text}], sender="assistant", now=now, web_chat_url="")
    except NotReachable:
        return False
    unit.add_message(screening_id, None, "out", "web", text, now)
    return True
