"""The assistant's words in every language, from `content/messages/<lang>.yaml`.

A catalog speaks for one program (`screening.program.Program`): `{program_name}` in
any message is the program's name, and in the "voluntary" mode a message listed under
`voluntary:` in the messages file replaces the one with the same key, so nothing said
in that mode talks of a court, a fine or a deadline.
"""
from __future__ import annotations

from datetime import date, datetime, time
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from ..languages import LANGUAGES  # noqa: F401  (the one list of languages, re-exported)
from ..program import Program, StaffHours
from ..resources import phone_variables

MESSAGES_DIR = Path(__file__).resolve().parent.parent / "content" / "messages"
VOLUNTARY_SECTION = "voluntary"
_MISSING = object()


@lru_cache(maxsize=None)
def _load(language: str) -> dict[str, Any]:
    return yaml.safe_load((MESSAGES_DIR / f"{language}.yaml").read_text(encoding="utf-8"))


def _find(node: Any, key: str) -> Any:
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return _MISSING
        node = node[part]
    return node


class Catalog:
    """`say(lang, key, **values)` returns the message with its placeholders filled."""

    def __init__(self, program: Program | None = None) -> None:
        self.program = program or Program()
        self._phones = phone_variables()

    @property
    def voluntary(self) -> bool:
        return self.program.mode == "voluntary"

    def raw(self, language: str, key: str) -> Any:
        messages = _load(language)
        if self.voluntary:
            found = _find(messages.get(VOLUNTARY_SECTION), key)
            if found is not _MISSING:
                return found
        found = _find(messages, key)
        if found is _MISSING:
            raise KeyError(f"{language}: no message {key!r}")
        return found

    def program_name(self, language: str) -> str:
        """PROGRAM_NAME as the program set it, else the default name in `language`."""
        found = _find(_load(language), "program_name_default") if not self.program.name_is_set else _MISSING
        return self.program.name if found is _MISSING else str(found)

    def _values(self, language: str, values: dict[str, Any]) -> dict[str, Any]:
        return {**self._phones, "program_name": self.program_name(language), **values}

    def say(self, language: str, key: str, **values: Any) -> str:
        return str(self.raw(language, key)).format(**self._values(language, values))

    def paragraphs(self, language: str, key: str, **values: Any) -> list[str]:
        return [str(p).format(**self._values(language, values)) for p in self.raw(language, key)]

    def need_label(self, language: str, need: str) -> str:
        return self.raw(language, f"need.{need}")

    def need_list(self, language: str, needs) -> str:
        return ", ".join(self.need_label(language, n) for n in needs)

    def long_date(self, language: str, day: date) -> str:
        month = self.raw(language, "months")[day.month - 1]
        return self.raw(language, "date_format").format(month=month, day=day.day, year=day.year)

    def staff_back(self, language: str, when: datetime, today: date) -> str:
        """When the program's staff are next at work: "today at 9 AM", "on Monday at 9 AM"."""
        clock = self.clock_time(language, when.time())
        if when.date() == today:
            return self.say(language, "staff_back_today", time=clock)
        weekday = self.raw(language, "weekdays")[when.weekday()]
        return self.say(language, "staff_back_day", weekday=weekday, time=clock)

    def keep_for(self, language: str, days: int) -> str:
        """How long answers are kept, said plainly: "30 days", "about 6 months", "about 1 year"."""
        if days <= 60:
            return self.say(language, "keep_for.days", n=days)
        if days < 330:
            return self.say(language, "keep_for.months", n=round(days / 30.44))
        years = max(1, round(days / 365.25))
        return self.say(language, "keep_for.year" if years == 1 else "keep_for.years", n=years)

    def clock_time(self, language: str, at: time) -> str:
        hour = at.hour % 12 or 12
        shown = f"{hour}:{at.minute:02d}" if at.minute else str(hour)
        key = "clock.am" if at.hour < 12 else "clock.pm" if at.hour < 19 else "clock.evening"
        return self.say(language, key, time=shown)

    def staff_hours(self, language: str, hours: StaffHours | None = None) -> str:
        """When staff are at work, said plainly: "Monday to Friday, 9 AM to 5 PM"."""
        hours = hours or self.program.staff_hours
        if hours.always:
            return self.say(language, "staff_hours.always")
        names = self.raw(language, "weekdays")
        days = sorted(hours.days)
        if len(days) == 7:
            said_days = self.say(language, "staff_hours.every_day")
        elif len(days) > 2 and days == list(range(days[0], days[-1] + 1)):
            said_days = self.say(language, "staff_hours.day_range", first=names[days[0]], last=names[days[-1]])
        elif len(days) == 1:
            said_days = names[days[0]]
        else:
            said_days = self.say(language, "staff_hours.day_list", first=", ".join(names[d] for d in days[:-1]),
                                 last=names[days[-1]])
        return self.say(language, "staff_hours.days_and_times", days=said_days,
                        start=self.clock_time(language, hours.start), end=self.clock_time(language, hours.end))

    def review_status(self, language: str) -> str:
        return str(_load(language).get("review", "source"))
