"""Counts that outlive the screenings they count (per month, metric, key)."""
from __future__ import annotations

from collections import Counter
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from .records.console_tables import aggregate_counts


def month_of(value: date | datetime) -> str:
    return f"{value.year:04d}-{value.month:02d}"


def add_count(conn: Connection, month: str, metric: str, key: str, amount: int = 1) -> None:
    """Add `amount` to one count, creating it; safe when two processes add at once."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(aggregate_counts).values(month=month, metric=metric, key=key, count=amount)
    conn.execute(statement.on_conflict_do_update(
        index_elements=["month", "metric", "key"],
        set_={"count": aggregate_counts.c.count + amount}))


def add_counts(conn: Connection, counts: Counter) -> None:
    """`counts` keyed by (month, metric, key)."""
    for (month, metric, key), amount in sorted(counts.items()):
        add_count(conn, month, metric, key, amount)


def totals(conn: Connection, metric: str) -> Counter:
    """Every month added up: key -> count."""
    found: Counter = Counter()
    for key, count in conn.execute(select(aggregate_counts.c.key, aggregate_counts.c.count)
                                   .where(aggregate_counts.c.metric == metric)):
        found[key] += count
    return found
