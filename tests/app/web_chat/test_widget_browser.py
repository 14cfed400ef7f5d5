"""The widget in Debian's Chromium against the real app (in-process dialogue, SQLite)."""
from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from screening.app.dialogue_client import BotMessage
from screening.app.main import create_app
from screening.records import models as m
from screening.records.sealing import open_answer

from ...conftest import IN_CI, make_repository
from ..conftest import app_settings, engine_app, serve
from .browser import (
    AXE, app_and_neutral_site, all_assistant_text, assistant_count, axe_violations, click_and_wait,
    last_assistant_text, screen_by_clicking, start_chat, type_and_wait, wait_for_reply, wait_until,
)
from .helpers import conversation_rows


def stored_answers(url: str) -> dict[str, list]:
    repository = make_repository(url)
    try:
        with repository.transaction() as unit:
            rows = unit.conn.execute(select(m.answers))     # sensitive items' answers are stored encrypted
            return {r.item_id: (list(open_answer(unit.cipher, r)[0]), r.skipped) for r in rows}
    finally:
        repository.engine.dispose()


def session_ended(url: str) -> bool:
    """The beacon is in flight when the page has gone: wait (bounded) for the server to end the session."""
    def ended() -> bool:
        return all(row["session_token_hash"] is None for row in conversation_rows(url))
    return wait_until(ended)


def browser_storage(page, context) -> dict:
    return {
        "local": page.evaluate("localStorage.length"),
        "session": page.evaluate("sessionStorage.length"),
        "indexeddb": page.evaluate("indexedDB.databases().then(d => d.length)"),
        "service_workers": page.evaluate("navigator.serviceWorker.getRegistrations().then(r => r.length)"),
        "cookies": context.cookies(),
    }


def test_a_whole_screening_by_clicking_leaves_nothing_in_the_browser(chromium, sqlite_url, clock, artifacts):
    with serve(engine_app(app_settings(sqlite_url), clock)) as base:
        context = chromium.new_context(viewport={"width": 375, "height": 800})
        page = context.new_page()
        start_chat(page, base)
        assert "needs check" in all_assistant_text(page)
        code = page.locator(".sc-code-value").inner_text()
        assert len(code) == 12
        clicks = screen_by_clicking(page)
        assert "Your completion code is" in all_assistant_text(page)
        assert page.locator(".sc-progress").is_hidden()
        storage = browser_storage(page, context)
        page.screenshot(path=str(artifacts / "web-chat-summary-375.png"), full_page=True)
        context.close()
    assert clicks > 20
    answers = stored_answers(sqlite_url)
    assert answers["ahc_1"] == (["steady"], False)          # the first option of each question, by click
    assert storage == {"local": 0, "session": 0, "indexeddb": 0, "service_workers": 0, "cookies": []}


def test_a_whole_screening_by_typing_with_a_language_switch(chromium, sqlite_url, clock):
    with serve(engine_app(app_settings(sqlite_url), clock)) as base:
        page = chromium.new_page(viewport={"width": 1280, "height": 900})
        start_chat(page, base)
        type_and_wait(page, "yes")
        type_and_wait(page, "1")                    # English
        type_and_wait(page, "11/3")                 # the ticket date
        type_and_wait(page, "I need food")
        assert "Question 1 of" in page.locator(".sc-progress-text").inner_text()
        assert page.locator(".sc-progress progress").get_attribute("value") == "1"
        page.get_by_label("Language").select_option("es")     # the language list, each in its own name
        page.wait_for_function("() => document.querySelector('.sc-composer label').textContent === 'Su respuesta'")
        page.wait_for_function("() => document.querySelector('.sc-progress-text').textContent.startsWith('Pregunta')")
        assert page.locator(".sc-widget").get_attribute("lang") == "es"
        for _ in range(80):
            if "código" in all_assistant_text(page)[-2000:] and page.locator(".sc-progress").is_hidden():
                break
            before = assistant_count(page)
            answer = "sí" if page.locator(".sc-quick button", has_text="Sí").count() else \
                "1" if page.locator(".sc-options button").count() else "saltar"
            page.get_by_label("Su respuesta").fill(answer)
            page.get_by_label("Su respuesta").press("Enter")
            wait_for_reply(page, before)
            assert page.get_by_label("Su respuesta").input_value() == ""
        else:
            pytest.fail("the screening did not finish by typing")
        page.close()
    answers = stored_answers(sqlite_url)
    assert answers["ahc_3"] == (["often_true"], False)       # typed "1" on the first food question
    assert answers["ahc_1"][1] is False                       # answered in Spanish after the switch


def test_keyboard_alone_then_shift_three_times_leaves_for_good(chromium, sqlite_url, clock):
    with app_and_neutral_site(lambda neutral: engine_app(
            app_settings(sqlite_url, quick_exit_url=f"{neutral}/left"), clock)) as sites:
        page = chromium.new_page(viewport={"width": 375, "height": 800})
        page.goto(f"{sites.neutral}/")                           # where the person came from
        page.goto(f"{sites.app}/chat")
        for _ in range(10):                                       # Tab to the Start button
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.textContent") == "Start the chat":
                break
        outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
        with page.expect_response("**/chat/api/conversations") as created:
            page.keyboard.press("Enter")
        token = created.value.json()["token"]
        page.wait_for_selector(".sc-from-assistant")
        assert page.evaluate("document.activeElement.id") == page.get_by_label("Your answer").get_attribute("id")
        before = assistant_count(page)
        page.keyboard.type("yes")
        page.keyboard.press("Enter")
        wait_for_reply(page, before)
        assert "Which language" in last_assistant_text(page)
        for _ in range(8):                                        # back from the text box to the options
            page.keyboard.press("Shift+Tab")
            if page.evaluate("document.activeElement.textContent") == "English":
                break
        before = assistant_count(page)
        page.keyboard.press("Enter")
        wait_for_reply(page, before)
        # Focus follows the person's choice to the next answers, never left on a removed button.
        assert page.evaluate("document.activeElement.textContent") == "Skip this question"
        before = assistant_count(page)
        page.keyboard.press("Space")
        wait_for_reply(page, before)
        assert "What would help you most" in last_assistant_text(page)
        assert page.evaluate("document.activeElement.textContent") == "A place to live"
        with page.expect_request("**/chat/api/exit"):
            for _ in range(3):
                page.keyboard.press("Shift")
        page.wait_for_url(f"{sites.neutral}/left")
        assert page.locator("h1").inner_text() == "Forecast"
        page.go_back()
        assert page.url == f"{sites.neutral}/"                    # Back skips the chat
        assert session_ended(sqlite_url)
        ended = httpx.post(f"{sites.app}/chat/api/messages", json={"message_id": "after-exit-1", "text": "1"},
                           headers={"x-chat-token": token})
        page.close()
    assert outline == "solid"                                     # focus is visible
    assert ended.status_code == 401
    assert session_ended(sqlite_url)


def test_the_leave_button_blanks_the_page_ends_the_session_and_back_skips_the_chat(chromium, sqlite_url, clock):
    with app_and_neutral_site(lambda neutral: engine_app(
            app_settings(sqlite_url, quick_exit_url=f"{neutral}/left"), clock)) as sites:
        page = chromium.new_page()
        page.goto(f"{sites.neutral}/")
        page.goto(f"{sites.app}/chat")
        with page.expect_response("**/chat/api/conversations") as created:
            page.get_by_role("button", name="Start the chat").click()
        token = created.value.json()["token"]
        click_and_wait(page, page.get_by_role("button", name="Yes"))
        with page.expect_request("**/chat/api/exit"):
            page.get_by_role("button", name="Leave this page").click()
        page.wait_for_url(f"{sites.neutral}/left")
        blank = page.evaluate("document.querySelectorAll('.sc-widget').length")
        page.go_back()
        back_at = page.url
        page.close()
        assert session_ended(sqlite_url)
        ended = httpx.post(f"{sites.app}/chat/api/messages", json={"message_id": "after-exit-1", "text": "1"},
                           headers={"x-chat-token": token})
    assert back_at == f"{sites.neutral}/" and blank == 0
    assert ended.status_code == 401
    assert session_ended(sqlite_url)


def test_axe_finds_no_violations_on_the_open_widget_and_mid_screening(chromium, sqlite_url, clock, artifacts):
    if not AXE.exists():
        if IN_CI:
            pytest.fail(f"{AXE} is missing (npm ci)", pytrace=False)
        pytest.skip(f"{AXE} is missing")
    with serve(engine_app(app_settings(sqlite_url), clock)) as base:
        page = chromium.new_page(viewport={"width": 375, "height": 800})
        page.goto(f"{base}/chat")
        at_start = axe_violations(page)
        start_chat(page, base)
        for label in ("Yes", "English", "Skip this question", "Skip this question", "I have a steady place"):
            click_and_wait(page, page.locator(".sc-widget button", has_text=label).first)
        assert "Question 2 of" in page.locator(".sc-progress-text").inner_text()
        mid_screening = axe_violations(page)
        page.screenshot(path=str(artifacts / "web-chat-375.png"))
        page.set_viewport_size({"width": 1280, "height": 900})
        page.screenshot(path=str(artifacts / "web-chat-1280.png"))
        page.set_viewport_size({"width": 320, "height": 640})
        overflow_320 = page.evaluate("document.documentElement.scrollWidth")
        page.screenshot(path=str(artifacts / "web-chat-320.png"))
        page.close()
    assert at_start == [], at_start
    assert mid_screening == [], mid_screening
    assert overflow_320 <= 320                                    # no sideways scrolling at 320 px


def test_reduced_motion_stops_the_typing_animation(chromium, sqlite_url, clock):
    with serve(engine_app(app_settings(sqlite_url), clock)) as base:
        context = chromium.new_context(reduced_motion="reduce")
        page = context.new_page()
        page.goto(f"{base}/chat")
        page.evaluate("document.querySelector('.sc-typing').classList.add('sc-typing-on')")
        reduced = page.evaluate("getComputedStyle(document.querySelector('.sc-typing'), '::after').animationName")
        context.close()
        context = chromium.new_context(reduced_motion="no-preference")
        page = context.new_page()
        page.goto(f"{base}/chat")
        page.evaluate("document.querySelector('.sc-typing').classList.add('sc-typing-on')")
        moving = page.evaluate("getComputedStyle(document.querySelector('.sc-typing'), '::after').animationName")
        context.close()
    assert reduced == "none" and moving == "sc-pulse"


class EchoDialogue:
    """Says back what the person typed, with links of every kind (a stand-in for any text that
    reaches the widget: the person's words, directory entries, translations)."""

    async def send(self, *, sender, text, message_id, channel):
        return [BotMessage(f"Summary: you wrote {text}\nSee https://example.org/help?x=1. "
                           "Call tel:988 or text sms:741741. Not javascript:alert(1) or http://plain.example\n"
                           "Call or text 988, or the help line at 833-773-2445, any time. Code 4988-1234.")]

    async def close(self):
        return None


def test_html_and_script_typed_by_the_person_show_as_text(chromium, sqlite_url, clock):
    payload = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script><b>bold</b>'
    with serve(create_app(app_settings(sqlite_url), dialogue=EchoDialogue(), clock=clock)) as base:
        page = chromium.new_page()
        start_chat(page, base)
        type_and_wait(page, payload)
        mine = page.locator(".sc-from-you .sc-text").last.text_content()
        echoed = page.locator(".sc-from-assistant .sc-text").last.text_content()
        injected = page.evaluate("document.querySelectorAll('.sc-log img, .sc-log script, .sc-log b').length")
        pwned = page.evaluate("window.__pwned === undefined")
        links = page.evaluate("[...[...document.querySelectorAll('.sc-from-assistant')].pop().querySelectorAll('a')].map(a => [a.getAttribute('href'),"
                              " a.textContent])")
        page.close()
    assert mine == payload
    assert echoed.startswith(f"Summary: you wrote {payload}")
    assert injected == 0 and pwned
    assert links == [["https://example.org/help?x=1", "https://example.org/help?x=1"], ["tel:988", "tel:988"],
                     ["sms:741741", "sms:741741"],
                     # phone numbers as the assistant writes them are tap-to-call, showing the number
                     ["tel:988", "988"], ["tel:8337732445", "833-773-2445"]]


def test_two_browsers_never_see_each_others_conversation(chromium, sqlite_url, clock):
    with serve(engine_app(app_settings(sqlite_url), clock)) as base:
        first, second = chromium.new_context(), chromium.new_context()
        one, two = first.new_page(), second.new_page()
        start_chat(one, base)
        start_chat(two, base)
        click_and_wait(one, one.get_by_role("button", name="Yes"))
        click_and_wait(one, one.get_by_role("button", name="English"))
        type_and_wait(one, "My private words 4821")
        two_text = two.locator(".sc-log").inner_text()
        codes = {one.locator(".sc-code-value").inner_text(), two.locator(".sc-code-value").inner_text()}
        click_and_wait(two, two.get_by_role("button", name="No"))
        one_text = one.locator(".sc-log").inner_text()
        first.close()
        second.close()
    assert "My private words 4821" not in two_text and "Which language" not in two_text
    assert "Which language" in one_text and len(codes) == 2
    assert len(conversation_rows(sqlite_url)) == 2


def test_resume_by_code_in_a_new_browser_continues_where_the_person_was(chromium, sqlite_url, clock):
    with serve(engine_app(app_settings(sqlite_url), clock)) as base:
        first = chromium.new_context()
        page = first.new_page()
        start_chat(page, base)
        code = page.locator(".sc-code-value").inner_text()
        for label in ("Yes", "English", "Skip this question", "Skip this question"):
            click_and_wait(page, page.locator(".sc-widget button", has_text=label).first)
        first.close()
        later = chromium.new_context()
        page = later.new_page()
        page.goto(f"{base}/chat")
        page.get_by_label("Your code").fill("wrng-cdee-22")
        page.get_by_role("button", name="Continue").click()
        page.wait_for_function("() => document.querySelector('.sc-error').textContent.length > 0")
        refused = page.locator(".sc-error").inner_text()
        page.get_by_label("Your code").fill(code.lower().replace("-", " "))
        page.get_by_role("button", name="Continue").click()
        page.wait_for_selector(".sc-from-assistant")
        shown = page.locator(".sc-log").inner_text()
        progress = page.locator(".sc-progress-text").inner_text()
        click_and_wait(page, page.get_by_role("button", name="I have a steady place to live"))
        after = last_assistant_text(page)
        later.close()
    assert refused == "We could not find that code. Please check it and try again."
    assert "Welcome back" in shown and "What is your living situation today?" in shown
    assert progress.startswith("Question 1 of")
    assert "Question 2 of" in after
    assert stored_answers(sqlite_url)["ahc_1"] == (["steady"], False)


def test_when_the_server_cannot_be_reached_the_typed_text_is_kept_and_sent_once(chromium, sqlite_url, clock):
    with serve(engine_app(app_settings(sqlite_url), clock)) as base:
        page = chromium.new_page()
        start_chat(page, base)
        click_and_wait(page, page.get_by_role("button", name="Yes"))
        click_and_wait(page, page.get_by_role("button", name="English"))
        page.route("**/chat/api/messages", lambda route: route.abort())
        page.get_by_label("Your answer").fill("11/3")
        page.get_by_label("Your answer").press("Enter")
        page.wait_for_function("() => document.querySelector('.sc-error').textContent.length > 0")
        error = page.locator(".sc-error").inner_text()
        kept = page.get_by_label("Your answer").input_value()
        page.unroute("**/chat/api/messages")
        before = assistant_count(page)
        page.get_by_role("button", name="Send").click()
        wait_for_reply(page, before)
        replies = all_assistant_text(page)
        error_after = page.locator(".sc-error").inner_text()
        page.close()
    assert error == "We could not reach the server. Your message is kept; try again."
    assert kept == "11/3"
    assert replies.count("December 18, 2026") == 1             # answered once, after the retry
    assert error_after == ""


def test_the_widget_embeds_on_another_site_with_one_script_tag(chromium, sqlite_url, clock):
    embed = '<script src="{app}/chat/widget.js" data-language="es" data-exit-url="{neutral}/left"></script>'
    with app_and_neutral_site(lambda neutral: engine_app(
            app_settings(sqlite_url, web_chat_allowed_origins=(neutral,), quick_exit_url="https://unused.example/"),
            clock), embed_script=embed) as sites:
        page = chromium.new_page()
        requested = []
        page.on("request", lambda request: requested.append(request.url))
        page.goto(f"{sites.neutral}/host")
        page.get_by_role("button", name="Empezar el chat").click()
        page.wait_for_selector(".sc-from-assistant")
        greeting = all_assistant_text(page)
        click_and_wait(page, page.get_by_role("button", name="Sí"))
        after_yes = last_assistant_text(page)
        page.get_by_role("button", name="Salir de esta página").click()
        page.wait_for_url(f"{sites.neutral}/left")
        page.close()
    assert "Hola" in greeting
    assert "fecha" in after_yes                                  # the core goes on in Spanish
    assert all(url.startswith((sites.app, sites.neutral)) for url in requested), requested
    assert any(url.startswith(f"{sites.app}/chat/api/messages") for url in requested)


def test_pick_all_that_fit_takes_several_clicks_then_one_send(chromium, sqlite_url, clock):
    with serve(engine_app(app_settings(sqlite_url), clock)) as base:
        page = chromium.new_page(viewport={"width": 375, "height": 800})
        start_chat(page, base)
        type_and_wait(page, "yes")
        type_and_wait(page, "1")                    # English
        type_and_wait(page, "skip")                 # no ticket date
        # What would help most: two needs by tapping, nothing sent until "Send my choices".
        before = assistant_count(page)
        page.locator(".sc-options button", has_text="Food").click()
        page.locator(".sc-options button", has_text="A place to live").click()
        page.locator(".sc-options button", has_text="Food").click()           # changed their mind
        page.locator(".sc-options button", has_text="Legal help").click()
        assert assistant_count(page) == before
        assert page.locator('.sc-options [aria-pressed="true"]').count() == 2
        click_and_wait(page, page.get_by_role("button", name="Send my choices"))
        assert "A place to live" in page.locator(".sc-from-you").last.inner_text()
        for _ in range(6):      # a ranking question, then the first housing question, by single taps
            if "Think about the place you live" in last_assistant_text(page):
                break
            single = page.locator(".sc-options button.sc-option")
            click_and_wait(page, single.first if single.count() else page.locator(".sc-quick button").first)
        else:
            pytest.fail("the housing problems question never came")
        # Housing problems: "Send my choices" with nothing picked asks kindly, sends nothing.
        before = assistant_count(page)
        page.get_by_role("button", name="Send my choices").click()
        assert "Pick at least one option" in page.locator(".sc-error").inner_text()
        assert assistant_count(page) == before
        page.locator(".sc-options button", has_text="Mold").click()
        page.locator(".sc-options button", has_text="Water leaks").click()
        click_and_wait(page, page.get_by_role("button", name="Send my choices"))
        page.close()
    answers = stored_answers(sqlite_url)
    assert sorted(answers["ahc_2"][0]) == ["mold", "water_leaks"]


def test_at_200_percent_zoom_nothing_scrolls_sideways_and_leaving_stays_in_reach(chromium, sqlite_url, clock,
                                                                                 artifacts):
    # A 1280 x 720 screen at 200% zoom lays out like 640 x 360 CSS pixels at twice the density.
    with serve(engine_app(app_settings(sqlite_url), clock)) as base:
        context = chromium.new_context(viewport={"width": 640, "height": 360}, device_scale_factor=2)
        page = context.new_page()
        start_chat(page, base)
        for label in ("Yes", "English", "Skip this question", "Skip this question", "I have a steady place"):
            click_and_wait(page, page.locator(".sc-widget button", has_text=label).first)
        page.mouse.wheel(0, 2000)
        width = page.evaluate("document.documentElement.scrollWidth")
        leave = page.get_by_role("button", name="Leave this page").bounding_box()
        page.get_by_label("Your answer").focus()
        answer_box = page.get_by_label("Your answer").bounding_box()
        page.screenshot(path=str(artifacts / "web-chat-zoom-200.png"))
        context.close()
    assert width <= 640
    assert leave and leave["y"] >= 0 and leave["y"] + leave["height"] <= 360      # still on screen after scrolling
    assert answer_box and answer_box["y"] + answer_box["height"] <= 360           # the answer box can be reached
