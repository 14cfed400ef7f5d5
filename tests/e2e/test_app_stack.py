"""The app in front of the real Rasa server and action server, as `make run` starts them."""
from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest

from screening.app.dialogue_client import DialogueUnavailable, RasaDialogue

from .conftest import free_port, start_stack


@pytest.fixture(scope="module")
def app_stack(tmp_path_factory):
    running = start_stack(tmp_path_factory, f"sqlite:///{tmp_path_factory.mktemp('db') / 'screening.db'}",
                          with_app=True)
    TOKEN["value"] = running.stack.env["INTERNAL_TOKEN"]        # the app's token, as the app sends it
    yield running
    running.stack.stop()


def test_the_app_is_healthy_in_front_of_rasa(app_stack):
    response = httpx.get(f"{app_stack.app_url}/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


TOKEN: dict[str, str] = {}


def _send(rasa_url: str, sender: str, text: str, channel: str, message_id: str | None = None):
    async def go():
        dialogue = RasaDialogue(rasa_url, TOKEN.get("value", ""))
        try:
            return await dialogue.send(sender=sender, text=text, message_id=message_id or uuid.uuid4().hex,
                                       channel=channel)
        finally:
            await dialogue.close()
    return asyncio.run(go())


# Each language in its own name, numbered as the menu says.
LANGUAGE_BUTTONS = [("English", "1"), ("Español", "2"), ("Português", "3"), ("Kreyòl ayisyen", "4"),
                    ("中文", "5"), ("Tiếng Việt", "6"), ("Kriolu kabuverdianu", "7")]


def test_the_app_reaches_rasa_and_gets_buttons_for_the_web_and_numbers_for_sms(app_stack):
    rasa_url = f"http://127.0.0.1:{app_stack.stack.rasa_port}"
    web_sender, sms_sender = "web:" + uuid.uuid4().hex, "sms:" + uuid.uuid4().hex
    _send(rasa_url, web_sender, "hi", "web")
    web = _send(rasa_url, web_sender, "yes", "web")
    assert [(b.title, b.payload) for m in web for b in m.buttons] == LANGUAGE_BUTTONS
    _send(rasa_url, sms_sender, "hi", "sms")
    _send(rasa_url, sms_sender, "yes", "sms")                        # consent; then "may we remind you?"
    language = next(message for message in _send(rasa_url, sms_sender, "no", "sms") if message.buttons)
    # On SMS the options are numbered in the text itself, so a basic phone shows them.
    assert "1 English\n2 Español" in language.text


def test_the_same_message_id_sent_twice_gets_the_same_reply_once(app_stack):
    rasa_url = f"http://127.0.0.1:{app_stack.stack.rasa_port}"
    sender, message_id = "web:" + uuid.uuid4().hex, uuid.uuid4().hex
    _send(rasa_url, sender, "hi", "web")
    first = _send(rasa_url, sender, "yes", "web", message_id)
    again = _send(rasa_url, sender, "yes", "web", message_id)
    assert [m.text for m in again] == [m.text for m in first]


def test_an_unreachable_rasa_is_reported_as_unavailable_not_as_an_error():
    with pytest.raises(DialogueUnavailable):
        _send(f"http://127.0.0.1:{free_port()}", "web:x", "hi", "web")


def test_the_web_chat_talks_to_rasa_through_the_app(app_stack):
    from tests.app.web_chat.helpers import ChatPerson

    person = ChatPerson(app_stack.app_url)
    assert "needs check" in person.text()
    assert person.say("yes").status_code == 200
    assert [(b["title"], b["payload"]) for m in person.view["messages"] for b in m["buttons"]] == LANGUAGE_BUTTONS
    assert person.say("2").status_code == 200
    assert person.view["language"] == "es"
    # Another browser cannot read or write this conversation without its token.
    refused = httpx.post(f"{app_stack.app_url}/chat/api/messages", json={"message_id": "x", "text": "hola"})
    assert refused.status_code == 401


def test_rasas_working_memory_keeps_no_ones_words(app_stack):
    import sqlite3

    rasa_url = f"http://127.0.0.1:{app_stack.stack.rasa_port}"
    sender = "web:" + uuid.uuid4().hex
    for text in ("hi", "yes", "1", "skip", "my cousin Zebulon says I need food"):
        replies = _send(rasa_url, sender, text, "web")
    assert any("Zebulon" not in m.text for m in replies)
    with sqlite3.connect(app_stack.stack.env["RASA_TRACKER_DB"]) as db:
        rows = db.execute("SELECT type_name, intent_name, data FROM events WHERE sender_id = ?", (sender,)).fetchall()
    stored = "\n".join(data for _, _, data in rows)
    assert sum(1 for type_name, _, _ in rows if type_name == "user") == 5
    assert any(intent for _, intent, _ in rows)                 # what Rasa needs to go on: the intents
    assert "Zebulon" not in stored and "needs check" not in stored and "food" not in stored


def test_a_person_chats_in_chromium_through_the_app_rasa_and_the_action_server(app_stack, chromium, artifacts):
    from sqlalchemy import select

    from screening.records import models as m
    from tests.app.web_chat.browser import click_and_wait, start_chat
    from tests.conftest import make_repository

    page = chromium.new_page(viewport={"width": 375, "height": 800})
    start_chat(page, app_stack.app_url)
    for label in ("Yes", "English", "Skip this question"):
        click_and_wait(page, page.locator(".sc-widget button", has_text=label).first)
    page.locator(".sc-options button", has_text="Food").click()
    click_and_wait(page, page.get_by_role("button", name="Send my choices"))
    assert "Question 1 of" in page.locator(".sc-progress-text").inner_text()
    click_and_wait(page, page.locator(".sc-options button").first)
    page.screenshot(path=str(artifacts / "web-chat-through-rasa-375.png"))
    page.close()
    repository = make_repository(app_stack.database_url)
    with repository.transaction() as unit:
        food_answers = unit.conn.execute(select(m.answers.c.option_ids).where(m.answers.c.item_id == "ahc_3")
                                         ).scalars().all()
    repository.engine.dispose()
    assert food_answers == [["often_true"]]        # the first food question, answered by a tap in the browser
