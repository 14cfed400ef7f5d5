"""What a reminder says, in the person's language (screening/reminders.py schedules them).

Made when a reminder is sent, never stored with the schedule: a nudge names the
deadline as every message does (`finish_by`), a check-in names the service.
"""
from __future__ import annotations

from datetime import date

from ..reminders import CHECK_IN, NUDGE
from .catalog import Catalog


def finish_by(catalog: Catalog, language: str, deadline: date | None, late: bool) -> str:
    """When to finish: the date when the person gave their ticket's date, else 45 days from it."""
    if deadline and late:
        return catalog.say(language, "finish_by.late")
    if deadline:
        return catalog.say(language, "finish_by.date", deadline=catalog.long_date(language, deadline))
    return catalog.say(language, "finish_by.ticket")


def reminder_text(catalog: Catalog, language: str, kind: str, *, deadline: date | None = None,
                  late: bool = False, service: str = "") -> str:
    if kind == NUDGE:
        return catalog.say(language, "reminders.nudge", finish_by=finish_by(catalog, language, deadline, late))
    if kind == CHECK_IN:
        return catalog.say(language, "reminders.check_in", service=service)
    raise ValueError(f"unknown reminder kind {kind!r}")
