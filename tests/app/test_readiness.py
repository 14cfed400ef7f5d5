"""/healthz says the app is alive; /readyz says whether a person's message would be answered
now, so a load balancer (or the operator) never sends people to an app that cannot answer.
And while the database is away, people are asked to try again in a moment, never shown a 500."""
from __future__ import annotations

import httpx
import pytest
from sqlalchemy.exc import OperationalError
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from screening import internal_token
from screening.app.dialogue_client import RasaDialogue
from screening.app.main import create_app

from .conftest import app_settings, engine_app, free_port, serve
from .sms.conftest import ACCOUNT_SID, AUTH_TOKEN, PUBLIC_BASE_URL, inbound_form, signature_for

TOKEN = "readiness-test-token"


def fake_rasa(answer: dict):
    """Rasa's /webhooks/app/ready as the channel answers it; records the token it was shown."""
    seen = []

    async def ready(request):
        seen.append(request.headers.get(internal_token.HEADER))
        return JSONResponse(answer["body"], status_code=answer["status"])

    return Starlette(routes=[Route("/webhooks/app/ready", ready)]), seen


def rasa_app(sqlite_url, clock, rasa_url):
    settings = app_settings(sqlite_url, rasa_url=rasa_url, internal_token=TOKEN)
    return create_app(settings, clock=clock, dialogue=RasaDialogue(rasa_url, TOKEN))


def test_ready_when_the_dialogue_runs_in_process_and_the_database_answers(sqlite_url, clock):
    with serve(engine_app(app_settings(sqlite_url), clock)) as base:
        response = httpx.get(f"{base}/readyz")
    assert response.status_code == 200 and response.json() == {"status": "ready"}


def test_not_ready_while_rasa_is_down_though_still_alive(sqlite_url, clock):
    with serve(rasa_app(sqlite_url, clock, f"http://127.0.0.1:{free_port()}")) as base:
        ready, alive = httpx.get(f"{base}/readyz"), httpx.get(f"{base}/healthz")
    assert ready.status_code == 503
    assert ready.json() == {"status": "not ready", "reason": "the dialogue server (Rasa) is not answering"}
    assert alive.status_code == 200


def test_rasas_own_reason_is_passed_on_and_ready_follows_it(sqlite_url, clock):
    answer = {"status": 503, "body": {"status": "not ready", "reason": "the dialogue model is still loading"}}
    rasa, seen = fake_rasa(answer)
    with serve(rasa) as rasa_url, serve(rasa_app(sqlite_url, clock, rasa_url)) as base:
        loading = httpx.get(f"{base}/readyz")
        answer.update(status=200, body={"status": "ready"})
        loaded = httpx.get(f"{base}/readyz")
    assert loading.status_code == 503 and loading.json()["reason"] == "the dialogue model is still loading"
    assert loaded.status_code == 200
    assert seen == [internal_token.header_value(TOKEN)] * 2        # the app shows Rasa its token


def test_not_ready_when_the_database_is_not_migrated(tmp_path, clock):
    with serve(engine_app(app_settings(f"sqlite:///{tmp_path / 'empty.db'}"), clock)) as base:
        response = httpx.get(f"{base}/readyz")
    assert response.status_code == 503 and response.json()["reason"] == "the database is not reachable"


@pytest.fixture
def database_away(sqlite_url, clock):
    """The app, with every database transaction failing as it does while PostgreSQL restarts."""
    settings = app_settings(sqlite_url, public_base_url=PUBLIC_BASE_URL, twilio_account_sid=ACCOUNT_SID,
                            twilio_auth_token=AUTH_TOKEN)
    app = engine_app(settings, clock)

    def away(*_args, **_kwargs):
        raise OperationalError("SELECT 1", {}, ConnectionRefusedError("server closed the connection"))

    with serve(app) as base:
        from tests.app.web_chat.helpers import ChatPerson

        person = ChatPerson(base)              # a conversation begun before the database went away
        app.state.context.repository.transaction = away
        yield base, person


def test_while_the_database_is_away_the_web_chat_asks_to_try_again_in_a_moment(database_away):
    base, person = database_away
    response = person.say("yes", message_id="while-away-01")
    assert response.status_code == 503
    assert response.json() == {"error": "We could not reach the server. Your message is kept; "
                                        "please try again in a moment."}
    assert response.headers["retry-after"] == "5"
    started = httpx.post(f"{base}/chat/api/conversations", json={})
    assert started.status_code == 503 and "try again in a moment" in started.json()["error"]


def test_while_the_database_is_away_twilio_is_told_to_try_again(database_away):
    base, _ = database_away
    form = inbound_form("yes", "SM" + "a" * 32)
    response = httpx.post(f"{base}/sms/twilio", data=form, headers={
        "X-Twilio-Signature": signature_for(f"{PUBLIC_BASE_URL}/sms/twilio", form)})
    # 503, not 500: Twilio (with a retry connection override) posts the same MessageSid again.
    assert response.status_code == 503 and response.headers["retry-after"] == "5"
    assert "try again in a moment" in response.text
