"""Fixtures for the SMS gateway: a local fake of Twilio's Messages API, requests signed
exactly as Twilio signs them, and the gateway over a test database."""
from __future__ import annotations

import base64
import itertools
import threading
from dataclasses import dataclass, replace

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from twilio.request_validator import RequestValidator

from screening.app.context import AppContext
from screening.app.dialogue_client import EngineDialogue
from screening.app.sms import SmsGateway
from screening.dialogue.engine import ScreeningEngine
from screening.sms_text import segments

from ...conftest import make_repository
from ..conftest import app_settings, serve

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "test-twilio-auth-token"
OUR_NUMBER = "+16175550100"
PUBLIC_BASE_URL = "https://screening.example.org"
PHONE = "+16175551234"


@dataclass(frozen=True)
class SentSms:
    sid: str
    to: str
    from_: str
    body: str
    status_callback: str


class FakeTwilio:
    """Records every message POSTed to Messages.json; can refuse the next requests with 429 or 500."""

    def __init__(self):
        self.sent: list[SentSms] = []
        self.refusals: list[tuple[int, dict]] = []
        self.requests = 0
        self._sids = itertools.count(1)
        self._changed = threading.Condition()
        path = "/2010-04-01/Accounts/{sid}/Messages.json"
        self.app = Starlette(routes=[Route(path, self.create, methods=["POST"]),
                                     Route(path, self.list, methods=["GET"])])

    def refuse_next(self, count: int, status: int, retry_after: int | None = None, code: int = 20429) -> None:
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        self.refusals += [(status, {"headers": headers, "code": code})] * count

    def bodies(self, to: str = PHONE) -> list[str]:
        return [m.body for m in self.sent if m.to == to]

    def wait_until(self, predicate, timeout: float = 20.0) -> bool:
        """Wait (on each recorded message) until `predicate()` holds."""
        with self._changed:
            return self._changed.wait_for(predicate, timeout)

    def _authorized(self, request: Request) -> bool:
        expected = base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
        return request.headers.get("authorization") == f"Basic {expected}" \
            and request.path_params["sid"] == ACCOUNT_SID

    async def create(self, request: Request):
        self.requests += 1
        if not self._authorized(request):
            return JSONResponse({"code": 20003, "message": "Authenticate"}, status_code=401)
        form = await request.form()
        if self.refusals:
            status, refusal = self.refusals.pop(0)
            return JSONResponse({"code": refusal["code"], "message": "refused"}, status_code=status,
                                headers=refusal["headers"])
        missing = [f for f in ("To", "From", "Body", "StatusCallback") if not form.get(f)]
        if missing:
            return JSONResponse({"code": 21604, "message": f"missing {missing}"}, status_code=400)
        message = SentSms(f"SM{next(self._sids):032x}", form["To"], form["From"], form["Body"],
                          form["StatusCallback"])
        with self._changed:
            self.sent.append(message)
            self._changed.notify_all()
        return JSONResponse({"sid": message.sid, "status": "queued", "to": message.to, "from": message.from_,
                             "body": message.body, "num_segments": str(segments(message.body))}, status_code=201)

    async def list(self, request: Request):
        if not self._authorized(request):
            return JSONResponse({"code": 20003}, status_code=401)
        to, from_ = request.query_params.get("To"), request.query_params.get("From")
        found = [m for m in reversed(self.sent) if m.to == to and m.from_ == from_]
        return JSONResponse({"messages": [{"sid": m.sid, "body": m.body, "to": m.to, "from": m.from_}
                                          for m in found]})


@pytest.fixture
def fake_twilio():
    fake = FakeTwilio()
    with serve(fake.app) as base:
        fake.base_url = base
        yield fake


def sms_settings(database_url: str, fake: FakeTwilio, **changes):
    return replace(app_settings(database_url, public_base_url=PUBLIC_BASE_URL, twilio_account_sid=ACCOUNT_SID,
                                twilio_auth_token=AUTH_TOKEN, twilio_from_number=OUR_NUMBER,
                                twilio_api_base_url=fake.base_url), **changes)


def make_gateway(settings, clock, dialogue=None) -> SmsGateway:
    repository = make_repository(settings.database_url)
    dialogue = dialogue or EngineDialogue(ScreeningEngine(repository, clock=clock))
    return SmsGateway(AppContext(settings=settings, repository=repository, dialogue=dialogue, clock=clock))


def inbound_form(body: str, sid: str, phone: str = PHONE, num_media: int = 0) -> dict[str, str]:
    """The fields Twilio posts for an inbound message."""
    form = {
        "ToCountry": "US", "ToState": "MA", "SmsMessageSid": sid, "NumMedia": str(num_media), "ToCity": "BOSTON",
        "FromZip": "02118", "SmsSid": sid, "FromState": "MA", "SmsStatus": "received", "FromCity": "BOSTON",
        "Body": body, "FromCountry": "US", "To": OUR_NUMBER, "ToZip": "02108", "NumSegments": "1",
        "MessageSid": sid, "AccountSid": ACCOUNT_SID, "From": phone, "ApiVersion": "2010-04-01",
    }
    for n in range(num_media):
        form[f"MediaUrl{n}"] = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sid}/Media/ME{n}"
        form[f"MediaContentType{n}"] = "image/jpeg"
    return form


def signature_for(url: str, params: dict, token: str = AUTH_TOKEN) -> str:
    return RequestValidator(token).compute_signature(url, params)


class Phone:
    """A person's phone texting the gateway: signed posts, as Twilio would make them."""

    _sids = itertools.count(1)

    def __init__(self, client: httpx.AsyncClient, number: str = PHONE):
        self.client = client
        self.number = number

    @staticmethod
    def new_sid() -> str:
        return f"SM{next(Phone._sids):032x}"

    async def text(self, body: str, *, sid: str | None = None, num_media: int = 0) -> httpx.Response:
        form = inbound_form(body, sid or self.new_sid(), self.number, num_media)
        return await post_signed(self.client, "/sms/twilio", form)


async def post_signed(client: httpx.AsyncClient, path: str, form: dict, *, url: str | None = None,
                      token: str = AUTH_TOKEN) -> httpx.Response:
    signature = signature_for(url or f"{PUBLIC_BASE_URL}{path}", form, token)
    return await client.post(path, data=form, headers={"X-Twilio-Signature": signature})


def gateway_client(gateway: SmsGateway) -> httpx.AsyncClient:
    """The gateway's routes in-process (no background loops: tests call run_once themselves)."""
    app = Starlette(routes=gateway.routes)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


async def exchange(gateway: SmsGateway, phone: Phone, fake: FakeTwilio, text: str, **options) -> list[str]:
    """Text the gateway, let the worker and the sender run once each; what the phone received."""
    before = len(fake.bodies(phone.number))
    response = await phone.text(text, **options)
    assert response.status_code == 200
    await gateway.inbox.drain()
    await gateway.outbox.run_once()
    return fake.bodies(phone.number)[before:]
