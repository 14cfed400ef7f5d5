"""GET /metrics: queue lengths and waiting cases for operators, counts only, not public."""
from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
from sqlalchemy import insert

from screening.dialogue.engine import ScreeningEngine
from screening.records.sms_tables import sms_conversations, sms_inbox
from tests.core.console_people import screen

from ..conftest import make_repository
from .conftest import app_settings, engine_app, serve


def test_metrics_count_screenings_queues_and_the_crisis_case_waiting(database_url, clock):
    engine = ScreeningEngine(make_repository(database_url), clock=clock)
    screen(engine, "web:calm", channel="web")
    screen(engine, "web:worried", before=("honestly i want to die", "yes im safe, lets go on"), channel="web")
    with engine.repository.transaction() as unit:
        conversation = unit.conn.execute(insert(sms_conversations).values(
            phone_hash="h", phone_enc=unit.cipher.encrypt("+16175551234"), opted_out=False,
            created_at=clock.now)).inserted_primary_key[0]
        unit.conn.execute(insert(sms_inbox).values(
            message_sid="SM1", conversation_id=conversation, body_enc=unit.cipher.encrypt("hello"), num_media=0,
            received_at=clock.now - timedelta(seconds=90), status="pending", attempts=1,
            next_attempt_at=clock.now + timedelta(hours=1)))    # waiting to retry: the dialogue was down
        codes = unit.conn.exec_driver_sql("SELECT completion_code FROM screenings").scalars().all()
    engine.repository.engine.dispose()

    with serve(engine_app(app_settings(database_url), clock)) as base:
        response = httpx.get(f"{base}/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    lines = set(response.text.splitlines())
    assert 'screening_screenings{status="completed"} 2' in lines
    assert 'screening_flagged_cases_waiting{flag="crisis"} 1' in lines
    assert "screening_sms_inbox_pending 1" in lines
    assert "screening_sms_inbox_oldest_pending_seconds 90" in lines
    assert "# TYPE screening_sms_outbox_messages gauge" in lines
    assert all(code not in response.text for code in codes if code)        # counts, never who


def test_metrics_are_refused_to_other_machines_and_need_the_token_when_one_is_set(sqlite_url, clock):
    open_app = engine_app(app_settings(sqlite_url), clock)
    tokened_app = engine_app(app_settings(sqlite_url, metrics_token="s3cret-metrics"), clock)

    async def get(app, client_host: str, headers: dict | None = None) -> int:
        transport = httpx.ASGITransport(app=app, client=(client_host, 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://app") as client:
            return (await client.get("/metrics", headers=headers or {})).status_code

    assert asyncio.run(get(open_app, "203.0.113.9")) == 403
    assert asyncio.run(get(open_app, "127.0.0.1")) == 200
    assert asyncio.run(get(tokened_app, "127.0.0.1")) == 403
    assert asyncio.run(get(tokened_app, "203.0.113.9", {"authorization": "Bearer wrong"})) == 403
    assert asyncio.run(get(tokened_app, "203.0.113.9", {"authorization": "Bearer s3cret-metrics"})) == 200
