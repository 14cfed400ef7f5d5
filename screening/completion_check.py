"""Checking a completion code (the public /verify page): valid or not, the date the
screening was completed and the citation date if the person gave one. Nothing else.

Beside it, `confirmation_of` says whether a screener has confirmed that completion yet
and on what date (the page shows it, so a person learns it there and a clerk sees it).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone

from sqlalchemy import select
from sqlalchemy.engine import Connection

from .aggregates import add_count, month_of
from .casework import normalize_code
from .dialogue.engine import PROGRAM_TIMEZONE
from .records import models as m
from .records.console_tables import case_reviews, completion_proofs


@dataclass(frozen=True)
class CompletionCheck:
    valid: bool
    completed_on: date | None = None
    citation_date: date | None = None


def local_date(utc_naive: datetime) -> date:
    """The program's calendar date (Massachusetts) of a stored UTC time."""
    return utc_naive.replace(tzinfo=timezone.utc).astimezone(PROGRAM_TIMEZONE).date()


def check_code(conn: Connection, raw_code: str, now: datetime) -> CompletionCheck:
    """Look the code up and count the check (valid or not); the code itself is not kept."""
    code = normalize_code(raw_code)
    result = CompletionCheck(valid=False)
    if 0 < len(code) <= 16:
        row = conn.execute(select(m.screenings.c.completed_at, m.screenings.c.citation_date)
                           .where(m.screenings.c.completion_code == code,
                                  m.screenings.c.status == "completed")).first()
        if row is not None and row.completed_at is not None:
            result = CompletionCheck(True, local_date(row.completed_at), row.citation_date)
        else:
            proof = conn.execute(select(completion_proofs)
                                 .where(completion_proofs.c.completion_code == code)).first()
            if proof is not None:
                result = CompletionCheck(True, proof.completed_on, proof.citation_date)
    add_count(conn, month_of(now), "completion_checks", "valid" if result.valid else "invalid")
    return result


@dataclass(frozen=True)
class Confirmation:
    known: bool                     # False for a purged screening: only its proof is kept
    confirmed_on: date | None = None


def confirmation_of(conn: Connection, raw_code: str) -> Confirmation:
    """Whether a screener confirmed the completed screening with this code, and when."""
    code = normalize_code(raw_code)
    if not 0 < len(code) <= 16:
        return Confirmation(False)
    row = conn.execute(select(case_reviews.c.completion_confirmed_at, m.screenings.c.id)
                       .select_from(m.screenings)
                       .outerjoin(case_reviews, case_reviews.c.screening_id == m.screenings.c.id)
                       .where(m.screenings.c.completion_code == code,
                              m.screenings.c.status == "completed")).first()
    if row is None:
        return Confirmation(False)
    confirmed_at = row.completion_confirmed_at
    return Confirmation(True, local_date(confirmed_at) if confirmed_at else None)
