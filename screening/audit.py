"""The audit log: append-only, hash-chained events.

Each event's hash is HMAC-SHA256(audit key, previous hash + the event as canonical
JSON), so changing any stored event breaks the chain from there on. The audit key is
AUDIT_KEY, kept apart from the app's SECRET_KEY; each event records the id (a
fingerprint) of the key that signed it, so AUDIT_KEY can be rotated (newest first,
comma-separated, like ENCRYPTION_KEY) and old events still verify. Events written
before AUDIT_KEY existed carry no key id and were signed with SECRET_KEY; the head row
records how many there were, and only that many may lack a key id. A head row
(count and last hash) is updated in the same transaction as each append, so
deleting the newest events is detected too. Appends are serialized by locking the
head row (PostgreSQL: FOR UPDATE; SQLite serializes writers anyway).
"""
from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterator

from sqlalchemy import insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from .crypto import KeySettingError
from .records.console_tables import audit_events, audit_head

GENESIS = "0" * 64
HEAD_ID = 1


@dataclass(frozen=True)
class AuditEvent:
    seq: int
    at: datetime
    actor: str
    action: str
    screening_id: str | None
    details: dict[str, Any]


@dataclass(frozen=True)
class ChainReport:
    intact: bool
    count: int
    broken_at: int | None = None      # the first event that does not fit (seq), if any
    reason: str = ""


def key_id(key: str) -> str:
    """A short public name for an audit key (it reveals nothing usable about the key)."""
    return hmac.new(key.encode("utf-8"), b"audit key id", hashlib.sha256).hexdigest()[:16]


@dataclass(frozen=True)
class AuditKeys:
    """The keys of the audit chain: `keys[0]` signs new events; every key in `keys` still
    verifies the events it signed; `legacy` (SECRET_KEY) verifies events from before
    AUDIT_KEY existed."""
    keys: tuple[str, ...]
    legacy: str = ""

    def __post_init__(self):
        if not self.keys or not all(self.keys):
            raise KeySettingError("AUDIT_KEY is not set. Run `make env` (it adds one to .env) or "
                                  "`screening keys` and copy its AUDIT_KEY line into .env.")

    @classmethod
    def from_settings(cls, audit_key: str, secret_key: str = "") -> "AuditKeys":
        return cls(tuple(k.strip() for k in (audit_key or "").split(",") if k.strip()), secret_key)

    @classmethod
    def of(cls, keys: "AuditKeys | str") -> "AuditKeys":
        """A plain string is one key (scripts and tests)."""
        return keys if isinstance(keys, AuditKeys) else cls((keys,))

    @property
    def signing_id(self) -> str:
        return key_id(self.keys[0])

    def by_id(self) -> dict[str, str]:
        return {key_id(k): k for k in self.keys}


def canonical(seq: int, at: datetime, actor: str, action: str, screening_id: str | None, details: str,
              signed_by: str | None = None) -> str:
    event = {"seq": seq, "at": at.isoformat(), "actor": actor, "action": action,
             "screening_id": screening_id, "details": details}
    if signed_by is not None:           # events from before AUDIT_KEY have no key id
        event["key_id"] = signed_by
    return json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def chain_hash(secret_key: str, prev_hash: str, event_json: str) -> str:
    return hmac.new(secret_key.encode("utf-8"), (prev_hash + event_json).encode("utf-8"),
                    hashlib.sha256).hexdigest()


def _locked_head(conn: Connection) -> tuple[int, str]:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    conn.execute(dialect.insert(audit_head).values(id=HEAD_ID, count=0, last_hash=GENESIS)
                 .on_conflict_do_nothing(index_elements=["id"]))
    row = conn.execute(select(audit_head.c.count, audit_head.c.last_hash)
                       .where(audit_head.c.id == HEAD_ID).with_for_update()).one()
    return row.count, row.last_hash


def append(conn: Connection, keys: AuditKeys | str, *, actor: str, action: str, now: datetime,
           screening_id: str | None = None, details: dict[str, Any] | None = None) -> int:
    """Add one event inside the caller's transaction; returns its sequence number."""
    keys = AuditKeys.of(keys)
    count, last_hash = _locked_head(conn)
    seq = count + 1
    details_json = json.dumps(details or {}, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    signed_by = keys.signing_id
    event_hash = chain_hash(keys.keys[0], last_hash,
                            canonical(seq, now, actor, action, screening_id, details_json, signed_by))
    conn.execute(insert(audit_events).values(seq=seq, at=now, actor=actor, action=action,
                                             screening_id=screening_id, details=details_json,
                                             prev_hash=last_hash, hash=event_hash, key_id=signed_by))
    conn.execute(update(audit_head).where(audit_head.c.id == HEAD_ID).values(count=seq, last_hash=event_hash))
    return seq


def verify(conn: Connection, keys: AuditKeys | str) -> ChainReport:
    """Walk the whole chain; the first event that does not fit is named."""
    keys = AuditKeys.of(keys)
    known = keys.by_id()
    head = conn.execute(select(audit_head.c.count, audit_head.c.last_hash, audit_head.c.legacy_events)
                        .where(audit_head.c.id == HEAD_ID)).first()
    head_count, head_hash, legacy_events = (head.count, head.last_hash, head.legacy_events) if head \
        else (0, GENESIS, 0)
    expected_prev, seq = GENESIS, 0
    rows = conn.execute(select(audit_events).order_by(audit_events.c.seq))
    for row in rows:
        seq += 1
        if row.seq != seq:
            return ChainReport(False, seq - 1, seq, f"event {seq} is missing")
        if row.prev_hash != expected_prev:
            return ChainReport(False, seq - 1, seq, f"event {seq} does not follow event {seq - 1}")
        if row.key_id is None:
            if seq > legacy_events:
                return ChainReport(False, seq - 1, seq, f"event {seq} has no audit key id")
            key = keys.legacy
            if not key:
                return ChainReport(False, seq - 1, seq, f"event {seq} was signed with SECRET_KEY, which is not set")
        else:
            key = known.get(row.key_id)
            if key is None:
                return ChainReport(False, seq - 1, seq, f"event {seq} was signed with an audit key not in "
                                   f"AUDIT_KEY (key id {row.key_id})")
        recomputed = chain_hash(key, row.prev_hash, canonical(row.seq, row.at, row.actor, row.action,
                                                              row.screening_id, row.details, row.key_id))
        if not hmac.compare_digest(recomputed, row.hash):
            return ChainReport(False, seq - 1, seq, f"event {seq} was changed")
        expected_prev = row.hash
    if head_count != seq or head_hash != expected_prev:
        return ChainReport(False, seq, seq + 1 if head_count > seq else seq,
                           f"the log should hold {head_count} events but holds {seq}"
                           if head_count != seq else "the newest event was replaced")
    return ChainReport(True, seq)


def recent(conn: Connection, limit: int = 100, before_seq: int | None = None) -> Iterator[AuditEvent]:
    """Newest first."""
    query = select(audit_events).order_by(audit_events.c.seq.desc()).limit(limit)
    if before_seq is not None:
        query = query.where(audit_events.c.seq < before_seq)
    for row in conn.execute(query):
        yield AuditEvent(seq=row.seq, at=row.at, actor=row.actor, action=row.action,
                         screening_id=row.screening_id, details=json.loads(row.details))
