"""A person texting the real stack: the app's SMS gateway, Rasa, the action server and a
local fake of Twilio's API. The path a real deployment takes, end to end."""
from __future__ import annotations


import httpx
import pytest
from sqlalchemy import func, select

from screening.export import screening_records
from screening.records.sms_tables import sms_inbox, sms_outbox

from ..app.conftest import serve
from ..app.sms.conftest import (
    ACCOUNT_SID, AUTH_TOKEN, OUR_NUMBER, PHONE, PUBLIC_BASE_URL, FakeTwilio, Phone, inbound_form, signature_for,
)
from ..conftest import make_repository
from ..waiting import bounded_wait, hurried_sms_answer
from .conftest import start_stack


@pytest.fixture(scope="module")
def texting(tmp_path_factory):
    fake = FakeTwilio()
    with serve(fake.app) as twilio_url:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'screening.db'}"
        running = start_stack(tmp_path_factory, url, with_app=True, app_env={
            "PUBLIC_BASE_URL": PUBLIC_BASE_URL, "TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "TWILIO_FROM_NUMBER": OUR_NUMBER, "TWILIO_API_BASE_URL": twilio_url})
        repository = make_repository(url)
        try:
            yield Texting(running, fake, repository)
        finally:
            repository.engine.dispose()
            running.stack.stop()


class Texting:
    def __init__(self, running, fake: FakeTwilio, repository):
        self.running, self.fake, self.repository = running, fake, repository
        self.client = httpx.Client(base_url=running.app_url, timeout=15)

    def settled(self, sid: str) -> bool:
        with self.repository.transaction() as unit:
            status = unit.conn.execute(select(sms_inbox.c.status).where(sms_inbox.c.message_sid == sid)).scalar()
            queued = unit.conn.execute(select(func.count()).select_from(sms_outbox)
                                       .where(sms_outbox.c.status.notin_(("cancelled", "failed")))).scalar()
        return status == "done" and len(self.fake.sent) >= queued

    def text(self, body: str) -> str:
        """Send one text as Twilio would; what the phone receives in reply."""
        sid, before = Phone.new_sid(), len(self.fake.sent)
        form = inbound_form(body, sid)
        response = self.client.post("/sms/twilio", data=form, headers={
            "X-Twilio-Signature": signature_for(f"{PUBLIC_BASE_URL}/sms/twilio", form)})
        assert response.status_code == 200 and "<Response></Response>" in response.text
        assert bounded_wait(lambda: self.settled(sid)), f"no reply to {body!r}:\n{self.running.logs()[-3000:]}"
        return "\n".join(m.body for m in self.fake.sent[before:])





def test_a_whole_screening_by_text_through_rasa_with_a_stop_and_start_on_the_way(texting):
    assert "needs check" in texting.text("hi")
    assert "May we text you a reminder" in texting.text("yes")
    assert "Which language" in texting.text("no")
    assert "What date is on your ticket" in texting.text("1")
    assert "What would help you most" in texting.text("skip")
    reply = texting.text("1")
    assert "Question 1 of" in reply

    sent_before_stop = len(texting.fake.sent)
    assert texting.text("STOP") == ""
    assert texting.text("hello?") == ""                 # opted out: nothing is sent
    assert len(texting.fake.sent) == sent_before_stop
    resumed = texting.text("START")
    assert resumed                                      # told they can go on where they were

    reply = texting.text("1")                           # the living-situation question: "steady"
    for _ in range(60):
        if "Your completion code is" in reply:
            break
        reply = texting.text(hurried_sms_answer(reply))
    else:
        pytest.fail(f"the screening did not finish; last reply: {reply}")

    assert all(len(m.body) <= 320 and m.to == PHONE for m in texting.fake.sent)
    with texting.repository.transaction() as unit:
        [record] = list(screening_records(unit))
    assert record["status"] == "completed" and record["channel"] == "sms"
    assert record["completion_code"] in reply
    assert record["self_identified_needs"] == ["housing"]
    assert record["answers"]["ahc_1"]["option_ids"] == ["steady"]
    assert record["location"]["zip"] == "02118"
    logs = texting.running.logs()
    assert PHONE not in logs and PHONE[2:] not in logs  # the number never reaches a log
