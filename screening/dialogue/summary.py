"""The end of the screening: what the person told us, where to get help, the code.

Referral sources plug in through `ReferralSource`: the statewide lines are the
default and the fallback, so no need is ever left without somewhere to turn.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol, Sequence

from ..referrals import referral_key
from ..languages import SOURCE
from ..resources import language_access, resources_for_need
from .catalog import Catalog
from .replies import Reply

MAX_NEEDS_IN_SUMMARY = 4


@dataclass(frozen=True)
class Referral:
    need: str
    rank: int
    name: str
    how: str = ""              # how to reach it, in the person's language ("call 211")
    town: str = ""
    reason: str = ""           # a short plain reason ("0.4 miles away · free")
    phone: str = ""
    miles: float | None = None
    service_id: str | None = None
    location_id: str | None = None

    def key(self) -> str:
        return referral_key(self.service_id, self.location_id, self.name)

    def line(self) -> str:
        where = f"{self.name}, {self.town}" if self.town else self.name
        parts = [where + (f": {self.how}" if self.how else "")]
        if self.reason:
            parts.append(f"({self.reason})")
        return " ".join(parts)


class ReferralSource(Protocol):
    def referrals(self, needs: Sequence[str], *, latitude: float | None, longitude: float | None,
                  language: str, conn, skip: Sequence[str] = ()) -> list[Referral]: ...


def how_to_reach(catalog: Catalog, language: str, phone: str, text: str = "", website: str = "") -> str:
    if phone and text:
        return catalog.say(language, "resource_call_text", phone=phone)
    if phone:
        return catalog.say(language, "resource_call", phone=phone)
    if text:
        return catalog.say(language, "resource_text_only", text=text)
    return catalog.say(language, "resource_web", website=website) if website else ""


class StatewideLines:
    """The shipped statewide resource lines for each need: the last fallback."""

    def __init__(self, catalog: Catalog):
        self.catalog = catalog

    def reason(self, resource_id: str, language: str) -> str:
        """"statewide line", and for a person who is not writing in English, whether the line
        answers in their language or offers an interpreter (content/resources/language_access.csv)."""
        parts = [self.catalog.say(language, "reason_statewide")]
        access = language_access(resource_id, language) if language != SOURCE else None
        if access:
            parts.append(self.catalog.say(language, "reason_language" if access == "speaks" else "reason_interpreter"))
        return " · ".join(parts)

    def referrals(self, needs, *, latitude=None, longitude=None, language="en", conn=None,
                  skip=()) -> list[Referral]:
        found = []
        for need in needs:
            for rank, r in enumerate(resources_for_need(need), start=1):
                found.append(Referral(need, rank, r.name, how_to_reach(self.catalog, language, r.phone, r.text,
                                                                      r.website),
                                      reason=self.reason(r.id, language), phone=r.phone))
        shown = set(skip)
        return [r for r in found if r.key() not in shown]


def referral_lines(catalog: Catalog, language: str, referrals: Sequence[Referral], key: str) -> list[Reply]:
    """One message per need: '<key text> <need>: <one line per referral>'."""
    by_need: dict[str, list[Referral]] = {}
    for referral in referrals:
        by_need.setdefault(referral.need, []).append(referral)
    replies = []
    for need, found in by_need.items():
        label = catalog.need_label(language, need)
        lines = "\n".join(r.line() for r in found)
        replies.append(Reply(catalog.say(language, key, need=label[:1].lower() + label[1:], lines=lines)))
    return replies


def summary_needs(own_needs: Sequence[str], screened_needs: Sequence[str]) -> list[str]:
    """The needs referrals are given for: the person's own first, then positive screens."""
    return [*own_needs, *[n for n in screened_needs if n not in own_needs]][:MAX_NEEDS_IN_SUMMARY]


def summary_replies(catalog: Catalog, referrals: Sequence[Referral], *, language: str,
                    own_needs: Sequence[str], screened_needs: Sequence[str], code: str, completed_on: date,
                    deadline: date | None, verify_url: str = "", texted_when_confirmed: bool = False,
                    reach_out: bool = False) -> list[Reply]:
    """What the person told us, where to get help, then what happens next: the code and the
    page to check it, the deadline (fine-waiver programs), who confirms it and when, and how
    the person learns that it was confirmed."""
    say = lambda key, **v: catalog.say(language, key, **v)  # noqa: E731
    replies = [Reply(say("summary_done"))]
    if own_needs:
        replies.append(Reply(say("summary_needs", needs=catalog.need_list(language, own_needs))))
    else:
        replies.append(Reply(say("summary_no_needs")))
    other = [n for n in screened_needs if n not in own_needs]
    if other:
        replies.append(Reply(say("summary_other_needs", needs=catalog.need_list(language, other))))
    replies += referral_lines(catalog, language, referrals, "summary_help_for")
    if referrals:
        replies.append(Reply(say("summary_more")))
    if language != SOURCE:
        replies.append(Reply(say("summary_language_access")))
    replies.append(Reply(say("summary_code", code=code, date=catalog.long_date(language, completed_on))))
    if verify_url:
        replies.append(Reply(say("summary_check", verify_url=verify_url)))
    if catalog.program.has_deadline:
        if deadline:
            key = "summary_deadline_met" if completed_on <= deadline else "summary_deadline_passed"
            replies.append(Reply(say(key, deadline=catalog.long_date(language, deadline))))
        else:
            replies.append(Reply(say("summary_deadline_unknown")))
    replies.append(Reply(say("summary_next", staff_hours=catalog.staff_hours(language))))
    if catalog.program.has_deadline:
        replies.append(Reply(say("summary_confirm_text" if texted_when_confirmed else "summary_confirm_page")))
    if reach_out:
        replies.append(Reply(say("summary_reach_out")))
    return replies
