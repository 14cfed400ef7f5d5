"""Crisis flags as staff read them: the kind in plain words, where in the screening it was
raised, how long the case has waited, and which crisis cases are still waiting.

A crisis flag is a `flags` row with kind "crisis"; its reason is the crisis kind
(self_harm, overdose, violence, medical; older rows hold phq9_item9 or message,
both meaning self_harm), stored encrypted with the step (screening/records/sealing.py:
callers open the row and hand the reason and step to the functions here). A case is *waiting* while its review status is still "new"
and it has an unresolved crisis flag; it has waited since the oldest such flag.
No web code and nothing the person wrote here.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, func, select
from sqlalchemy.sql.elements import ColumnElement

from .instrument import Instrument
from .records import models as m
from .records.console_tables import case_reviews

CRISIS = "crisis"
KIND_WORDS = {
    "self_harm": "Suicide or self-harm",
    "overdose": "Overdose",
    "violence": "Violence",
    "medical": "Medical emergency",
}
# Reasons stored by earlier versions of the dialogue, read as the kind they meant.
OLDER_REASONS = {"phq9_item9": "self_harm", "message": "self_harm"}
PERSON_REQUESTED_WORDS = {"asked": "Asked to talk with a person"}

STEP_WORDS = {
    "consent": "at the start, when asked whether to take part",
    "language": "while choosing a language",
    "citation": "while giving the citation date",
    "needs": "while answering what would help most",
    "needs_rank": "while choosing which need matters most",
    "location": "while giving their town or ZIP code",
    "location_choice": "while choosing their town",
    "contact": "while choosing how to be reached",
    "contact_detail": "while giving how to be reached",
    "done": "after finishing the screening",
}


def crisis_kind(reason: str | None) -> str:
    """The crisis kind a stored reason stands for (older reasons mapped; unknown ones kept as is)."""
    reason = reason or ""
    return OLDER_REASONS.get(reason, reason)


def kind_words(reason: str | None) -> str:
    """'Suicide or self-harm', 'Overdose', ... for a crisis flag's reason."""
    kind = crisis_kind(reason)
    return KIND_WORDS.get(kind, kind.replace("_", " ").capitalize() or "Crisis")


def flag_words(kind: str, reason: str | None) -> str:
    """A flag of any kind in plain words."""
    if kind == CRISIS:
        return kind_words(reason)
    if kind == "person_requested":
        return PERSON_REQUESTED_WORDS.get(reason or "", "Asked to talk with a person")
    if kind == "referral_follow_up":
        return {"not_reached": "Check-in: could not reach the referral",
                "other_help": "Check-in: needs other help"}.get(reason or "", "Check-in: follow up")
    return f"{kind.replace('_', ' ')}: {(reason or '').replace('_', ' ')}"


def step_words(step: str | None, instrument: Instrument | None = None) -> str:
    """Where in the screening a flag was raised: 'at question ahc_7 (“How often ...”)',
    'while answering what would help most', ..."""
    if not step:
        return "step not recorded"
    if step in STEP_WORDS:
        return STEP_WORDS[step]
    prefix, _, rest = step.partition(":")
    if prefix in ("item", "item_text") and rest:
        where = f"at question {rest}" if prefix == "item" else f"while writing their own words for question {rest}"
        item = instrument.items.get(rest) if instrument else None
        question = item.text.get("en") if item else None
        return f"{where} (“{question}”)" if question else where
    if prefix == "permission" and rest:
        return f"when asked whether to go on to the {rest.replace('_', ' ')} questions"
    return f"at step {step}"


def waiting_words(waited: timedelta) -> str:
    """'waiting 2 h 5 min', 'waiting 1 d 3 h', 'waiting less than 1 min'."""
    minutes = max(0, int(waited.total_seconds() // 60))
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = []
    if days:
        parts.append(f"{days} d")
    if hours:
        parts.append(f"{hours} h")
    if minutes and not days:
        parts.append(f"{minutes} min")
    return "waiting " + (" ".join(parts) if parts else "less than 1 min")


def still_new(screening_id: ColumnElement) -> ColumnElement:
    """True while the case has not been picked up in the console (no review yet, or "new")."""
    picked_up = select(case_reviews.c.screening_id).where(
        case_reviews.c.screening_id == screening_id, case_reviews.c.status != "new")
    return ~picked_up.exists()


def open_crisis_flag() -> ColumnElement:
    """A crisis flag nobody has resolved yet."""
    return and_(m.flags.c.kind == CRISIS, m.flags.c.resolved_at.is_(None))


def waiting_since(screening_id: ColumnElement):
    """Correlated: when the case's oldest unresolved crisis flag was raised (NULL when none)."""
    return (select(func.min(m.flags.c.created_at))
            .where(m.flags.c.screening_id == screening_id, open_crisis_flag())
            .scalar_subquery())


def oldest_waiting_crisis(conn) -> datetime | None:
    """When the longest-waiting crisis case's first unresolved crisis flag was raised."""
    return conn.execute(select(func.min(m.flags.c.created_at))
                        .where(open_crisis_flag(), still_new(m.flags.c.screening_id))).scalar()
