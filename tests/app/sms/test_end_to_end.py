"""A whole screening by SMS through the real app (uvicorn, background worker and sender)
against the fake Twilio, then the export holds exactly what the person answered."""
from __future__ import annotations

import httpx
from sqlalchemy import func, select

from screening.app.dialogue_client import EngineDialogue
from screening.app.main import create_app
from screening.dialogue.engine import ScreeningEngine
from screening.export import screening_records
from screening.records.sms_tables import sms_inbox, sms_outbox

from ...conftest import make_repository
from ..conftest import serve
from .conftest import PHONE, Phone, inbound_form, signature_for, sms_settings, PUBLIC_BASE_URL

# (what the person texts, what the reply must contain)
SCREENING_BY_SMS = [
    ("hi", "needs check"), ("yes", "May we text you a reminder"), ("no", "Which language"),
    ("1", "What date is on your ticket"),
    ("11/3", "December 18, 2026"), ("I need somewhere to stay and help with my court stuff", "Which matters most"),
    ("2 1", "legal help with any of these"), ("1 2", "living situation"), ("3", "Think about the place you live"),
    ("none", ""), ("sometimes", ""), ("never true", ""), ("no", ""), ("no", ""), ("very hard", ""),
    ("3", "Others who use this phone may read these texts"), ("yes", "Little interest or pleasure"),
    ("1", ""), ("not at all", "Stress means"), ("a little bit", "drinking, smoking and drug use"),
    ("ok", "Which word fits you"), ("4", "4 or more drinks"), ("never", ""), ("daily", ""), ("never", ""),
    ("weekly", "your safety"), ("yes", ""), ("never", ""), ("rarely", ""), ("never", ""),
    ("never", "ZIP code or town"), ("02118", "near Boston"), ("4", "Your completion code is"),
]


def settled(repository, fake, sid: str) -> bool:
    """This message is handled and every reply queued so far has reached the phone."""
    with repository.transaction() as unit:
        done = unit.conn.execute(select(sms_inbox.c.status).where(sms_inbox.c.message_sid == sid)).scalar()
        queued = unit.conn.execute(select(func.count()).select_from(sms_outbox)
                                   .where(sms_outbox.c.status != "cancelled")).scalar()
    return done == "done" and len(fake.sent) == queued


def test_a_complete_screening_by_sms_exports_the_answers_given(database_url, clock, fake_twilio):
    settings = sms_settings(database_url, fake_twilio)
    repository = make_repository(database_url)
    app = create_app(settings, dialogue=EngineDialogue(ScreeningEngine(repository, clock=clock)), clock=clock)
    transcript = []
    with serve(app) as base, httpx.Client(base_url=base) as client:
        for text, expected in SCREENING_BY_SMS:
            sid = Phone.new_sid()
            form = inbound_form(text, sid)
            before = len(fake_twilio.sent)
            response = client.post("/sms/twilio", data=form, headers={
                "X-Twilio-Signature": signature_for(f"{PUBLIC_BASE_URL}/sms/twilio", form)})
            assert response.status_code == 200
            assert fake_twilio.wait_until(lambda: settled(repository, fake_twilio, sid)), f"no reply to {text!r}"
            reply = "\n".join(m.body for m in fake_twilio.sent[before:])
            assert expected in reply, f"after {text!r}: {reply}"
            transcript.append(reply)

    assert all(m.to == PHONE and m.from_ == settings.twilio_from_number for m in fake_twilio.sent)
    assert {m.status_callback for m in fake_twilio.sent} == {f"{PUBLIC_BASE_URL}/sms/twilio/status"}
    assert all(len(m.body) <= 320 for m in fake_twilio.sent)
    with repository.transaction() as unit:
        [record] = list(screening_records(unit))
    repository.engine.dispose()
    assert record["status"] == "completed" and record["channel"] == "sms"
    assert record["completion_code"] in transcript[-1]
    assert record["self_identified_needs"] == ["legal", "housing"]
    assert record["answers"]["legal_needs"]["option_ids"] == ["eviction", "record_sealing"]
    assert record["answers"]["ahc_1"]["option_ids"] == ["not_steady"]
    assert record["answers"]["ahc_3"]["option_ids"] == ["sometimes_true"]
    assert record["answers"]["ahc_20"]["option_ids"] == ["daily"]
    assert record["answers"]["gender"]["option_ids"] == ["prefer_not_to_say"]
    assert record["location"] == {"zip": "02118", "town": "Boston"}
    assert record["domains"]["substance_use"]["positive"] is True
    assert len(record["answers"]) == 21
