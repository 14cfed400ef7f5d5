"""Nothing a person sent, their number or the ids that stand for them reaches a log line, with
every process (the app, Rasa, the action server) logging at DEBUG: a whole screening by text
and one in the web chat through the real endpoints, and an action that fails in the middle
(the database refuses, so Rasa SDK and Rasa log the failure). And only the app may talk to
Rasa, only Rasa to the action server."""
from __future__ import annotations

import sqlite3
import uuid

import httpx
import pytest
from sqlalchemy import func, select

from screening.records.sms_tables import sms_conversations, sms_inbox, sms_outbox
from screening.records.web_tables import web_conversations

from ..app.sms.conftest import ACCOUNT_SID, AUTH_TOKEN, OUR_NUMBER, PUBLIC_BASE_URL, FakeTwilio, Phone, inbound_form, \
    signature_for
from ..app.conftest import serve
from ..conftest import make_repository
from .conftest import start_stack
from ..waiting import bounded_wait

NUMBER = "+16175559876"
# Words only this test sends, so finding one in a log is a leak, not a coincidence.
GREETING = "hello from Quillfeather Marsh"
WHY = "why do you ask that, Tobermory Heron?"
DURING_FAILURE = "Zanzibar Pelican needs a ride"
ZIP = "01267"
NEED = "food for Ottoline and me"
DEBUG_ENV = {"LOG_LEVEL": "DEBUG", "LOG_LEVEL_LIBRARIES": "DEBUG"}


@pytest.fixture(scope="module")
def debug_stack(tmp_path_factory):
    fake = FakeTwilio()
    with serve(fake.app) as twilio_url:
        database = tmp_path_factory.mktemp("db") / "screening.db"
        running = start_stack(tmp_path_factory, f"sqlite:///{database}", with_app=True, app_env={
            **DEBUG_ENV, "PUBLIC_BASE_URL": PUBLIC_BASE_URL, "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN, "TWILIO_FROM_NUMBER": OUR_NUMBER, "TWILIO_API_BASE_URL": twilio_url})
        running.fake, running.database = fake, database
        try:
            yield running
        finally:
            running.stack.stop()


def answer_for(reply: str, buttons: list[dict] = ()) -> str:
    if "ZIP code or town" in reply:
        return ZIP
    if "What would help you most" in reply:
        return NEED
    if buttons:
        return buttons[0]["payload"]
    if "Reply with" in reply:
        return "1"
    if "YES" in reply:
        return "yes"
    return "skip"


def settled(repository, fake: FakeTwilio, sid: str) -> bool:
    """The text was handled and every reply queued for it went out."""
    with repository.transaction() as unit:
        status = unit.conn.execute(select(sms_inbox.c.status).where(sms_inbox.c.message_sid == sid)).scalar()
        queued = unit.conn.execute(select(func.count()).select_from(sms_outbox)
                                   .where(sms_outbox.c.status.notin_(("cancelled", "failed")))).scalar()
    return status == "done" and len(fake.sent) >= queued


def text_message(stack, client: httpx.Client, repository, body: str) -> str:
    sid, before = Phone.new_sid(), len(stack.fake.sent)
    form = inbound_form(body, sid, NUMBER)
    response = client.post("/sms/twilio", data=form,
                           headers={"X-Twilio-Signature": signature_for(f"{PUBLIC_BASE_URL}/sms/twilio", form)})
    assert response.status_code == 200
    assert bounded_wait(lambda: settled(repository, stack.fake, sid), timeout=60), \
        f"no reply to a text:\n{stack.logs()[-2000:]}"
    return "\n".join(m.body for m in stack.fake.sent[before:])


def web_say(client: httpx.Client, token: str, text: str) -> httpx.Response:
    return client.post("/chat/api/messages", json={"message_id": uuid.uuid4().hex[:16], "text": text},
                       headers={"x-chat-token": token})


def test_screenings_by_text_and_web_with_a_failing_action_leave_no_words_numbers_or_ids_in_debug_logs(debug_stack):
    stack = debug_stack
    repository = make_repository(f"sqlite:///{stack.database}")
    with httpx.Client(base_url=stack.app_url, timeout=60) as client:
        # By text, to the end.
        reply = text_message(stack, client, repository, GREETING)
        reply = text_message(stack, client, repository, "yes")
        reply = text_message(stack, client, repository, WHY)
        for _ in range(70):
            if "Your completion code is" in reply:
                break
            reply = text_message(stack, client, repository, answer_for(reply))
        else:
            pytest.fail(f"the text screening did not finish; last reply: {reply}")

        # In the web chat, with the database refusing for one message: the action fails.
        opened = client.post("/chat/api/conversations", json={})
        assert opened.status_code == 201
        token = opened.json()["token"]
        assert web_say(client, token, GREETING).status_code == 200
        with sqlite3.connect(stack.database) as db:
            db.execute("ALTER TABLE screenings RENAME TO screenings_away")
        try:
            failed = web_say(client, token, DURING_FAILURE)
        finally:
            with sqlite3.connect(stack.database) as db:
                db.execute("ALTER TABLE screenings_away RENAME TO screenings")
        assert failed.status_code == 503                  # a kind "try again", never the error itself
        view = web_say(client, token, "yes").json()
        for _ in range(70):
            if view["finished"]:
                break
            last = view["messages"][-1] if view["messages"] else {"text": "", "buttons": []}
            response = web_say(client, token, answer_for(last["text"], last["buttons"]))
            assert response.status_code == 200, response.text
            view = response.json()
        else:
            pytest.fail("the web screening did not finish")

    try:
        with repository.transaction() as unit:
            phone_hash = unit.conn.execute(select(sms_conversations.c.phone_hash)).scalar_one()
            web_id = unit.conn.execute(select(web_conversations.c.id)).scalar_one()
    finally:
        repository.engine.dispose()

    logs = {name: process.log_path.read_text(errors="replace") for name, process in stack.stack.processes.items()}
    # DEBUG was on in every process, and the failure went through Rasa SDK and Rasa.
    assert all(" DEBUG " in text or "[debug]" in text.lower() or "DEBUG" in text for text in logs.values()), \
        {name: text[-500:] for name, text in logs.items()}
    assert "an action failed" in logs["actions"]
    assert "action" in logs["rasa"].lower() and ("Failed to execute custom action" in logs["rasa"]
                                                 or "Encountered an exception" in logs["rasa"])
    secrets = {
        "phone number": [NUMBER, NUMBER[1:], NUMBER[2:], "617-555-9876", "(617) 555-9876"],
        "message text": [GREETING, "Quillfeather", WHY, "Tobermory", DURING_FAILURE, "Zanzibar", NEED, "Ottoline"],
        "answer": [ZIP],
        "sender id": [phone_hash, f"sms:{phone_hash}", str(web_id), f"web:{web_id}"],
        "internal token": [stack.stack.env["INTERNAL_TOKEN"]],
    }
    found = [(kind, value, name, line.strip()[:200]) for kind, values in secrets.items() for value in values
             for name, text in logs.items() for line in text.splitlines() if value in line]
    assert found == []


def test_only_the_app_may_send_to_rasa(debug_stack):
    body = {"sender": "web:probe", "message": "hi", "metadata": {"channel": "web"}}
    webhook = debug_stack.stack.webhook
    assert httpx.post(webhook, json=body, timeout=30).status_code == 401
    assert httpx.post(webhook, json=body, headers={"Authorization": "Bearer not-the-token"}, timeout=30).status_code == 403
    assert httpx.post(webhook, json=body, headers={"Authorization": "Basic x"}, timeout=30).status_code == 401
    allowed = httpx.post(webhook, json=body, headers=debug_stack.stack.headers, timeout=60)
    assert allowed.status_code == 200 and allowed.json()


def test_only_rasa_may_call_the_action_server(debug_stack):
    base = f"http://127.0.0.1:{debug_stack.stack.action_port}"
    call = {"next_action": "action_take_answer", "sender_id": "web:probe", "version": "3.6.2",
            "tracker": {"sender_id": "web:probe", "latest_message": {"text": "hi"}, "events": [], "slots": {}},
            "domain": {}}
    assert httpx.post(f"{base}/webhook", json=call, timeout=30).status_code == 401
    assert httpx.post(f"{base}/webhook", json=call, headers={"Authorization": "Bearer wrong"},
                      timeout=30).status_code == 403
    assert httpx.get(f"{base}/actions", timeout=30).status_code == 401
    assert httpx.get(f"{base}/health", timeout=30).status_code == 200       # checks stay open
    listed = httpx.get(f"{base}/actions", headers=debug_stack.stack.headers, timeout=30)
    assert listed.status_code == 200 and {"name": "action_take_answer"} in listed.json()
