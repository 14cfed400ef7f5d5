"""One regression test for each thing the hostile-input tests found (RELIABILITY.md, "Hostile input")."""
from __future__ import annotations

import asyncio
import json
from datetime import datetime

import httpx
from twilio.request_validator import RequestValidator

from screening.accounts import totp_code, totp_step
from screening.dialogue.engine import ScreeningEngine
from screening.export import case_bundle, questionnaire_response, screening_records
from screening.fhir.validation import validate
from screening.records import migrate
from screening.text_normalize import clean_message

from ..app.conftest import app_settings, engine_app
from ..app.review.conftest import PASSWORD
from ..conftest import Clock, make_repository
from ..core.console_people import screen

BASE = "http://127.0.0.1:8000"
AUTH_TOKEN = "findings-twilio-token"


class Flood:
    """A chunked body with no declared length; counts how much of it the app asked for."""

    def __init__(self, total: int, piece: int = 4096):
        self.total, self.piece, self.sent = total, piece, 0

    async def __aiter__(self):
        while self.sent < self.total:
            self.sent += self.piece
            yield b"x" * self.piece


def app_for(tmp_path, clock=None):
    url = f"sqlite:///{tmp_path / 'screening.db'}"
    migrate.upgrade(url)
    clock = clock or Clock()
    settings = app_settings(url, public_base_url=BASE, twilio_auth_token=AUTH_TOKEN,
                            twilio_account_sid="AC" + "0" * 32, twilio_from_number="+16175550100",
                            twilio_api_base_url="http://127.0.0.1:9")
    return url, clock, engine_app(settings, clock)


def client_for(app) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE, headers={"origin": BASE})


def test_a_chunked_flood_is_refused_at_the_limit_not_read_whole(tmp_path):
    _, _, app = app_for(tmp_path)

    async def scenario():
        async with client_for(app) as client:
            sms, chat = Flood(8 * 2**20), Flood(8 * 2**20)
            sms_response = await client.post("/sms/twilio", content=sms,
                                             headers={"content-type": "application/x-www-form-urlencoded"})
            chat_response = await client.post("/chat/api/conversations", content=chat,
                                              headers={"content-type": "application/json"})
            return sms_response, sms.sent, chat_response, chat.sent

    sms_response, sms_read, chat_response, chat_read = asyncio.run(scenario())
    assert sms_response.status_code == 413 and chat_response.status_code == 413
    assert sms_read <= 32 * 1024 and chat_read <= 32 * 1024      # of 8 MiB offered


def test_a_lone_surrogate_in_a_chat_message_gets_a_reply_not_a_server_error(tmp_path):
    _, _, app = app_for(tmp_path)

    async def scenario():
        async with client_for(app) as client:
            opened = await client.post("/chat/api/conversations", json={})
            token = opened.json()["token"]
            return await client.post("/chat/api/messages", headers={"x-chat-token": token,
                                                                    "content-type": "application/json"},
                                     content=b'{"message_id": "message-0001", "text": "hi \\udfff there"}')

    response = asyncio.run(scenario())
    assert response.status_code == 200 and response.json()["messages"]
    assert clean_message("a\ud800b") == "a\ufffdb"


def test_a_forged_csrf_token_with_non_ascii_characters_is_refused_not_a_server_error(tmp_path):
    url, clock, app = app_for(tmp_path)
    repository = make_repository(url)
    try:
        from screening.accounts import AccountStore
        with repository.transaction() as unit:
            AccountStore(unit.conn, unit.cipher).add("sam", "supervisor", PASSWORD, clock.now)
    finally:
        repository.engine.dispose()

    async def scenario():
        async with client_for(app) as client:
            await client.get("/review/login")
            return await client.post("/review/login", data={"csrf": "é" * 10, "username": "sam",
                                                            "password": PASSWORD})

    response = asyncio.run(scenario())
    assert response.status_code in (400, 403)


def test_a_code_in_other_scripts_digits_is_a_wrong_code_not_a_crash():
    secret, at = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", datetime(2026, 11, 24, 15, 0)
    real = totp_code(secret, at)
    arabic_indic = real.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    assert totp_step(secret, arabic_indic, at) is None
    assert totp_step(secret, "１２３４５６", at) is None
    assert totp_step(secret, real, at) is not None


def test_export_keeps_an_answer_an_older_instrument_version_stored(tmp_path):
    url = f"sqlite:///{tmp_path / 'screening.db'}"
    migrate.upgrade(url)
    repository = make_repository(url)
    try:
        screen(ScreeningEngine(repository, clock=Clock()), "older-version", needs="food")
        with repository.transaction() as unit:
            unit.conn.exec_driver_sql("UPDATE answers SET item_id = 'retired_item', option_ids = '[\"gone\"]' "
                                      "WHERE id = (SELECT min(id) FROM answers)")
            unit.conn.exec_driver_sql("UPDATE answers SET option_ids = '[\"gone\"]' "
                                      "WHERE id = (SELECT max(id) FROM answers)")
            unit.conn.exec_driver_sql("UPDATE domain_results SET domain = 'retired_domain', score = 2 "
                                      "WHERE domain = (SELECT min(domain) FROM domain_results)")
            [record] = list(screening_records(unit))
            bundle = case_bundle(unit, record)
        fhir = questionnaire_response(record)
    finally:
        repository.engine.dispose()
    # The JSON export keeps what was stored; FHIR codes only what this instrument version has,
    # so the answers an older version stored are left out there and everything still validates.
    assert record["answers"]["retired_item"]["option_ids"] == ["gone"]
    assert record["answers"]["retired_item"]["short_labels"] == [None]
    assert not [e for e in fhir.get("item", []) if e["linkId"] == "retired_item"]
    assert all(a["valueCoding"]["code"] != "gone" for e in fhir.get("item", []) for a in e.get("answer", [])
               if "valueCoding" in a)
    validate(fhir)
    validate(bundle)
    json.dumps(bundle)


def test_a_signed_sms_with_a_replaced_character_is_stored_once(tmp_path):
    """Invalid UTF-8 in a signed form (Twilio signs what it decoded) is acknowledged, not a 500."""
    _, _, app = app_for(tmp_path)
    form = {"MessageSid": "SM" + "1" * 32, "From": "+16175550101", "Body": "caf\ufffd", "NumMedia": "0"}
    signature = RequestValidator(AUTH_TOKEN).compute_signature(f"{BASE}/sms/twilio", form)

    async def scenario():
        async with client_for(app) as client:
            return [await client.post("/sms/twilio", data=form, headers={"X-Twilio-Signature": signature})
                    for _ in range(2)]

    first, replay = asyncio.run(scenario())
    assert first.status_code == 200 and replay.status_code == 200
    repository = make_repository(f"sqlite:///{tmp_path / 'screening.db'}")
    try:
        with repository.transaction() as unit:
            assert unit.conn.exec_driver_sql("SELECT count(*) FROM sms_inbox").scalar() == 1
    finally:
        repository.engine.dispose()


def test_a_lone_surrogate_is_counted_not_a_crash_in_sms_segments():
    """Found by the property tests: text with a lone UTF-16 surrogate made segment counting raise."""
    from screening.sms_text import pack_messages, segments
    assert segments("a\ud800b") == 1
    assert pack_messages(["a\ud800b"])
