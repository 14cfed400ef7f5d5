"""Program figures for the dashboard: the funnel (started, consented, completed),
needs named, positive results by domain, language and channel mix, median time to
complete. Live screenings plus the counts kept when old screenings were purged.

The results of sensitive domains are stored encrypted (screening/records/sealing.py):
their counts are made here, in the app, after decrypting each result; SQL never sees them.
"""
from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from .aggregates import totals
from .crypto import TextCipher
from .records import models as m
from .records.sealing import open_result

FUNNEL_STEPS = ("started", "consented", "completed")


@dataclass(frozen=True)
class ProgramFigures:
    funnel: list[tuple[str, int]]
    needs: list[tuple[str, int]]
    positive_domains: list[tuple[str, int]]      # screenings with a positive result, per domain
    languages: list[tuple[str, int]]
    channels: list[tuple[str, int]]
    median_minutes_to_complete: float | None
    completed_measured: int          # how many completions the median is over (live ones only)


def _grouped(conn: Connection, column) -> Counter:
    return Counter(dict(conn.execute(select(column, func.count()).group_by(column)).all()))


def _ranked(counts: Counter) -> list[tuple[str, int]]:
    return sorted(((k, v) for k, v in counts.items() if v), key=lambda kv: (-kv[1], kv[0]))


def live_funnel(conn: Connection) -> Counter:
    s = m.screenings
    return Counter({
        "started": conn.execute(select(func.count()).select_from(s)).scalar(),
        "consented": conn.execute(select(func.count()).select_from(s).where(s.c.consent.is_(True))).scalar(),
        "completed": conn.execute(select(func.count()).select_from(s).where(s.c.status == "completed")).scalar(),
    })


def positive_results(conn: Connection, cipher: TextCipher, screening_ids=None) -> Counter:
    """Domain -> how many screenings have a positive result in it (of `screening_ids`, or all),
    each result opened in the app."""
    r = m.domain_results
    query = select(r.c.domain, r.c.positive, r.c.complete, r.c.score, r.c.result_enc)
    if screening_ids is not None:
        query = query.where(r.c.screening_id.in_(screening_ids))
    return Counter(row.domain for row in conn.execute(query) if open_result(cipher, row).positive)


def program_figures(conn: Connection, cipher: TextCipher) -> ProgramFigures:
    funnel = live_funnel(conn) + totals(conn, "funnel")
    durations = [(done - started).total_seconds() / 60 for started, done in conn.execute(
        select(m.screenings.c.started_at, m.screenings.c.completed_at)
        .where(m.screenings.c.status == "completed", m.screenings.c.completed_at.isnot(None)))]
    return ProgramFigures(
        funnel=[(step, funnel[step]) for step in FUNNEL_STEPS],
        needs=_ranked(_grouped(conn, m.needs.c.category) + totals(conn, "need")),
        positive_domains=_ranked(positive_results(conn, cipher) + totals(conn, "positive_domain")),
        languages=_ranked(_grouped(conn, m.screenings.c.language) + totals(conn, "language")),
        channels=_ranked(_grouped(conn, m.screenings.c.channel) + totals(conn, "channel")),
        median_minutes_to_complete=round(statistics.median(durations), 1) if durations else None,
        completed_measured=len(durations),
    )
