"""Screeners talk back in Chromium: a person in the web chat asks for a person; a screener takes
over on the case page; each sees the other's words appear without reloading (the widget's and
the case page's polls, under the strict CSP), with a saved reply; both pages pass axe."""
from __future__ import annotations

from screening.accounts import totp_code
from screening.casework import assign
from screening.crisis_model import default_model

from ..talk import only_screening
from ..web_chat.browser import AXE, axe_violations, click_and_wait, start_chat, type_and_wait
from .conftest import PASSWORD

SAFE = "Are you safe right now?"


def test_a_screener_and_a_person_talk_in_two_browsers(sqlite_console, chromium, artifacts):
    console = sqlite_console
    default_model()             # learned before the first longer message, not during it
    person = chromium.new_page(viewport={"width": 375, "height": 800})
    problems: list[str] = []
    for page_name, page in (("widget", person),):
        page.on("pageerror", lambda error, n=page_name: problems.append(f"{n}: {error}"))
    start_chat(person, console.base)
    click_and_wait(person, person.get_by_role("button", name="Yes"))
    click_and_wait(person, person.get_by_role("button", name="English"))
    type_and_wait(person, "person")
    case_id = only_screening(console.repository)
    sam_id = console.add_account("sam", "screener")
    with console.repository.transaction() as unit:
        assign(unit.conn, case_id, sam_id, console.clock.now)

    screener = chromium.new_page(viewport={"width": 1280, "height": 900})
    screener.on("pageerror", lambda error: problems.append(f"console: {error}"))
    screener.on("console", lambda message: problems.append(f"console: {message.text}")
                if "Content Security Policy" in message.text else None)
    screener.goto(f"{console.base}/review")
    screener.fill("#username", "sam")
    screener.fill("#password", PASSWORD)
    screener.click("button[type=submit]")
    screener.wait_for_load_state()
    screener.fill("#code", totp_code(console.secret("sam"), console.clock.now))
    screener.click("main button[type=submit]")
    screener.wait_for_url("**/review/cases")
    screener.goto(f"{console.base}/review/cases/{case_id}")
    screener.get_by_role("button", name="Take over the conversation").click()
    screener.wait_for_selector("#reply-form")

    # The person's open widget shows the note and who is with them, by itself.
    person.wait_for_selector(".sc-from-assistant:has-text('A trained person from our team is with you now')",
                             timeout=15000)
    assert person.locator(".sc-staff-note").is_visible()
    assert person.locator(".sc-quick button").count() == 0
    person.get_by_label("Your answer").fill("i need somewhere to sleep tonight")
    person.get_by_label("Your answer").press("Enter")
    person.wait_for_selector(".sc-from-you:has-text('i need somewhere to sleep tonight')")

    # The case page shows it without a reload.
    screener.wait_for_selector("ol.transcript li.by-person:has-text('i need somewhere to sleep tonight')",
                               timeout=15000)
    assert "New message from the person." in screener.locator("#talk-live").inner_text()
    screener.get_by_role("button", name=SAFE).click()
    assert screener.locator("#reply-text").input_value() == SAFE
    screener.get_by_role("button", name="Send reply").click()
    screener.wait_for_selector(f"ol.transcript li.by-screener:has-text('{SAFE}')")
    screener.screenshot(path=str(artifacts / "review-talk.png"), full_page=True)
    case_violations = axe_violations(screener) if AXE.exists() else []

    person.wait_for_selector(f".sc-from-staff:has-text('{SAFE}')", timeout=15000)
    assert "Trained staff:" in person.locator(".sc-from-staff").last.inner_text()
    person.screenshot(path=str(artifacts / "web-chat-with-staff.png"), full_page=True)
    widget_violations = axe_violations(person) if AXE.exists() else []

    screener.get_by_role("button", name="Hand back to the assistant").click()
    screener.wait_for_selector("text=The assistant is answering this person.")
    person.wait_for_selector(".sc-from-assistant:has-text('The trained person has left this chat')", timeout=15000)
    assert "What date is on your ticket" in person.locator(".sc-from-assistant").last.inner_text()
    assert not person.locator(".sc-staff-note").is_visible()
    person.close()
    screener.close()
    assert problems == []
    assert case_violations == [] and widget_violations == [], (case_violations, widget_violations)
