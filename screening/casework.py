"""What a screener works with: the case list (filters, search, order), one case
assembled from the core's tables, and the review state (status, assignment,
notes, confirmed completion). No web code here.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Mapping

from sqlalchemy import and_, bindparam, case, exists, func, insert, or_, select, update
from sqlalchemy.engine import Connection

from .accounts import may
from .crisis_flags import crisis_kind, flag_words, kind_words, step_words, waiting_since, waiting_words
from .crypto import TextCipher
from .instrument import Instrument, default_instrument
from .needs import NEED_CATEGORIES
from .reminders import of_screening
from .records import models as m
from .records.console_tables import case_notes, case_reviews, console_accounts
from .records.sealing import flag_dict, open_answer, open_flag, open_result, result_dict
from .records.sms_tables import phone_hash_of, sms_conversations
from .records.talkback_tables import conversation_holds

REVIEW_STATUSES = ("new", "in_review", "follow_up", "closed")
# new -> in review -> follow-up -> closed; a closed case can be reopened for review.
STATUS_MOVES = {
    "new": {"in_review"},
    "in_review": {"follow_up", "closed"},
    "follow_up": {"in_review", "closed"},
    "closed": {"in_review"},
}
FLAG_KINDS = ("crisis", "person_requested")
MAX_NOTE_CHARS = 4000
LIST_LIMIT = 200


class CaseError(ValueError):
    """A request about a case that cannot be done; `status` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 409):
        super().__init__(message)
        self.status = status


def normalize_code(raw: str) -> str:
    """'acde 3467', 'ACDE-3467' -> 'ACDE-3467'."""
    compact = re.sub(r"[^A-Za-z0-9]", "", raw or "").upper()
    return f"{compact[:4]}-{compact[4:]}" if len(compact) == 8 else compact


@dataclass(frozen=True)
class Viewer:
    account_id: int
    username: str
    role: str

    @property
    def sees_all(self) -> bool:
        return may(self.role, "cases.all")

    def may_open(self, assigned_to: int | None) -> bool:
        return self.sees_all or assigned_to in (None, self.account_id)


# the list -------------------------------------------------------------------------
def _parse_date(params: Mapping[str, str], name: str) -> date | None:
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise CaseError(f"{name.replace('_', ' ')} must be a date like 2026-11-24", 400) from None


def _choice(params: Mapping[str, str], name: str, allowed) -> str:
    value = (params.get(name) or "").strip()
    if value and value not in allowed:
        raise CaseError(f"{name} must be one of: {', '.join(allowed)}", 400)
    return value


@dataclass(frozen=True)
class CaseFilter:
    status: str = ""
    flag: str = ""
    need: str = ""
    language: str = ""
    channel: str = ""
    assigned: str = ""          # "", "mine", "unassigned"
    date_from: date | None = None
    date_to: date | None = None
    code: str = ""

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> "CaseFilter":
        """Read a filter from query parameters; unknown values are refused plainly."""
        language = (params.get("language") or "").strip()
        channel = (params.get("channel") or "").strip()
        if not re.fullmatch(r"[a-z]{0,8}", language) or not re.fullmatch(r"[a-z_]{0,16}", channel):
            raise CaseError("language and channel are short lowercase names, like en or sms", 400)
        return cls(status=_choice(params, "status", REVIEW_STATUSES), flag=_choice(params, "flag", FLAG_KINDS),
                   need=_choice(params, "need", NEED_CATEGORIES), language=language, channel=channel,
                   assigned=_choice(params, "assigned", ("mine", "unassigned")),
                   date_from=_parse_date(params, "date_from"), date_to=_parse_date(params, "date_to"),
                   code=normalize_code(params.get("code") or "")[:16])

    def described(self) -> dict[str, str]:
        """The filters in use, for the audit log (a completion code is searched, not logged)."""
        used = {k: str(v) for k, v in self.__dict__.items() if v and k != "code"}
        if self.code:
            used["code_search"] = "yes"
        return used


@dataclass(frozen=True)
class CaseSummary:
    screening_id: str
    status: str                  # the screening's own: started, paused, completed, stopped
    review_status: str
    assigned_to: str | None
    language: str
    channel: str
    started_at: datetime
    completed_at: datetime | None
    deadline: date | None
    crisis: bool
    asked_for_person: bool
    crisis_kinds: tuple[str, ...] = ()       # in plain words, first raised first
    waiting_since: datetime | None = None    # oldest unresolved crisis flag while the review is "new"
    waited: timedelta | None = None          # since then, by the clock the list was read with
    held_by: str | None = None               # the screener talking with the person now
    unread: int = 0                          # the person's messages to a screener that no one has read

    @property
    def waiting(self) -> str:
        """'waiting 2 h 5 min' for a crisis case nobody has picked up yet; else empty."""
        return waiting_words(self.waited) if self.waited is not None else ""


def _flag_exists(kind: str):
    return exists().where(and_(m.flags.c.screening_id == m.screenings.c.id, m.flags.c.kind == kind))


def list_cases(conn: Connection, viewer: Viewer, wanted: CaseFilter, limit: int = LIST_LIMIT,
               now: datetime | None = None, *, cipher: TextCipher) -> list[CaseSummary]:
    """Crisis cases first, the one waiting longest (oldest unresolved crisis flag, review still
    new) first among them; then people who asked for a person; then newest first. With `now`,
    each waiting crisis case says how long it has waited. `cipher` opens what is stored
    encrypted (crisis kinds, the results of sensitive domains)."""
    s, r = m.screenings, case_reviews
    crisis, person = _flag_exists("crisis"), _flag_exists("person_requested")
    review_status = func.coalesce(r.c.status, "new")
    waiting = case((review_status == "new", waiting_since(s.c.id)), else_=None)
    holds, holder = conversation_holds, console_accounts.alias("holder")
    query = (select(s.c.id, s.c.status, review_status.label("review_status"), console_accounts.c.username,
                    s.c.language, s.c.channel, s.c.started_at, s.c.completed_at, s.c.deadline,
                    crisis.label("crisis"), person.label("person"), waiting.label("waiting_since"),
                    holder.c.username.label("held_by"), _unread(s.c.id).label("unread"))
             .select_from(s.outerjoin(r, r.c.screening_id == s.c.id)
                          .outerjoin(console_accounts, console_accounts.c.id == r.c.assigned_to)
                          .outerjoin(holds, holds.c.screening_id == s.c.id)
                          .outerjoin(holder, holder.c.id == holds.c.held_by))
             .order_by(case((crisis, 0), (person, 1), else_=2),
                       case((waiting.is_(None), 1), else_=0), waiting,     # NULLs last on SQLite and PostgreSQL
                       s.c.started_at.desc(), s.c.id)
             .limit(limit))
    conditions = []
    if not viewer.sees_all:
        conditions.append(or_(r.c.assigned_to.is_(None), r.c.assigned_to == viewer.account_id))
    if wanted.assigned == "mine":
        conditions.append(r.c.assigned_to == viewer.account_id)
    elif wanted.assigned == "unassigned":
        conditions.append(r.c.assigned_to.is_(None))
    if wanted.status:
        conditions.append(review_status == wanted.status)
    if wanted.flag:
        conditions.append(_flag_exists(wanted.flag))
    if wanted.need:
        conditions.append(or_(
            exists().where(and_(m.needs.c.screening_id == s.c.id, m.needs.c.category == wanted.need)),
            # Rendered inline: the list can pass the database's limit on bound parameters.
            s.c.id.in_(bindparam("positive_for_need", _positive_for(conn, cipher, wanted.need),
                                 expanding=True, literal_execute=True))))
    if wanted.language:
        conditions.append(s.c.language == wanted.language)
    if wanted.channel:
        conditions.append(s.c.channel == wanted.channel)
    if wanted.date_from:
        conditions.append(s.c.started_at >= datetime.combine(wanted.date_from, datetime.min.time()))
    if wanted.date_to:
        conditions.append(s.c.started_at < datetime.combine(wanted.date_to + timedelta(days=1), datetime.min.time()))
    if wanted.code:
        conditions.append(s.c.completion_code == wanted.code)
    if conditions:
        query = query.where(and_(*conditions))
    rows = conn.execute(query).all()
    kinds = _crisis_kinds(conn, cipher, [row.id for row in rows if row.crisis])
    return [CaseSummary(screening_id=row.id, status=row.status, review_status=row.review_status,
                        assigned_to=row.username, language=row.language, channel=row.channel,
                        started_at=row.started_at, completed_at=row.completed_at, deadline=row.deadline,
                        crisis=bool(row.crisis), asked_for_person=bool(row.person),
                        crisis_kinds=kinds.get(row.id, ()), waiting_since=row.waiting_since,
                        waited=max(timedelta(0), now - row.waiting_since) if now and row.waiting_since else None,
                        held_by=row.held_by, unread=row.unread or 0)
            for row in rows]


def _unread(screening_id):
    """How many of the person's messages to a screener no screener has read yet."""
    msg = m.messages
    return (select(func.count()).select_from(msg)
            .where(msg.c.screening_id == screening_id, msg.c.direction == "in", msg.c.to_staff.is_(True),
                   msg.c.staff_read_at.is_(None))
            .scalar_subquery())


def _positive_for(conn: Connection, cipher: TextCipher, need: str) -> list[str]:
    """Screenings with a positive domain result for `need`. The results of sensitive domains
    are stored encrypted, so they are opened here, in the app, not compared in SQL."""
    r = m.domain_results
    rows = conn.execute(select(r.c.screening_id, r.c.positive, r.c.complete, r.c.score, r.c.result_enc)
                        .where(r.c.need == need, or_(r.c.positive.is_(True), r.c.result_enc.isnot(None))))
    return sorted({row.screening_id for row in rows if open_result(cipher, row).positive})


def _crisis_kinds(conn: Connection, cipher: TextCipher, screening_ids: list[str]) -> dict[str, tuple[str, ...]]:
    """Each case's crisis kinds in plain words, in the order they were first raised."""
    found: dict[str, dict[str, None]] = {}
    if screening_ids:
        for row in conn.execute(
                select(m.flags.c.screening_id, m.flags.c.reason, m.flags.c.step, m.flags.c.details_enc)
                .where(m.flags.c.kind == "crisis", m.flags.c.screening_id.in_(screening_ids))
                .order_by(m.flags.c.created_at, m.flags.c.id)):
            found.setdefault(row.screening_id, {})[kind_words(open_flag(cipher, row)[0])] = None
    return {screening_id: tuple(words) for screening_id, words in found.items()}


# one case -------------------------------------------------------------------------
@dataclass(frozen=True)
class ReviewState:
    status: str = "new"
    assigned_to_id: int | None = None
    assigned_to: str | None = None
    confirmed_by: str | None = None
    confirmed_at: datetime | None = None


@dataclass(frozen=True)
class TranscriptLine:
    direction: str               # in (from the person), out (to the person)
    channel: str
    at: datetime
    text: str
    id: int = 0
    author: str | None = None    # the screener who wrote an outgoing line; None: the assistant
    to_staff: bool = False       # the person wrote it while a screener held the conversation

    @property
    def who(self) -> str:
        """Who wrote the line, as the transcript says it: Person, Assistant or Screener <name>."""
        if self.direction == "in":
            return "Person"
        return f"Screener {self.author}" if self.author else "Assistant"

    @property
    def who_kind(self) -> str:
        return "person" if self.direction == "in" else ("screener" if self.author else "assistant")


def transcript_lines(conn: Connection, cipher: TextCipher, screening_id: str, after_id: int = 0,
                     limit: int | None = None) -> list[TranscriptLine]:
    """The conversation's lines after message `after_id`, oldest first, each saying who wrote it."""
    names = dict(conn.execute(select(console_accounts.c.id, console_accounts.c.username)).all())
    query = (select(m.messages).where(m.messages.c.screening_id == screening_id, m.messages.c.id > after_id)
             .order_by(m.messages.c.id))
    if limit:
        query = query.limit(limit)
    return [TranscriptLine(r.direction, r.channel, r.created_at, cipher.decrypt(r.body_enc), id=r.id,
                           author=names.get(r.author_id, "?") if r.author_id else None,
                           to_staff=bool(r.to_staff))
            for r in conn.execute(query)]


@dataclass(frozen=True)
class AnswerLine:
    item_id: str
    question: str
    answer: str
    free_text: str | None
    skipped: bool
    skip_reason: str | None
    answered_at: datetime
    times_changed: int
    loinc: str | None
    language: str = "en"
    translation_review: str = "source"     # "translation not yet reviewed" for unreviewed wording


@dataclass
class CaseDetail:
    screening: Any
    review: ReviewState
    transcript: list[TranscriptLine] = field(default_factory=list)
    answers: list[AnswerLine] = field(default_factory=list)
    domains: list[dict] = field(default_factory=list)
    needs: list[str] = field(default_factory=list)
    need_statements: list[str] = field(default_factory=list)
    flags: list[dict] = field(default_factory=list)
    referrals: list[dict] = field(default_factory=list)
    notes: list[dict] = field(default_factory=list)
    contact: str | None = None     # how the person asked to be reached, decrypted for this view
    reminders: list = field(default_factory=list)   # scheduled and sent (screening/reminders.py)


def contact_detail(conn: Connection, cipher: TextCipher, screening) -> str | None:
    """The person's chosen way to be reached. By SMS the core keeps only the gateway's id for
    the phone ("sms:" + keyed hash); the number itself is the gateway's, encrypted."""
    detail = cipher.decrypt(screening.contact_detail_enc) if screening.contact_detail_enc else None
    phone_hash = phone_hash_of(detail) if detail else None
    if phone_hash:
        phone_enc = conn.execute(select(sms_conversations.c.phone_enc).where(
            sms_conversations.c.phone_hash == phone_hash)).scalar()
        detail = cipher.decrypt(phone_enc) if phone_enc else None
    if not screening.contact_preference:
        return None
    return f"{screening.contact_preference}: {detail}" if detail else screening.contact_preference


def review_state(conn: Connection, screening_id: str) -> ReviewState:
    names = dict(conn.execute(select(console_accounts.c.id, console_accounts.c.username)).all())
    row = conn.execute(select(case_reviews).where(case_reviews.c.screening_id == screening_id)).first()
    if row is None:
        return ReviewState()
    return ReviewState(status=row.status, assigned_to_id=row.assigned_to, assigned_to=names.get(row.assigned_to),
                       confirmed_by=names.get(row.completion_confirmed_by), confirmed_at=row.completion_confirmed_at)


def _answers(conn: Connection, cipher: TextCipher, screening_id: str, instrument: Instrument) -> list[AnswerLine]:
    latest: dict[str, Any] = {}
    for row in conn.execute(select(m.answers).where(m.answers.c.screening_id == screening_id)
                            .order_by(m.answers.c.item_id, m.answers.c.version)):
        latest[row.item_id] = row
    order = {item_id: n for n, item_id in enumerate(instrument.items)}
    lines = []
    for item_id in sorted(latest, key=lambda i: order.get(i, len(order))):
        row = latest[item_id]
        item = instrument.items.get(item_id)
        option_ids, skip_reason = open_answer(cipher, row)     # sensitive items are stored encrypted
        labels = [item.option(o).label["en"] for o in option_ids] if item else list(option_ids)
        lines.append(AnswerLine(
            item_id=item_id, question=item.text["en"] if item else item_id,
            answer="; ".join(labels), free_text=cipher.decrypt(row.free_text_enc), skipped=row.skipped,
            skip_reason=skip_reason, answered_at=row.answered_at, times_changed=row.version - 1,
            loinc=item.loinc if item else None, language=row.language,
            translation_review=instrument.translation_review(row.language, item_id)))
    return lines


def case_detail(conn: Connection, cipher: TextCipher, screening_id: str,
                instrument: Instrument | None = None) -> CaseDetail | None:
    instrument = instrument or default_instrument()
    screening = conn.execute(select(m.screenings).where(m.screenings.c.id == screening_id)).first()
    if screening is None:
        return None
    by_screening = lambda table: table.c.screening_id == screening_id  # noqa: E731
    names = dict(conn.execute(select(console_accounts.c.id, console_accounts.c.username)).all())
    return CaseDetail(
        screening=screening,
        review=review_state(conn, screening_id),
        transcript=transcript_lines(conn, cipher, screening_id),
        answers=_answers(conn, cipher, screening_id, instrument),
        domains=[result_dict(cipher, r) for r in conn.execute(
            select(m.domain_results).where(by_screening(m.domain_results)).order_by(m.domain_results.c.domain))],
        needs=list(conn.execute(select(m.needs.c.category).where(by_screening(m.needs))
                                .order_by(m.needs.c.rank)).scalars()),
        need_statements=[cipher.decrypt(t) for t in conn.execute(
            select(m.need_statements.c.text_enc).where(by_screening(m.need_statements))
            .order_by(m.need_statements.c.id)).scalars()],
        flags=[_flag_line(flag_dict(cipher, r), instrument) for r in conn.execute(
            select(m.flags).where(by_screening(m.flags)).order_by(m.flags.c.id))],
        referrals=[dict(r._mapping) for r in conn.execute(
            select(m.referrals).where(by_screening(m.referrals)).order_by(m.referrals.c.rank, m.referrals.c.id))],
        notes=[{"author": names.get(r.author_id, "?"), "at": r.created_at, "text": cipher.decrypt(r.text_enc)}
               for r in conn.execute(select(case_notes).where(by_screening(case_notes)).order_by(case_notes.c.id))],
        contact=contact_detail(conn, cipher, screening),
        reminders=of_screening(conn, screening_id),
    )


def _flag_line(line: dict, instrument: Instrument) -> dict:
    """A flag as the case page shows it: the stored row (opened) plus its kind and step in plain words."""
    line["words"] = flag_words(line["kind"], line["reason"])
    line["crisis_kind"] = crisis_kind(line["reason"]) if line["kind"] == "crisis" else None
    line["where"] = step_words(line["step"], instrument)
    return line


def screening_exists(conn: Connection, screening_id: str) -> bool:
    return conn.execute(select(m.screenings.c.id).where(m.screenings.c.id == screening_id)).first() is not None


# changes --------------------------------------------------------------------------
def _ensure_review(conn: Connection, screening_id: str, now: datetime) -> ReviewState:
    if conn.execute(select(case_reviews.c.screening_id).where(case_reviews.c.screening_id == screening_id)
                    .with_for_update()).first() is None:
        conn.execute(insert(case_reviews).values(screening_id=screening_id, status="new", updated_at=now))
    return review_state(conn, screening_id)


def _update_review(conn: Connection, screening_id: str, now: datetime, **values) -> None:
    conn.execute(update(case_reviews).where(case_reviews.c.screening_id == screening_id)
                 .values(updated_at=now, **values))


def set_status(conn: Connection, screening_id: str, new_status: str, now: datetime) -> str:
    """Move the review on; returns the old status."""
    if new_status not in REVIEW_STATUSES:
        raise CaseError(f"status must be one of: {', '.join(REVIEW_STATUSES)}", 400)
    current = _ensure_review(conn, screening_id, now).status
    if new_status not in STATUS_MOVES[current]:
        raise CaseError(f"A case that is {current.replace('_', ' ')} cannot move to {new_status.replace('_', ' ')}.")
    _update_review(conn, screening_id, now, status=new_status)
    return current


def assign(conn: Connection, screening_id: str, account_id: int | None, now: datetime) -> None:
    if account_id is not None:
        role = conn.execute(select(console_accounts.c.role).where(console_accounts.c.id == account_id)).scalar()
        if role not in ("screener", "supervisor"):
            raise CaseError("Cases can be assigned to screeners and supervisors only.", 400)
    _ensure_review(conn, screening_id, now)
    _update_review(conn, screening_id, now, assigned_to=account_id)


def add_note(conn: Connection, cipher: TextCipher, screening_id: str, author_id: int, text: str,
             now: datetime) -> None:
    text = (text or "").strip()
    if not text:
        raise CaseError("The note is empty.", 400)
    if len(text) > MAX_NOTE_CHARS:
        raise CaseError(f"A note can be at most {MAX_NOTE_CHARS} characters.", 400)
    conn.execute(insert(case_notes).values(screening_id=screening_id, author_id=author_id,
                                           text_enc=cipher.encrypt(text), created_at=now))


def confirm_completion(conn: Connection, screening_id: str, account_id: int, now: datetime) -> bool:
    """A trained screener confirms the screening was done; False when it already was."""
    status = conn.execute(select(m.screenings.c.status).where(m.screenings.c.id == screening_id)).scalar()
    if status != "completed":
        raise CaseError("This screening is not finished yet, so its completion cannot be confirmed.")
    if _ensure_review(conn, screening_id, now).confirmed_at is not None:
        return False
    _update_review(conn, screening_id, now, completion_confirmed_by=account_id, completion_confirmed_at=now)
    return True
