"""The assistant's words in every language, from `content/messages/<lang>.yaml`."""
from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from ..resources import phone_variables

MESSAGES_DIR = Path(__file__).resolve().parent.parent / "content" / "messages"
LANGUAGES = ("en", "es")


@lru_cache(maxsize=None)
def _load(language: str) -> dict[str, Any]:
    return yaml.safe_load((MESSAGES_DIR / f"{language}.yaml").read_text(encoding="utf-8"))


class Catalog:
    """`say(lang, key, **values)` returns the message with its placeholders filled."""

    def __init__(self) -> None:
        self._phones = phone_variables()

    def raw(self, language: str, key: str) -> Any:
        node: Any = _load(language)
        for part in key.split("."):
            node = node[part]
        return node

    def say(self, language: str, key: str, **values: Any) -> str:
        return str(self.raw(language, key)).format(**self._phones, **values)

    def paragraphs(self, language: str, key: str) -> list[str]:
        return [str(p).format(**self._phones) for p in self.raw(language, key)]

    def need_label(self, language: str, need: str) -> str:
        return self.raw(language, f"need.{need}")

    def need_list(self, language: str, needs) -> str:
        return ", ".join(self.need_label(language, n) for n in needs)

    def long_date(self, language: str, day: date) -> str:
        month = self.raw(language, "months")[day.month - 1]
        return self.raw(language, "date_format").format(month=month, day=day.day, year=day.year)

    def staff_back(self, language: str, when: datetime, today: date) -> str:
        """When the program's staff are next at work: "today at 9:00 AM", "on Monday at 9:00 AM"."""
        hour = when.hour % 12 or 12
        clock = self.raw(language, "time_format").format(
            hour12=hour, minute=f"{when.minute:02d}", am_pm=self.raw(language, "am_pm")[when.hour >= 12])
        if when.date() == today:
            return self.raw(language, "staff_back_today").format(time=clock)
        weekday = self.raw(language, "weekdays")[when.weekday()]
        return self.raw(language, "staff_back_day").format(weekday=weekday, time=clock)

    def review_status(self, language: str) -> str:
        return str(_load(language).get("review", "source"))
