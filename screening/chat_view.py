"""What a chat screen shows beside the assistant's words: progress and quick answers.

- `progress_of(text)` reads "Question 4 of 21" (in any catalog language, from the
  catalog's own `question_progress` wording) so a widget can show a progress bar.
- `quick_answers(step)` says which one-tap answers fit where the person is: yes/no
  for consent and permission questions, a skip for other questions, none at the end.
- `picks_several(step)` says whether the question takes several options at once
  (the person's needs, and "pick all that fit" items), so a screen can offer
  toggles and one "send" instead of a tap that answers at once.
"""
from __future__ import annotations

import re
from functools import lru_cache

from .dialogue.catalog import LANGUAGES, Catalog
from .instrument import default_instrument

YES_NO_STEPS = {"consent", "permission"}
SEVERAL_CHOICE_STEPS = {"needs"}


@lru_cache(maxsize=1)
def _progress_patterns() -> tuple[re.Pattern, ...]:
    catalog = Catalog()
    patterns = []
    for language in LANGUAGES:
        template = re.escape(str(catalog.raw(language, "question_progress")))
        template = template.replace(r"\{number\}", r"(?P<number>\d+)").replace(r"\{total\}", r"(?P<total>\d+)")
        patterns.append(re.compile(template))
    return tuple(patterns)


def progress_of(text: str) -> tuple[int, int] | None:
    """(number, total) from the assistant's progress line, or None when the text has none."""
    for pattern in _progress_patterns():
        found = pattern.search(text or "")
        if found:
            number, total = int(found["number"]), int(found["total"])
            if 0 < number <= total:
                return number, total
    return None


def quick_answers(step: str | None, status: str | None = None) -> tuple[str, ...]:
    """The one-tap answers for a step: any of "yes", "no", "skip"."""
    if step is None or step == "done" or status == "completed":
        return ()
    kind = step.partition(":")[0]
    if kind in YES_NO_STEPS:
        return ("yes", "no")
    return ("skip",)


def picks_several(step: str | None) -> bool:
    """True where the person may choose several options in one answer."""
    if not step:
        return False
    kind, _, item_id = step.partition(":")
    if step in SEVERAL_CHOICE_STEPS:
        return True
    items = default_instrument().items
    return kind == "item" and item_id in items and items[item_id].kind == "multi"
