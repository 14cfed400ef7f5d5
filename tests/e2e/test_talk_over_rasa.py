"""A screener talks with a person who texts, through the real stack: the app (SMS gateway and
console), Rasa, the action server, and a local fake of Twilio. While the screener holds the
conversation Rasa's action hands the person's message to the core, which stores it and says
nothing: the app sends nothing and does not retry. Handing back, the assistant asks the same
question again."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from screening.casework import assign
from screening.clock import utc_now
from screening.records.sms_tables import sms_inbox

from ..app.conftest import serve
from ..app.review.conftest import Console
from ..app.sms.conftest import ACCOUNT_SID, AUTH_TOKEN, OUR_NUMBER, FakeTwilio
from ..app.talk import APP_BASE_URL, Screener, Texter, audit_events, only_screening
from ..conftest import Clock, make_repository
from .conftest import start_stack

REPLY = "Hi, this is Sam from the program. Are you safe right now?"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    fake = FakeTwilio()
    with serve(fake.app) as twilio_url:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'screening.db'}"
        # Plain http on this machine: the console's cookies are not "Secure", so a test client keeps them.
        running = start_stack(tmp_path_factory, url, with_app=True, app_env={
            "PUBLIC_BASE_URL": APP_BASE_URL, "TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "TWILIO_FROM_NUMBER": OUR_NUMBER, "TWILIO_API_BASE_URL": twilio_url})
        repository = make_repository(url)
        try:
            yield running, fake, repository
        finally:
            repository.engine.dispose()
            running.stack.stop()


def test_take_over_reply_and_hand_back_through_rasa(stack):
    running, fake, repository = stack
    phone = Texter(running.app_url, repository, fake, timeout=60)
    assert "needs check" in phone.text("hi")
    assert "May we text you a reminder" in phone.text("yes")
    assert "Which language" in phone.text("no")
    assert "What date is on your ticket" in phone.text("1")
    assert "want to talk to a person" in phone.text("PERSON")
    case_id = only_screening(repository)

    console = Console(running.app_url, repository, Clock(utc_now()))     # the app runs on the real clock
    account = console.add_account("sam", "screener")
    with repository.transaction() as unit:
        assign(unit.conn, case_id, account, utc_now())
    sam = Screener(console.sign_in("sam"), case_id)
    assert sam.take_over().status_code == 303
    phone.wait_for("A trained person from our team is with you now")
    assert sam.reply(REPLY).status_code == 303
    phone.wait_for(REPLY)

    assert phone.text("yes. i need food for my kids") == ""            # through Rasa: stored, not answered
    with repository.transaction() as unit:
        latest = unit.conn.execute(select(sms_inbox.c.outcome, sms_inbox.c.attempts, sms_inbox.c.last_error)
                                   .order_by(sms_inbox.c.id.desc()).limit(1)).one()
    assert tuple(latest) == ("dialogue", 1, None)                          # no 503, no retry
    lines = sam.poll()["lines"]
    assert lines[-1]["kind"] == "person" and lines[-1]["text"] == "yes. i need food for my kids"

    assert sam.release().status_code == 303
    back = phone.wait_for("The trained person has left this chat")
    assert "What date is on your ticket" in "\n".join(phone.received()[phone.received().index(back):])
    assert "45 days end on" in phone.text("11/3")
    assert sum(REPLY in body for body in phone.received()) == 1
    actions = [action for actor, action, _ in audit_events(repository) if actor == "sam"]
    assert {"case.take_over", "case.reply", "case.conversation_read", "case.release"} <= set(actions)
    assert REPLY not in running.logs() and "i need food" not in running.logs()
