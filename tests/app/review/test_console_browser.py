"""The console in Chromium: sign in with a TOTP code, see the list, a case and the
dashboard (screenshots), and nothing a person typed runs as script."""
from __future__ import annotations

from datetime import timedelta

from screening.accounts import totp_code
from tests.core.console_people import XSS_WORDS, screen

from ..web_chat.browser import AXE, axe_violations
from .conftest import PASSWORD


def test_list_case_and_dashboard_in_chromium_with_inert_payloads(sqlite_console, chromium, artifacts):
    console = sqlite_console
    engine = console.person_engine()
    screen(engine, "person-1", needs=XSS_WORDS)
    console.clock.now += timedelta(minutes=30)
    screen(engine, "person-2", before=("honestly i want to die", "yes im safe, lets go on"), channel="web")
    console.clock.now += timedelta(minutes=30)
    screen(engine, "person-3", needs="food and a job", complete=False, language_reply="2")
    enrolment_code = console.issue_account("boss", "supervisor")

    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    dialogs, errors = [], []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{console.base}/review")
    violations = {"sign-in": axe_violations(page)}
    page.fill("#username", "boss")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("img.qr").count() == 0, page.content()       # first sign-in: the code first
    violations["enrolment code"] = axe_violations(page)
    page.fill("#enrolment_code", enrolment_code)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("img.qr").count() == 1, page.content()       # then the QR code to enrol
    violations["enrolment"] = axe_violations(page)
    page.fill("#code", totp_code(console.secret("boss"), console.clock.now))
    page.click("main button[type=submit]")
    page.wait_for_url("**/review/cases")
    rows = page.locator("table.cases tbody tr")
    assert rows.count() == 3 and "crisis" in rows.nth(0).inner_text()
    page.screenshot(path=str(artifacts / "review-list.png"), full_page=True)
    violations["list"] = axe_violations(page)

    page.locator("table.cases tbody tr").nth(2).locator("a").click()
    page.wait_for_selector("ol.transcript")
    assert XSS_WORDS in page.locator("ol.transcript").inner_text()
    assert page.evaluate("window.__pwned") is None and not dialogs and not errors
    assert page.locator("main script, main img[src=x]").count() == 0
    page.screenshot(path=str(artifacts / "review-case.png"), full_page=True)
    violations["case"] = axe_violations(page)

    page.click("text=Dashboard")
    page.wait_for_selector("svg rect.bar")
    assert page.locator("svg[role=img]").count() == 6     # with positive results by domain and the reminders funnel
    page.screenshot(path=str(artifacts / "review-dashboard.png"), full_page=True)
    violations["dashboard"] = axe_violations(page)
    page.close()
    # Screeners are people too: the console passes the same accessibility scan as the chat.
    assert AXE.exists() and violations == {name: [] for name in violations}, violations


def test_the_accounts_page_in_chromium(sqlite_console, chromium, artifacts):
    console = sqlite_console
    console.add_account("admin-one", "admin")
    console.add_account("sam", "screener")
    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{console.base}/review/login")
    page.fill("#username", "admin-one")
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    page.fill("#code", totp_code(console.secret("admin-one"), console.clock.now))
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    page.click("text=Accounts")
    page.wait_for_selector("text=Add an account")
    violations = {"accounts": axe_violations(page)}
    page.fill("#new-username", "lee")
    page.fill("#new-password", "a long password for lee")
    page.click("text=Add and issue an enrolment code")
    page.wait_for_selector("code.enrolment-code")
    assert "Created the screener account lee." in page.inner_text("main")
    page.screenshot(path=str(artifacts / "review-accounts.png"), full_page=True)
    violations["account added"] = axe_violations(page)
    page.close()
    assert violations == {name: [] for name in violations}, violations
