"""Screeners talk back: a trained person joins the same conversation.

A screener assigned to the case (or a supervisor) *takes over* a screening's
conversation: a `conversation_holds` row, one per screening, so one holder at a time is
the database's own rule (an insert that does nothing when the row is there). While the
row exists the dialogue engine (`Turn.run`) stores each message the person sends (marked
for staff, encrypted like every message), still reads it for danger (a crisis flag and
the on-call alert), and answers none of it. The screener's replies reach the person in
the channel they used (the app's `person_outbox`). *Handing back* deletes the row and the
assistant goes on where the person was (`screening/dialogue/handback.py`). A hold that
no screener touched (took over or replied) for HOLD_IDLE_MINUTES goes back to the
assistant the same way, with a note, so no one waits in silence.

Taking over and handing back lock the person's row first, as every turn does, so they
fall between two of the person's turns whichever process handles them.

No web code and nothing logged here; the caller audits each step.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Iterable

from sqlalchemy import and_, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from .casework import CaseError, Viewer
from .dialogue.catalog import LANGUAGES, Catalog
from .records import models as m
from .records.console_tables import console_accounts
from .records.repository import Unit
from .records.talkback_tables import conversation_holds as holds

DEFAULT_HOLD_IDLE_MINUTES = 30
REPLY_MAX_CHARS = 1000
# The mark a saved reply leaves for the screener to fill in ("I will call you at ___").
BLANK = "___"
SAVED_REPLIES = ("intro", "safe_now", "call_at", "closing")
SAVED_REPLY_LABELS = {"intro": "Introduction", "safe_now": "Are you safe right now?",
                      "call_at": "I will call you at…", "closing": "Closing"}


@dataclass(frozen=True)
class Route:
    """Where the person is: "sms" and the gateway's phone hash, or "web" and the chat's conversation id."""
    channel: str
    address: str


@dataclass(frozen=True)
class Hold:
    screening_id: str
    held_by: int
    holder: str
    held_at: datetime
    touched_at: datetime


@dataclass(frozen=True)
class SavedReply:
    key: str
    label: str
    text: str


def may_talk(viewer: Viewer, assigned_to: int | None) -> bool:
    """Screeners talk with the people on the cases assigned to them; supervisors with anyone."""
    return viewer.sees_all or (assigned_to is not None and assigned_to == viewer.account_id)


def route_of(unit: Unit, participant_id: str) -> Route | None:
    """The way back to the person, from the channel id the core keeps encrypted."""
    token = unit.conn.execute(select(m.participants.c.sender_enc)
                              .where(m.participants.c.id == participant_id)).scalar()
    sender = unit.cipher.decrypt(token) if token else ""
    channel, _, address = (sender or "").partition(":")
    return Route(channel, address) if channel in ("sms", "web") and address else None


def hold_of(conn: Connection, screening_id: str) -> Hold | None:
    row = conn.execute(select(holds, console_accounts.c.username)
                       .join(console_accounts, console_accounts.c.id == holds.c.held_by)
                       .where(holds.c.screening_id == screening_id)).first()
    if row is None:
        return None
    return Hold(row.screening_id, row.held_by, row.username, row.held_at, row.touched_at)


def _screening(conn: Connection, screening_id: str):
    row = conn.execute(select(m.screenings.c.id, m.screenings.c.participant_id)
                       .where(m.screenings.c.id == screening_id)).first()
    if row is None:
        raise CaseError("There is no case with that id.", 404)
    return row


def take_over(unit: Unit, screening_id: str, viewer: Viewer, now: datetime) -> bool:
    """Hold the conversation for `viewer`; True when it is newly theirs (the person is told),
    False when they held it already. A second screener is refused with a plain reason."""
    conn = unit.conn
    screening = _screening(conn, screening_id)
    unit.lock_participant(screening.participant_id)
    newest = conn.execute(select(m.screenings.c.id).where(m.screenings.c.participant_id == screening.participant_id)
                          .order_by(m.screenings.c.started_at.desc()).limit(1)).scalar()
    if newest != screening_id:
        raise CaseError("This person has started a newer screening since. Open the newest case to talk with them.")
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    taken = conn.execute(dialect.insert(holds).values(
        screening_id=screening_id, held_by=viewer.account_id, held_at=now, touched_at=now)
        .on_conflict_do_nothing(index_elements=["screening_id"])).rowcount == 1
    if not taken:
        current = hold_of(conn, screening_id)
        if current is not None and current.held_by == viewer.account_id:
            touch(unit, screening_id, viewer.account_id, now)
            return False
        who = current.holder if current else "Another screener"
        raise CaseError(f"{who} is talking with this person now. Only one person can hold a conversation "
                        f"at a time: ask {who} to hand it back, or wait.")
    return True


def touch(unit: Unit, screening_id: str, account_id: int, now: datetime) -> bool:
    """The holder is active (a reply): the idle clock starts again. False when they no longer hold it."""
    return unit.conn.execute(update(holds).where(and_(holds.c.screening_id == screening_id,
                                                      holds.c.held_by == account_id))
                             .values(touched_at=now)).rowcount == 1


def release(unit: Unit, screening_id: str, viewer: Viewer) -> Hold:
    """Hand the conversation back to the assistant: the holder, or a supervisor, may. Returns the hold
    that ended; the caller has the assistant go on (`screening.dialogue.handback`)."""
    conn = unit.conn
    screening = _screening(conn, screening_id)
    unit.lock_participant(screening.participant_id)
    current = hold_of(conn, screening_id)
    if current is None:
        raise CaseError("The assistant is already answering this person.")
    if current.held_by != viewer.account_id and not viewer.sees_all:
        raise CaseError(f"{current.holder} is talking with this person. Only they or a supervisor can "
                        f"hand the conversation back.", 403)
    conn.execute(delete(holds).where(and_(holds.c.screening_id == screening_id,
                                          holds.c.held_by == current.held_by)))
    return current


def idle_holds(conn: Connection, cutoff: datetime) -> list[str]:
    """Screenings whose holder has not taken over or replied since `cutoff`, the oldest first."""
    return list(conn.execute(select(holds.c.screening_id).where(holds.c.touched_at < cutoff)
                             .order_by(holds.c.touched_at)).scalars())


def release_idle(unit: Unit, screening_id: str, cutoff: datetime) -> Hold | None:
    """End the hold if it is still idle since `cutoff` (one app process wins; the others find nothing)."""
    screening = _screening(unit.conn, screening_id)
    unit.lock_participant(screening.participant_id)
    current = hold_of(unit.conn, screening_id)
    if current is None or current.touched_at >= cutoff:
        return None
    gone = unit.conn.execute(delete(holds).where(and_(holds.c.screening_id == screening_id,
                                                      holds.c.touched_at < cutoff))).rowcount
    return current if gone == 1 else None


# what the person wrote to staff -------------------------------------------------------
def mark_read(conn: Connection, screening_id: str, up_to_id: int, now: datetime) -> int:
    """A screener has read the person's messages to staff up to message `up_to_id`."""
    msg = m.messages
    return conn.execute(update(msg).where(
        msg.c.screening_id == screening_id, msg.c.id <= up_to_id, msg.c.direction == "in",
        msg.c.to_staff.is_(True), msg.c.staff_read_at.is_(None)).values(staff_read_at=now)).rowcount


def unread_count(conn: Connection, screening_id: str) -> int:
    msg = m.messages
    return conn.execute(select(func.count()).select_from(msg).where(
        msg.c.screening_id == screening_id, msg.c.direction == "in", msg.c.to_staff.is_(True),
        msg.c.staff_read_at.is_(None))).scalar() or 0


# what the screener writes ---------------------------------------------------------------
def checked_reply(text: str) -> str:
    """The reply as it will be sent, or a plain refusal: empty, too long, or a blank left to fill in."""
    text = (text or "").replace("\r\n", "\n").strip()
    if not text:
        raise CaseError("The reply is empty.", 400)
    if len(text) > REPLY_MAX_CHARS:
        raise CaseError(f"A reply can be at most {REPLY_MAX_CHARS} characters.", 400)
    if BLANK in text:
        raise CaseError(f"Fill in the blank ({BLANK}) before sending.", 400)
    return text


def saved_replies(catalog: Catalog, language: str) -> list[SavedReply]:
    """Short replies a screener starts from, in the person's language."""
    language = language if language in LANGUAGES else "en"
    return [SavedReply(key, SAVED_REPLY_LABELS[key], catalog.say(language, f"talkback.saved.{key}"))
            for key in SAVED_REPLIES]


def person_language(language: str | None) -> str:
    return language if language in LANGUAGES else "en"


def holders(conn: Connection, screening_ids: Iterable[str]) -> dict[str, str]:
    ids = list(screening_ids)
    if not ids:
        return {}
    return dict(conn.execute(select(holds.c.screening_id, console_accounts.c.username)
                             .join(console_accounts, console_accounts.c.id == holds.c.held_by)
                             .where(holds.c.screening_id.in_(ids))).all())
