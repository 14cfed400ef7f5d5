"""The console for crisis cases: the one waiting longest at the top with its kinds and wait in
plain words, and each flag on the case page with its kind, the step and the time."""
from __future__ import annotations

import re
from datetime import timedelta

from tests.core.crisis_cases import add_flag, new_case


def rows_of(listing: str) -> list[str]:
    body = listing.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() for row in body.split("</tr>") if "<td" in row]


def test_the_list_puts_the_longest_waiting_crisis_first_with_kinds_and_wait(console):
    clock, repository = console.clock, console.repository
    start = clock.now
    plain = new_case(repository, "plain", start)
    newer = new_case(repository, "newer", start + timedelta(minutes=1))
    older = new_case(repository, "older", start + timedelta(minutes=2))
    add_flag(repository, newer, "overdose", start + timedelta(minutes=50), step="needs")
    add_flag(repository, older, "self_harm", start + timedelta(minutes=5), step="item:phq9_9")
    add_flag(repository, older, "medical", start + timedelta(minutes=20), step="item:ahc_7")
    console.add_account("sam", "screener")
    clock.now = start + timedelta(hours=2, minutes=10)
    client = console.sign_in("sam")                 # moves the clock on 31 seconds

    listing = client.get("/review/cases")
    assert listing.status_code == 200
    rows = rows_of(listing.text)
    assert [row for row in rows if "crisis" in row] == rows[:2]
    assert "Suicide or self-harm, Medical emergency" in rows[0] and "waiting 2 h 5 min" in rows[0]
    assert "Overdose" in rows[1] and "waiting 1 h 20 min" in rows[1]
    assert "crisis" not in rows[2] and "waiting" not in rows[2]
    order = [listing.text.index(f"/review/cases/{case}") for case in (older, newer, plain)]
    assert order == sorted(order)

    page = client.get(f"/review/cases/{older}")
    assert page.status_code == 200
    flags = page.text.split("<h2>Flags</h2>", 1)[1].split("</section>", 1)[0]
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", flags))
    assert "Suicide or self-harm" in text and "at question phq9_9" in text
    assert "Medical emergency" in text and "at question ahc_7" in text and "physically hurt you" in text
    assert "2026-11-24 15:05 UTC" in text and "2026-11-24 15:20 UTC" in text
    newer_page = client.get(f"/review/cases/{newer}").text
    assert "while answering what would help most" in newer_page and "2026-11-24 15:50 UTC" in newer_page
    actions = [(actor, action, case) for actor, action, case in console.audit_actions() if actor == "sam"]
    assert ("sam", "cases.list", None) in actions
    assert ("sam", "case.view", older) in actions and ("sam", "case.view", newer) in actions
