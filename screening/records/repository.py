"""Reading and writing screenings. Every method runs inside the caller's
transaction (`Repository.transaction()`), so a turn is stored whole or not at all.
"""
from __future__ import annotations

import json
import secrets
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Iterator, Sequence

from sqlalchemy import and_, func, insert, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from ..crypto import TextCipher, pseudonym
from ..referrals import referral_key
from . import models as m
from . import sealing
from .sealing import Sensitivity
from .talkback_tables import conversation_holds

# Completion codes avoid letters and digits that are easy to confuse (0/O, 1/I/L, 5/S, 8/B).
CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"


class DuplicateTurn(Exception):
    """Another process stored this message's turn first."""


@dataclass
class ScreeningRow:
    """The screening as the dialogue engine works on it during one turn."""
    id: str
    participant_id: str
    status: str
    consent: bool | None
    language: str
    channel: str
    instrument_id: str
    instrument_version: str
    step: str
    state: dict[str, Any]
    citation_date: date | None
    deadline: date | None
    location_zip: str | None
    location_town: str | None
    contact_preference: str | None
    completion_code: str | None
    started_at: datetime
    updated_at: datetime
    completed_at: datetime | None
    contact_detail_enc: bytes | None = field(default=None, repr=False)
    reminders_opt_in: bool | None = None     # may we remind them (None: not asked yet)

    _COLUMNS = ("status", "consent", "language", "channel", "step", "state", "citation_date", "deadline",
                "location_zip", "location_town", "contact_preference", "completion_code",
                "updated_at", "completed_at", "contact_detail_enc", "reminders_opt_in")

    def changes(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self._COLUMNS}


@dataclass(frozen=True)
class StoredAnswer:
    item_id: str
    version: int
    option_ids: tuple[str, ...]
    skipped: bool
    skip_reason: str | None
    language: str
    answered_at: datetime


def new_completion_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


class Repository:
    def __init__(self, engine: Engine, cipher: TextCipher, secret_key: str, audit_key: str = "",
                 sensitivity: Sensitivity | None = None):
        self.engine = engine
        self.cipher = cipher
        self.secret_key = secret_key
        self.audit_key = audit_key
        # Which answers and results are stored only encrypted: the instrument says.
        self.sensitivity = sensitivity or sealing.default_sensitivity()

    @property
    def audit_keys(self) -> "AuditKeys":
        """The audit chain's keys (AUDIT_KEY; SECRET_KEY for events from before it existed).
        Raises KeySettingError when AUDIT_KEY is not set."""
        from ..audit import AuditKeys
        return AuditKeys.from_settings(self.audit_key, self.secret_key)

    @contextmanager
    def transaction(self) -> Iterator["Unit"]:
        with self.engine.begin() as conn:
            yield Unit(conn, self.cipher, self.secret_key, self.sensitivity)


class Unit:
    """One transaction's worth of work."""

    def __init__(self, conn: Connection, cipher: TextCipher, secret_key: str,
                 sensitivity: Sensitivity | None = None):
        self.conn = conn
        self.cipher = cipher
        self.secret_key = secret_key
        self.sensitivity = sensitivity or sealing.default_sensitivity()
        self._holds: dict[str, int | None] = {}

    def ping(self) -> None:
        """A round trip to the database that also proves the schema is there (health checks)."""
        self.conn.execute(select(m.screenings.c.id).limit(1)).first()

    # participants and turns -------------------------------------------------
    def _participant_query(self, channel: str, sender_id: str):
        return select(m.participants.c.id).where(
            m.participants.c.sender_hash == pseudonym(self.secret_key, channel, sender_id))

    def participant_id(self, channel: str, sender_id: str, now: datetime) -> str:
        """The person's id, creating it on first contact, and locked for this transaction:
        one person's messages are handled one at a time, whichever process receives them.

        The channel's id for the person is kept encrypted (`sender_enc`), so a screener's
        reply can reach them; a person first seen before it was kept gets it now."""
        found = self.conn.execute(
            select(m.participants.c.id, m.participants.c.sender_enc)
            .where(m.participants.c.sender_hash == pseudonym(self.secret_key, channel, sender_id))
            .with_for_update()).first()
        if found:
            if found.sender_enc is None:
                self.conn.execute(update(m.participants).where(m.participants.c.id == found.id)
                                  .values(sender_enc=self.cipher.encrypt(sender_id)))
            return found.id
        new_id = str(uuid.uuid4())
        self.conn.execute(insert(m.participants).values(
            id=new_id, sender_hash=pseudonym(self.secret_key, channel, sender_id), channel=channel,
            created_at=now, sender_enc=self.cipher.encrypt(sender_id)))
        return new_id

    def lock_participant(self, participant_id: str) -> None:
        """Wait for the person's turn in progress, if any, and keep the next one waiting until
        this transaction ends (a screener taking over or handing back goes between turns)."""
        self.conn.execute(select(m.participants.c.id).where(m.participants.c.id == participant_id)
                          .with_for_update()).first()

    def held_by(self, screening_id: str) -> int | None:
        """The screener's account holding this screening's conversation, or None: the assistant
        answers (see screening/talkback.py). Read once per transaction."""
        if screening_id not in self._holds:
            self._holds[screening_id] = self.conn.execute(
                select(conversation_holds.c.held_by)
                .where(conversation_holds.c.screening_id == screening_id)).scalar()
        return self._holds[screening_id]

    def existing_participant_id(self, channel: str, sender_id: str) -> str | None:
        """The person's id if they have written before; nothing is created or locked."""
        return self.conn.execute(self._participant_query(channel, sender_id)).scalar()

    def _turn_key(self, message_key: str) -> str:
        # Channel message ids can carry identifiers: store only a keyed hash.
        return pseudonym(self.secret_key, "turn", message_key)

    def stored_replies(self, participant_id: str, message_key: str) -> list[dict] | None:
        token = self.conn.execute(select(m.turns.c.replies_enc).where(and_(
            m.turns.c.participant_id == participant_id,
            m.turns.c.message_key == self._turn_key(message_key)))).scalar()
        return None if token is None else json.loads(self.cipher.decrypt(token))

    def latest_replies(self, participant_id: str) -> list[dict] | None:
        """The replies to the person's last message, as stored with that turn."""
        token = self.conn.execute(select(m.turns.c.replies_enc).where(m.turns.c.participant_id == participant_id)
                                  .order_by(m.turns.c.id.desc()).limit(1)).scalar()
        return None if token is None else json.loads(self.cipher.decrypt(token))

    def save_turn(self, participant_id: str, message_key: str, screening_id: str | None,
                  replies: list[dict], now: datetime) -> int:
        try:
            with self.conn.begin_nested():
                result = self.conn.execute(insert(m.turns).values(
                    participant_id=participant_id, message_key=self._turn_key(message_key),
                    screening_id=screening_id,
                    replies_enc=self.cipher.encrypt(json.dumps(replies)), created_at=now))
        except IntegrityError as exc:
            raise DuplicateTurn(message_key) from exc
        return result.inserted_primary_key[0]

    # screenings --------------------------------------------------------------
    def _screening_row(self, row) -> ScreeningRow | None:
        if row is None:
            return None
        values = {k: row[k] for k in row.keys()}
        values["state"] = sealing.open_state(self.cipher, values["state"])    # the crisis part is sealed
        return ScreeningRow(**values)

    def latest_screening(self, participant_id: str) -> ScreeningRow | None:
        return self._screening_row(self.conn.execute(
            select(m.screenings).where(m.screenings.c.participant_id == participant_id)
            .order_by(m.screenings.c.started_at.desc()).limit(1)).mappings().first())

    def screening(self, screening_id: str) -> ScreeningRow | None:
        return self._screening_row(self.conn.execute(
            select(m.screenings).where(m.screenings.c.id == screening_id)).mappings().first())

    def create_screening(self, participant_id: str, *, language: str, channel: str, instrument_id: str,
                         instrument_version: str, step: str, now: datetime) -> ScreeningRow:
        row = ScreeningRow(
            id=str(uuid.uuid4()), participant_id=participant_id, status="started", consent=None,
            language=language, channel=channel, instrument_id=instrument_id,
            instrument_version=instrument_version, step=step, state={}, citation_date=None,
            deadline=None, location_zip=None, location_town=None, contact_preference=None,
            completion_code=None, started_at=now, updated_at=now, completed_at=None)
        self.conn.execute(insert(m.screenings).values(
            id=row.id, participant_id=participant_id, started_at=now, instrument_id=instrument_id,
            instrument_version=instrument_version, **row.changes()))
        return row

    def save_screening(self, row: ScreeningRow) -> None:
        # JSON columns are compared by value: hand SQLAlchemy a fresh copy.
        changes = row.changes()
        changes["state"] = sealing.seal_state(self.cipher, json.loads(json.dumps(row.state)))
        self.conn.execute(update(m.screenings).where(m.screenings.c.id == row.id).values(**changes))

    def issue_completion_code(self, row: ScreeningRow) -> str:
        while True:
            code = new_completion_code()
            taken = self.conn.execute(
                select(m.screenings.c.id).where(m.screenings.c.completion_code == code)).scalar()
            if not taken:
                row.completion_code = code
                return code

    # answers -------------------------------------------------------------------
    def current_answers(self, screening_id: str) -> dict[str, StoredAnswer]:
        rows = self.conn.execute(
            select(m.answers).where(m.answers.c.screening_id == screening_id)
            .order_by(m.answers.c.item_id, m.answers.c.version))
        latest: dict[str, StoredAnswer] = {}
        for r in rows:
            option_ids, skip_reason = sealing.open_answer(self.cipher, r)
            latest[r.item_id] = StoredAnswer(
                item_id=r.item_id, version=r.version, option_ids=option_ids,
                skipped=r.skipped, skip_reason=skip_reason, language=r.language,
                answered_at=r.answered_at)
        return latest

    def add_answer(self, screening_id: str, item_id: str, *, option_ids: Sequence[str], free_text: str | None,
                   skip_reason: str | None, language: str, now: datetime) -> None:
        version = self.conn.execute(
            select(func.coalesce(func.max(m.answers.c.version), 0))
            .where(and_(m.answers.c.screening_id == screening_id, m.answers.c.item_id == item_id))).scalar()
        values = dict(option_ids=list(option_ids), skip_reason=skip_reason, answer_enc=None)
        if item_id in self.sensitivity.items:
            values = dict(option_ids=[], skip_reason=None,
                          answer_enc=sealing.seal_answer(self.cipher, option_ids, skip_reason))
        self.conn.execute(insert(m.answers).values(
            screening_id=screening_id, item_id=item_id, version=version + 1,
            free_text_enc=self.cipher.encrypt(free_text) if free_text else None,
            skipped=skip_reason is not None, language=language, answered_at=now, **values))

    def save_domain_results(self, screening_id: str, results, now: datetime) -> None:
        self.conn.execute(m.domain_results.delete().where(m.domain_results.c.screening_id == screening_id))
        if results:
            self.conn.execute(insert(m.domain_results), [self._domain_result(screening_id, r, now) for r in results])

    def _domain_result(self, screening_id: str, r, now: datetime) -> dict:
        row = dict(screening_id=screening_id, domain=r.domain, need=r.need, computed_at=now)
        if r.domain in self.sensitivity.domains:
            return dict(row, positive=None, complete=None, score=None,
                        result_enc=sealing.seal_result(self.cipher, r.positive, r.complete, r.score))
        return dict(row, positive=r.positive, complete=r.complete, score=r.score, result_enc=None)

    # needs, flags, transcript ------------------------------------------------
    def replace_needs(self, screening_id: str, categories: Sequence[str], now: datetime) -> None:
        self.conn.execute(m.needs.delete().where(m.needs.c.screening_id == screening_id))
        if categories:
            self.conn.execute(insert(m.needs), [
                dict(screening_id=screening_id, rank=rank, category=c, created_at=now)
                for rank, c in enumerate(categories, start=1)])

    def needs(self, screening_id: str) -> tuple[str, ...]:
        return tuple(self.conn.execute(
            select(m.needs.c.category).where(m.needs.c.screening_id == screening_id)
            .order_by(m.needs.c.rank)).scalars())

    def add_need_statement(self, screening_id: str, text: str, now: datetime) -> None:
        self.conn.execute(insert(m.need_statements).values(
            screening_id=screening_id, text_enc=self.cipher.encrypt(text), created_at=now))

    def add_flag(self, screening_id: str, kind: str, reason: str, now: datetime,
                 step: str | None = None) -> None:
        """Flag the screening for a screener: `kind` crisis or person_requested, `reason` the crisis
        kind (self_harm, overdose, violence, medical) or asked, `step` where the person was.
        The reason and step are stored only encrypted; the kind stays in clear."""
        self.conn.execute(insert(m.flags).values(
            screening_id=screening_id, kind=kind, reason=None, step=None, created_at=now,
            details_enc=sealing.seal_flag(self.cipher, reason, step[:64] if step else None)))

    def add_referrals(self, screening_id: str, referrals, now: datetime) -> None:
        if referrals:
            self.conn.execute(insert(m.referrals), [
                dict(screening_id=screening_id, need=r.need, rank=r.rank, service_id=r.service_id,
                     location_id=r.location_id, name=r.name, town=r.town or None, phone=r.phone or None,
                     miles=r.miles, reason=r.reason, shown_at=now) for r in referrals])

    def shown_referrals(self, screening_id: str) -> list[tuple[str, str]]:
        """(need, key) of every referral shown, in the order shown."""
        rows = self.conn.execute(select(m.referrals.c.need, m.referrals.c.service_id, m.referrals.c.location_id,
                                        m.referrals.c.name)
                                 .where(m.referrals.c.screening_id == screening_id).order_by(m.referrals.c.id))
        return [(need, referral_key(sid, lid, name)) for need, sid, lid, name in rows]

    def add_message(self, screening_id: str, turn_id: int | None, direction: str, channel: str,
                    body: str, now: datetime, author_id: int | None = None) -> int:
        """One line of the transcript, encrypted. `author_id`: the screener who wrote an
        outgoing line (none: the assistant). A person's message that arrives while a screener
        holds the conversation is marked as theirs to read."""
        to_staff = True if direction == "in" and self.held_by(screening_id) is not None else None
        result = self.conn.execute(insert(m.messages).values(
            screening_id=screening_id, turn_id=turn_id, direction=direction, channel=channel,
            body_enc=self.cipher.encrypt(body), created_at=now, author_id=author_id, to_staff=to_staff))
        return result.inserted_primary_key[0]
