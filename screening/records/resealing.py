"""Whole-table work on encrypted values: seal what is still in clear, open it all again
(migration 0013 and its downgrade), and re-encrypt everything with the newest key
(`screening keys reencrypt`).

Rows are read in primary-key order, a batch at a time, locked for update (PostgreSQL;
SQLite holds its write lock for the whole transaction), so a turn running meanwhile
is never overwritten with an older value. Only the columns named here are read, so
migration 0013 keeps working when later migrations add columns.
"""
from __future__ import annotations

from collections import Counter
from typing import Callable, Iterator

from sqlalchemy import LargeBinary, and_, or_, select, update
from sqlalchemy.engine import Connection, Engine

from ..crypto import TextCipher
from . import models as m
from . import sealing
from .sealing import Sensitivity

BATCH_SIZE = 500


def _batches(conn: Connection, table, columns, where=None) -> Iterator[list]:
    """Rows of (primary key values..., columns...) in primary-key order, BATCH_SIZE at a time."""
    keys = list(table.primary_key.columns)
    after = None
    while True:
        query = select(*keys, *columns).order_by(*keys).limit(BATCH_SIZE).with_for_update()
        if where is not None:
            query = query.where(where)
        if after is not None:
            query = query.where(_after(keys, after))
        rows = conn.execute(query).all()
        if not rows:
            return
        yield rows
        after = tuple(rows[-1][:len(keys)])


def _after(keys, values):
    """Rows whose key sorts after `values` (keyset pagination on one or more key columns)."""
    if len(keys) == 1:
        return keys[0] > values[0]
    first, rest = keys[0], keys[1:]
    return or_(first > values[0], and_(first == values[0], _after(rest, values[1:])))


def _by_key(table, row):
    keys = list(table.primary_key.columns)
    return and_(*(key == row[n] for n, key in enumerate(keys)))


# sealing what is in clear ----------------------------------------------------------------
def seal_clear_rows(conn: Connection, cipher: TextCipher, sensitivity: Sensitivity) -> Counter:
    """Encrypt every sensitive value still stored in clear; returns rows sealed per table."""
    done: Counter = Counter()
    a, r, f, s = m.answers, m.domain_results, m.flags, m.screenings
    if sensitivity.items:
        for rows in _batches(conn, a, (a.c.option_ids, a.c.skip_reason),
                             and_(a.c.item_id.in_(sorted(sensitivity.items)), a.c.answer_enc.is_(None))):
            for row in rows:
                conn.execute(update(a).where(_by_key(a, row)).values(
                    option_ids=[], skip_reason=None,
                    answer_enc=sealing.seal_answer(cipher, row.option_ids or (), row.skip_reason)))
            done["answers"] += len(rows)
    if sensitivity.domains:
        for rows in _batches(conn, r, (r.c.positive, r.c.complete, r.c.score),
                             and_(r.c.domain.in_(sorted(sensitivity.domains)), r.c.result_enc.is_(None))):
            for row in rows:
                conn.execute(update(r).where(_by_key(r, row)).values(
                    positive=None, complete=None, score=None,
                    result_enc=sealing.seal_result(cipher, row.positive, bool(row.complete), row.score)))
            done["domain_results"] += len(rows)
    for rows in _batches(conn, f, (f.c.reason, f.c.step), f.c.details_enc.is_(None)):
        for row in rows:
            conn.execute(update(f).where(_by_key(f, row)).values(
                reason=None, step=None, details_enc=sealing.seal_flag(cipher, row.reason, row.step)))
        done["flags"] += len(rows)
    for rows in _batches(conn, s, (s.c.state,)):
        for row in rows:
            if sealing.CRISIS_KEY in (row.state or {}):
                conn.execute(update(s).where(_by_key(s, row)).values(state=sealing.seal_state(cipher, row.state)))
                done["screenings"] += 1
    return done


def open_sealed_rows(conn: Connection, cipher: TextCipher) -> Counter:
    """Put every sealed value back in its clear columns (the downgrade of migration 0013)."""
    done: Counter = Counter()
    a, r, f, s = m.answers, m.domain_results, m.flags, m.screenings
    for rows in _batches(conn, a, (a.c.option_ids, a.c.skip_reason, a.c.answer_enc), a.c.answer_enc.isnot(None)):
        for row in rows:
            option_ids, skip_reason = sealing.open_answer(cipher, row)
            conn.execute(update(a).where(_by_key(a, row)).values(
                option_ids=list(option_ids), skip_reason=skip_reason, answer_enc=None))
        done["answers"] += len(rows)
    for rows in _batches(conn, r, (r.c.positive, r.c.complete, r.c.score, r.c.result_enc),
                         r.c.result_enc.isnot(None)):
        for row in rows:
            values = sealing.open_result(cipher, row)
            conn.execute(update(r).where(_by_key(r, row)).values(
                positive=values.positive, complete=values.complete, score=values.score, result_enc=None))
        done["domain_results"] += len(rows)
    for rows in _batches(conn, f, (f.c.reason, f.c.step, f.c.details_enc), f.c.details_enc.isnot(None)):
        for row in rows:
            reason, step = sealing.open_flag(cipher, row)
            conn.execute(update(f).where(_by_key(f, row)).values(reason=reason, step=step, details_enc=None))
        done["flags"] += len(rows)
    for rows in _batches(conn, s, (s.c.state,)):
        for row in rows:
            if sealing.SEALED_CRISIS_KEY in (row.state or {}):
                conn.execute(update(s).where(_by_key(s, row)).values(state=sealing.open_state(cipher, row.state)))
                done["screenings"] += 1
    return done


# re-encrypting with the newest key ---------------------------------------------------------
def encrypted_columns() -> list[tuple]:
    """(table, [columns]) of every column holding a value encrypted with ENCRYPTION_KEY."""
    found = []
    for table in m.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, LargeBinary) and c.name.endswith("_enc")]
        if columns:
            found.append((table, columns))
    return found


def reencrypt_all(engine: Engine, cipher: TextCipher,
                  progress: Callable[[str, int], None] | None = None) -> Counter:
    """Re-encrypt every encrypted value (columns and the sealed crisis state) with the newest
    key, one batch per transaction, so the older keys can be dropped afterwards. Returns the
    values re-encrypted per table. Safe to run again after an interruption."""
    done: Counter = Counter()
    for table, columns in encrypted_columns():
        _reencrypt_table(engine, table, columns, cipher, done, progress)
    _reencrypt_states(engine, cipher, done, progress)
    return done


def _reencrypt_table(engine, table, columns, cipher, done, progress) -> None:
    keys = list(table.primary_key.columns)
    after = None
    while True:
        with engine.begin() as conn:
            query = (select(*keys, *columns).where(or_(*(c.isnot(None) for c in columns)))
                     .order_by(*keys).limit(BATCH_SIZE).with_for_update())
            if after is not None:
                query = query.where(_after(keys, after))
            rows = conn.execute(query).all()
            for row in rows:
                values = {c.name: cipher.rotate(row[c.name]) for c in columns if row[c.name] is not None}
                conn.execute(update(table).where(_by_key(table, row)).values(**values))
                done[table.name] += len(values)
        if not rows:
            return
        after = tuple(rows[-1][:len(keys)])
        if progress:
            progress(table.name, done[table.name])


def _reencrypt_states(engine, cipher, done, progress) -> None:
    s = m.screenings
    after = None
    while True:
        with engine.begin() as conn:
            query = select(s.c.id, s.c.state).order_by(s.c.id).limit(BATCH_SIZE).with_for_update()
            if after is not None:
                query = query.where(s.c.id > after)
            rows = conn.execute(query).all()
            for row in rows:
                state = sealing.rotate_state(cipher, row.state)
                if state is not None:
                    conn.execute(update(s).where(s.c.id == row.id).values(state=state))
                    done["screenings.state"] += 1
        if not rows:
            return
        after = rows[-1].id
        if progress:
            progress("screenings.state", done["screenings.state"])
