"""The program running the screening, as settings: its name, phone, staff hours and mode.

A program sets these in the environment or `.env` (see `.env.example`); the dialogue
reads them so what a person is told (who runs this, when a person answers, whether there
is a fine and a deadline) is true for that program.

Modes:
  - "fine_waiver" (the default, the bill H.2119 / S.1277): finishing within 45 days of the
    citation date waives the fine; the person gets a completion code a court can check.
  - "voluntary": a screening with no fine, no deadline and no court wording (for example
    Massachusetts' 2025-26 "list of resources" version, or a deflection program).

Staff hours: `PROGRAM_STAFF_HOURS` as "Mon-Fri 09:00-17:00" (days Mon..Sun, a range or a
comma list, then a 24-hour time range), in the program's time zone (America/New_York).
"24/7" means a person always answers; empty means no set hours.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, timezone
from typing import Mapping
from zoneinfo import ZoneInfo

from .start_keywords import DEFAULT_KEYWORDS

PROGRAM_TIMEZONE = ZoneInfo("America/New_York")
MODES = ("fine_waiver", "voluntary")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_HOURS = "Mon-Fri 09:00-17:00"
_HOURS = re.compile(r"^\s*([A-Za-z,\- ]+?)\s+(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


class ProgramSettingsError(ValueError):
    """A program setting cannot be read; the message says which and how to fix it."""


@dataclass(frozen=True)
class StaffHours:
    """When a trained person is at work to answer (program time zone)."""
    days: frozenset[int] = frozenset(range(5))     # Monday = 0
    start: time = time(9, 0)
    end: time = time(17, 0)
    always: bool = False

    @classmethod
    def parse(cls, text: str) -> "StaffHours":
        text = (text or "").strip()
        if text.lower() in ("24/7", "always"):
            return cls(always=True)
        match = _HOURS.match(text)
        if not match:
            raise ProgramSettingsError(
                f"PROGRAM_STAFF_HOURS {text!r} is not like 'Mon-Fri 09:00-17:00' or '24/7'")
        days: set[int] = set()
        for chunk in match.group(1).replace(" ", "").lower().split(","):
            ends = chunk.split("-")
            if not all(e[:3] in DAYS for e in ends) or len(ends) > 2:
                raise ProgramSettingsError(f"PROGRAM_STAFF_HOURS: unknown day in {chunk!r} (use Mon..Sun)")
            first, last = DAYS.index(ends[0][:3]), DAYS.index(ends[-1][:3])
            day = first
            while True:
                days.add(day)
                if day == last:
                    break
                day = (day + 1) % 7
        start = time(int(match.group(2)), int(match.group(3)))
        end = time(int(match.group(4)), int(match.group(5)))
        if end <= start:
            raise ProgramSettingsError("PROGRAM_STAFF_HOURS: the end time must be after the start time")
        return cls(days=frozenset(days), start=start, end=end)

    def is_open(self, when: datetime) -> bool:
        if self.always:
            return True
        local = _local(when)
        return local.weekday() in self.days and self.start <= local.time() < self.end

    def next_open(self, when: datetime) -> datetime:
        """The next time (program time zone) a person is at work; `when` itself if open now."""
        if self.is_open(when):
            return _local(when)
        local = _local(when)
        for ahead in range(8):
            day = (local + timedelta(days=ahead)).date()
            opening = datetime.combine(day, self.start, PROGRAM_TIMEZONE)
            if day.weekday() in self.days and opening > local:
                return opening
        raise ProgramSettingsError("PROGRAM_STAFF_HOURS names no day")


DEFAULT_NAME = "the Needs Check program"


@dataclass(frozen=True)
class Program:
    name: str = DEFAULT_NAME             # PROGRAM_NAME; when unset, each language says its own default
    phone: str = ""                     # where a person can call the program's staff
    mode: str = "fine_waiver"
    staff_hours: StaffHours = field(default_factory=StaffHours)
    staff_hours_text: str = DEFAULT_HOURS
    retention_days: int = 365           # how long screenings are kept, as told to people
    # The words printed on the citation insert that start the screening by text, per language
    # ((language, word) pairs; INSERT_KEYWORD*, screening/start_keywords.py).
    start_keywords: tuple[tuple[str, str], ...] = tuple(DEFAULT_KEYWORDS.items())

    @property
    def name_is_set(self) -> bool:
        return self.name != DEFAULT_NAME

    def start_keyword(self, language: str) -> str:
        return dict(self.start_keywords).get(language, "")

    @property
    def has_deadline(self) -> bool:
        return self.mode == "fine_waiver"


def _local(when: datetime) -> datetime:
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(PROGRAM_TIMEZONE)


def load_program(env: Mapping[str, str] | None = None) -> Program:
    """The program from PROGRAM_* settings; a bad value raises ProgramSettingsError."""
    env = os.environ if env is None else env
    mode = (env.get("PROGRAM_MODE") or "fine_waiver").strip().lower()
    if mode not in MODES:
        raise ProgramSettingsError(f"PROGRAM_MODE {mode!r}: use one of {', '.join(MODES)}")
    hours_text = (env.get("PROGRAM_STAFF_HOURS") or DEFAULT_HOURS).strip()
    retention = (env.get("PROGRAM_RETENTION_DAYS") or "365").strip()
    if not retention.isdigit() or int(retention) < 1:
        raise ProgramSettingsError(f"PROGRAM_RETENTION_DAYS {retention!r}: use a whole number of days")
    return Program(
        name=(env.get("PROGRAM_NAME") or Program.name).strip(),
        phone=(env.get("PROGRAM_PHONE") or "").strip(),
        mode=mode,
        staff_hours=StaffHours.parse(hours_text),
        staff_hours_text=hours_text,
        retention_days=int(retention),
        start_keywords=_start_keywords(env),
    )


def _start_keywords(env: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    from .start_keywords import StartKeywordError, load_start_keywords

    try:
        return load_start_keywords(env)
    except StartKeywordError as exc:
        raise ProgramSettingsError(str(exc)) from None
