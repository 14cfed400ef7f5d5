"""The end of the screening: what the person told us, where to get help, the code.

Referral sources plug in through `ReferralSource`: the statewide lines are the
default and the fallback, so no need is ever left without somewhere to turn.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol, Sequence

from ..resources import Resource, resources_for_need
from .catalog import Catalog
from .replies import Reply

MAX_NEEDS_IN_SUMMARY = 4


@dataclass(frozen=True)
class Referral:
    need: str
    name: str
    how: str          # e.g. "call 211" in the person's language
    reason: str = ""  # a short plain reason ("3 miles away · Spanish spoken")


class ReferralSource(Protocol):
    def referrals(self, need: str, language: str) -> Sequence[Referral]: ...


class StatewideLines:
    """Statewide resource lines for each need, from the shipped resource data."""

    def __init__(self, catalog: Catalog):
        self.catalog = catalog

    def _how(self, resource: Resource, language: str) -> str:
        if resource.phone and resource.text:
            return self.catalog.say(language, "resource_call_text", phone=resource.phone)
        if resource.phone:
            return self.catalog.say(language, "resource_call", phone=resource.phone)
        if resource.text:
            return self.catalog.say(language, "resource_text_only", text=resource.text)
        return self.catalog.say(language, "resource_web", website=resource.website)

    def referrals(self, need: str, language: str) -> Sequence[Referral]:
        return [Referral(need, r.name, self._how(r, language)) for r in resources_for_need(need)]


def summary_replies(catalog: Catalog, source: ReferralSource, *, language: str, own_needs: Sequence[str],
                    screened_needs: Sequence[str], code: str, completed_on: date,
                    deadline: date | None) -> list[Reply]:
    say = lambda key, **v: catalog.say(language, key, **v)  # noqa: E731
    replies = [Reply(say("summary_done"))]
    if own_needs:
        replies.append(Reply(say("summary_needs", needs=catalog.need_list(language, own_needs))))
    else:
        replies.append(Reply(say("summary_no_needs")))
    other = [n for n in screened_needs if n not in own_needs]
    if other:
        replies.append(Reply(say("summary_other_needs", needs=catalog.need_list(language, other))))
    for need in [*own_needs, *other][:MAX_NEEDS_IN_SUMMARY]:
        found = source.referrals(need, language)
        if found:
            lines = "; ".join(f"{r.name}, {r.how}" for r in found)
            replies.append(Reply(say("summary_help_for", need=catalog.need_label(language, need), lines=lines)))
    replies.append(Reply(say("summary_code", code=code, date=catalog.long_date(language, completed_on))))
    if deadline:
        key = "summary_deadline_met" if completed_on <= deadline else "summary_deadline_passed"
        replies.append(Reply(say(key, deadline=catalog.long_date(language, deadline))))
    replies.append(Reply(say("summary_next")))
    return replies
