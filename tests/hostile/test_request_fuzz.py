"""10,000 generated requests (FUZZ_REQUESTS for more; FUZZ_SEED to replay a run) against the SMS
webhooks, the chat API, the console's forms and /verify, in-process through the whole ASGI app:
oversized and chunked bodies, wrong content types, invalid UTF-8 and lone surrogates, missing
and huge fields, replays of the same message, requests out of order (after an exit, with an
expired session, a code before a password), valid and forged signatures, real and made-up ids.

What must hold: no 5xx, no exception out of the app, no error logged by the app, and memory
bounded (tracemalloc's peak). The classes tried and their counts are printed (pytest -s) and
summarized in RELIABILITY.md."""
from __future__ import annotations

import asyncio
import json
import logging
import os
import random
import string
import traceback
import tracemalloc
from collections import Counter
from datetime import timedelta
from urllib.parse import quote, urlencode

import httpx
from sqlalchemy import update
import pytest
from twilio.request_validator import RequestValidator

from screening.accounts import AccountStore, totp_code
from screening.crisis_model import default_model
from screening.dialogue.engine import ScreeningEngine
from screening.records import migrate
from screening.records.console_tables import console_accounts

from ..app.conftest import app_settings, engine_app
from ..app.review.conftest import PASSWORD, csrf_of
from ..conftest import Clock, make_repository
from ..core.console_people import screen

REQUESTS = int(os.environ.get("FUZZ_REQUESTS") or 10_000)
SEED = int(os.environ.get("FUZZ_SEED") or 20261202)
BASE = "http://127.0.0.1:8000"
AUTH_TOKEN = "fuzz-twilio-auth-token"
WARM_UP = 300                        # requests before memory is traced: every lazy load has happened
PEAK_MEMORY_BYTES = 32 * 1024 * 1024  # the most the app (and this test) may hold beyond that, bodies included
FLOOD_BYTES = 24 * 1024 * 1024
VALIDATOR = RequestValidator(AUTH_TOKEN)

WORDS = ["yes", "no", "1", "2", "skip", "why", "back", "pause", "STOP", "START", "HELP", "exit", "sí", "idk",
         "I need food", "02118", "11/3", "nah", "person", "hi", "ayuda", "parar", "3 4 5"]
HOSTILE = ["", " ", "\x00", "\ud800", "\udfff", "😀" * 50, "\u202e", "<script>alert(1)</script>", "' OR 1=1 --",
           "%s%s%n", "{{7*7}}", "\r\n\r\n", "A" * 2000, "\\", "İ" * 300, "\ufeff", "\uffff", "a\u0301" * 100]
STATUSES = ["queued", "sent", "delivered", "undelivered", "failed", "read", "", "DELIVERED", "x" * 40]


class Fuzzer:
    def __init__(self, client: httpx.AsyncClient, clock: Clock, rng: random.Random):
        self.client, self.clock, self.rng = client, clock, rng
        self.tokens: list[str] = []          # chat sessions issued
        self.resume_codes: list[str] = []
        self.sids: list[str] = []            # MessageSids already sent (replays)
        self.case_ids: list[str] = []
        self.codes: list[str] = []           # completion codes
        self.console_csrf = ""
        self.counts: Counter = Counter()
        self.server_errors: list[tuple[str, int, str]] = []
        self.exceptions: list[tuple[str, str]] = []

    # -------------------------------------------------------------- pieces
    def text(self) -> str:
        r = self.rng.random()
        if r < 0.45:
            return self.rng.choice(WORDS)
        if r < 0.7:
            return self.rng.choice(HOSTILE)
        if r < 0.9:
            return "".join(chr(self.rng.randrange(0x20, 0x2FFF)) for _ in range(self.rng.randrange(0, 40)))
        return "".join(self.rng.choice(string.printable) for _ in range(self.rng.randrange(0, 5000)))

    def raw_bytes(self) -> bytes:
        choice = self.rng.random()
        if choice < 0.3:
            return bytes(self.rng.randrange(256) for _ in range(self.rng.randrange(1, 300)))
        if choice < 0.5:
            return b"\xff\xfe\xfd" + self.text().encode("utf-8", "surrogatepass")
        if choice < 0.7:
            return b"x" * self.rng.choice([16_385, 70_000, 2_000_000])
        return self.text().encode("utf-8", "surrogatepass")

    def chunked(self, body: bytes):
        """The body in chunks with no length declared; one time in ten, an endless-looking 24 MB
        stream made as it is sent (the test holds none of it: what is held is the app's)."""
        size = self.rng.choice([1, 7, 1024, 65_536])
        flood = self.rng.random() < 0.1

        async def chunks():
            if flood:
                piece = b"x" * 65_536
                for _ in range(FLOOD_BYTES // len(piece)):
                    yield piece
                return
            for at in range(0, len(body), size):
                yield body[at:at + size]
        return chunks()

    def content_type(self) -> str:
        return self.rng.choice(["application/x-www-form-urlencoded", "application/json", "text/plain",
                                "multipart/form-data; boundary=xyz", "multipart/form-data", "application/xml",
                                "", "application/x-www-form-urlencoded; charset=latin-1", "text/html; charset=utf-7"])

    @staticmethod
    def form_bytes(fields) -> bytes:
        """A urlencoded body as a client that sends whatever it holds would (lone surrogates too)."""
        items = fields.items() if isinstance(fields, dict) else fields
        return urlencode(list(items), encoding="utf-8", errors="surrogatepass").encode("ascii")

    @staticmethod
    def segment(text: str) -> str:
        return quote(text, safe="", encoding="utf-8", errors="surrogatepass")

    @staticmethod
    def header(text: str) -> bytes:
        return text.encode("utf-8", "surrogatepass")

    async def post_form(self, path: str, fields, headers: dict | None = None) -> httpx.Response:
        return await self.client.post(path, content=self.form_bytes(fields), headers={
            "content-type": "application/x-www-form-urlencoded", **(headers or {})})

    def signed_form(self, form: dict, path: str = "/sms/twilio") -> dict:
        return {"X-Twilio-Signature": VALIDATOR.compute_signature(f"{BASE}{path}", form)}

    def sms_form(self) -> dict:
        sid = self.rng.choice(self.sids) if self.sids and self.rng.random() < 0.2 else \
            "SM" + "".join(self.rng.choice("0123456789abcdef") for _ in range(32))
        self.sids.append(sid)
        form = {"MessageSid": sid, "From": self.rng.choice(["+16175550101", "+16175550102", "+1617555010",
                                                           self.text()[:30]]),
                "To": "+16175550100", "Body": self.text(), "NumMedia": self.rng.choice(["0", "1", "-1", "x", ""]),
                "AccountSid": "AC" + "0" * 32}
        for name in list(form):
            if self.rng.random() < 0.08:
                del form[name]
        if self.rng.random() < 0.1:
            form[self.text()[:20] or "x"] = self.text()
        return form

    # ---------------------------------------------------------- requests
    async def sms(self) -> tuple[str, httpx.Response]:
        path = self.rng.choice(["/sms/twilio", "/sms/twilio", "/sms/twilio/status"])
        kind = self.rng.random()
        if path.endswith("status"):
            form = {"MessageSid": self.rng.choice(self.sids or ["SMx"]), "MessageStatus": self.rng.choice(STATUSES),
                    "ErrorCode": self.rng.choice(["", "30003", self.text()[:20]])}
        else:
            form = self.sms_form()
        def utf8(text: str) -> str:
            return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
        safe_form = {utf8(k): utf8(v) for k, v in form.items()}      # what Twilio itself could sign
        if kind < 0.55:
            return "sms.signed", await self.post_form(path, safe_form, self.signed_form(safe_form, path))
        if kind < 0.65:
            return "sms.unsigned", await self.post_form(path, form)
        if kind < 0.72:
            headers = {"X-Twilio-Signature": self.header(self.rng.choice(["", "x", "A" * 5000, "\u00e9", "\ud800"]))}
            return "sms.forged", await self.post_form(path, form, headers)
        body = self.raw_bytes()
        headers = {"content-type": self.content_type(), "X-Twilio-Signature": "abc"}
        if self.rng.random() < 0.5:
            return "sms.raw-chunked", await self.client.post(path, content=self.chunked(body), headers=headers)
        return "sms.raw", await self.client.post(path, content=body, headers=headers)

    async def chat(self) -> tuple[str, httpx.Response]:
        route = self.rng.choice(["conversations", "messages", "messages", "messages", "resume", "poll", "exit"])
        token = self.rng.choice(self.tokens) if self.tokens and self.rng.random() < 0.8 else self.text()[:200]
        headers = {"x-chat-token": self.header(token)}
        if route == "conversations":
            body = self.rng.choice([{}, {"language": "es"}, {"language": self.text()}, [], "x", None])
        elif route == "messages":
            body = {"message_id": self.rng.choice(["m" + str(self.rng.randrange(10**9)), "short", "", "m" * 65,
                                                   "message-00000001"]),
                    "text": self.rng.choice([self.text(), self.text(), None, 5, ["a"], {"a": 1}])}
            for name in list(body):
                if self.rng.random() < 0.05:
                    del body[name]
        elif route == "resume":
            code = self.rng.choice(self.resume_codes) if self.resume_codes and self.rng.random() < 0.5 else self.text()
            body = {"code": code, "language": self.rng.choice(["en", "es", None, 3])}
        else:
            body = {"token": token} if self.rng.random() < 0.3 else {}
        kind = self.rng.random()
        path = f"/chat/api/{route}"
        if kind < 0.75:
            response = await self.client.post(path, content=json.dumps(body).encode(), headers={**headers,
                                              "content-type": "application/json"})
        elif kind < 0.85:
            response = await self.client.post(path, content=self.raw_bytes(),
                                              headers={**headers, "content-type": self.content_type()})
        else:
            response = await self.client.post(path, content=self.chunked(self.raw_bytes()),
                                              headers={**headers, "content-type": "application/json"})
        if route in ("conversations", "resume") and response.status_code in (200, 201):
            view = response.json()
            self.tokens.append(view["token"])
            if view.get("resume_code"):
                self.resume_codes.append(view["resume_code"])
        return f"chat.{route}", response

    async def verify(self) -> tuple[str, httpx.Response]:
        code = self.rng.choice(self.codes) if self.codes and self.rng.random() < 0.3 else self.text()
        params = [("code", code)] * self.rng.randrange(0, 3)
        if self.rng.random() < 0.1:
            params.append((self.text()[:10], self.text()))
        if self.rng.random() < 0.1:
            return "verify.post", await self.post_form("/verify", {"code": code})
        return "verify", await self.client.get("/verify?" + self.form_bytes(params).decode())

    async def console(self) -> tuple[str, httpx.Response]:
        case = self.segment(self.rng.choice(self.case_ids + [self.text()[:40] or "x", "../../etc/passwd", "0"]))
        route = self.rng.choice(["login", "code", "notes", "status", "assign", "confirm", "takeover", "reply",
                                 "release", "page", "list", "export", "logout"])
        csrf = self.console_csrf if self.rng.random() < 0.7 else self.text()[:100]
        fields = {"csrf": csrf}
        if route == "login":
            fields.update(username=self.rng.choice(["sam", self.text()[:50]]), password=self.text()[:200])
        elif route == "code":
            fields.update(code=self.rng.choice(["000000", "123456", "١٢٣٤٥٦", "１２３４５６", self.text()[:20]]))
        elif route == "notes":
            fields.update(text=self.text(), note=self.text())
        elif route == "status":
            fields.update(status=self.rng.choice(["new", "in_review", "follow_up", "closed", self.text()[:20]]))
        elif route == "assign":
            fields.update(assignee=self.rng.choice(["1", "2", "-1", self.text()[:20]]))
        elif route == "reply":
            fields.update(text=self.text(), template=self.text()[:30], blank=self.text())
        for name in list(fields):
            if self.rng.random() < 0.1:
                del fields[name]
        paths = {"login": "/review/login", "code": "/review/login/code", "logout": "/review/logout",
                 "page": f"/review/cases/{case}", "list": "/review/cases", "export": f"/review/cases/{case}/export"}
        path = paths.get(route, f"/review/cases/{case}/{route}")
        if route in ("page", "export"):
            return f"console.{route}", await self.client.get(path)
        if route == "list":
            query = self.form_bytes({"q": self.text()[:300], "status": self.text()[:20]}).decode()
            return "console.list", await self.client.get(f"{path}?{query}")
        kind = self.rng.random()
        origin = {"origin": BASE} if self.rng.random() < 0.9 else {"origin": self.header(self.text()[:50])}
        if kind < 0.7:
            return f"console.{route}", await self.post_form(path, fields, origin)
        if kind < 0.8:
            return f"console.{route}-multipart", await self.client.post(
                path, files={"csrf": (None, self.header(csrf)), "text": ("x.txt", self.raw_bytes())}, headers=origin)
        return f"console.{route}-raw", await self.client.post(
            path, content=self.chunked(self.raw_bytes()), headers={**origin, "content-type": self.content_type()})

    async def elsewhere(self) -> tuple[str, httpx.Response]:
        method = self.rng.choice(["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"])
        path = self.rng.choice(["/chat", "/chat/api/", "/chat/api/messages", "/sms/twilio", "/review", "/verify",
                                "/healthz", "/metrics", "/chat/widget.js", "/review/static/../../x"]) + \
            self.rng.choice(["", "/", "/x", "?a=%ff", "%00"])
        return "other", await self.client.request(method, path)

    async def one(self) -> None:
        pick = self.rng.random()
        target = self.sms if pick < 0.3 else self.chat if pick < 0.65 else self.console if pick < 0.85 \
            else self.verify if pick < 0.95 else self.elsewhere
        label = target.__name__
        try:
            label, response = await target()
        except Exception as exc:  # an exception out of the app is a finding
            frames = traceback.extract_tb(exc.__traceback__)
            where = next((f"{f.filename.split('/work/')[-1]}:{f.lineno}" for f in reversed(frames)
                          if "site-packages" not in f.filename), "?")
            self.exceptions.append((label, f"{exc.__class__.__name__} at {where}: {str(exc)[:120]}"))
            return
        self.counts[label] += 1
        if response.status_code >= 500:
            self.server_errors.append((label, response.status_code, response.text[:200]))


class ErrorLog(logging.Handler):
    def __init__(self):
        super().__init__(logging.ERROR)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith("screening"):
            self.records.append(f"{record.name}: {record.getMessage()[:200]}")


def prepare(tmp_path):
    url = f"sqlite:///{tmp_path / 'screening.db'}"
    migrate.upgrade(url)
    clock = Clock()
    default_model()            # the crisis classifier, loaded once per process (the action server warms it too)
    repository = make_repository(url)
    for n in range(3):
        screen(ScreeningEngine(repository, clock=clock), f"fuzz-person-{n}", needs="food")
    with repository.transaction() as unit:
        sam = AccountStore(unit.conn, unit.cipher).add("sam", "supervisor", PASSWORD, clock.now).id
        # An account whose authenticator is already set up (new ones enrol with a code first).
        unit.conn.execute(update(console_accounts).where(console_accounts.c.id == sam).values(totp_confirmed=True))
        secret = AccountStore(unit.conn, unit.cipher).by_username("sam").totp_secret
        cases = unit.conn.exec_driver_sql("SELECT id, completion_code FROM screenings").all()
    settings = app_settings(url, public_base_url=BASE, twilio_auth_token=AUTH_TOKEN,
                            twilio_account_sid="AC" + "0" * 32, twilio_from_number="+16175550100",
                            twilio_api_base_url="http://127.0.0.1:9")
    return repository, clock, secret, cases, engine_app(settings, clock)


async def sign_in(client: httpx.AsyncClient, clock: Clock, secret: str) -> str:
    page = await client.get("/review/login")
    await client.post("/review/login", data={"csrf": csrf_of(page.text), "username": "sam", "password": PASSWORD})
    page = await client.get("/review/login/code")
    response = await client.post("/review/login/code", data={"csrf": csrf_of(page.text),
                                                             "code": totp_code(secret, clock.now)})
    assert response.status_code == 303
    clock.now += timedelta(seconds=31)
    return csrf_of((await client.get("/review/cases")).text)


@pytest.mark.timeout(900)
def test_ten_thousand_hostile_requests_get_no_server_error_and_bounded_memory(tmp_path, capsys):
    repository, clock, secret, cases, app = prepare(tmp_path)
    errors = ErrorLog()
    logging.getLogger().addHandler(errors)

    async def run() -> Fuzzer:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=True)
        async with httpx.AsyncClient(transport=transport, base_url=BASE, headers={"origin": BASE}) as client:
            fuzzer = Fuzzer(client, clock, random.Random(SEED))
            fuzzer.case_ids = [case_id for case_id, _ in cases]
            fuzzer.codes = [code for _, code in cases if code]
            fuzzer.console_csrf = await sign_in(client, clock, secret)
            for n in range(REQUESTS):
                if n == WARM_UP:
                    tracemalloc.start()
                await fuzzer.one()
                if os.environ.get("FUZZ_DIAG") and tracemalloc.is_tracing() and n % 500 == 0:
                    current, peak_now = tracemalloc.get_traced_memory()
                    print(f"DIAG {n} current {current / 2**20:.1f} peak {peak_now / 2**20:.1f}")
                    if n % 1000 == 0:
                        for stat in tracemalloc.take_snapshot().statistics("lineno")[:8]:
                            print("DIAG   ", stat)
                if n % 250 == 249:
                    # Time passes: limits reset, sessions and chats expire, later requests come "late".
                    clock.now += timedelta(minutes=fuzzer.rng.choice([1, 5, 16, 61]))
                    if fuzzer.rng.random() < 0.5:
                        fuzzer.console_csrf = await sign_in(client, clock, secret)
            return fuzzer

    try:
        fuzzer = asyncio.run(run())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        logging.getLogger().removeHandler(errors)
        repository.engine.dispose()

    with capsys.disabled():
        print(f"\nfuzz: {sum(fuzzer.counts.values())} requests, seed {SEED}, peak {peak / 2**20:.1f} MiB")
        for label, count in sorted(fuzzer.counts.items()):
            print(f"  {label}: {count}")
        for finding, count in Counter(fuzzer.exceptions + [(label, str(status), text[:80])
                                                           for label, status, text in fuzzer.server_errors]).items():
            print(f"  FOUND {count}x {finding}")
        for record in sorted(set(errors.records)):
            print(f"  LOGGED {record}")
    assert sum(fuzzer.counts.values()) + len(fuzzer.exceptions) == REQUESTS
    assert fuzzer.exceptions == []
    assert fuzzer.server_errors == []
    assert errors.records == []
    assert peak < PEAK_MEMORY_BYTES
