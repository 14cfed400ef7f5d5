"""Helpers for the "screeners talk back" tests: a phone texting the served app, and a screener's
steps on a case page (take over, reply, hand back, poll)."""
from __future__ import annotations

import json

import httpx
from sqlalchemy import func, select

from screening import audit
from screening.records import models as m
from screening.records.sms_tables import sms_inbox, sms_outbox

from .review.conftest import csrf_of
from ..waiting import bounded_wait
from .sms.conftest import PHONE, FakeTwilio, Phone, inbound_form, signature_for

APP_BASE_URL = "http://127.0.0.1:8000"     # the console's PUBLIC_BASE_URL in tests (plain http cookies)


class Texter:
    """A person's phone: signed posts to the served app, replies read from the fake Twilio."""

    def __init__(self, base: str, repository, fake: FakeTwilio, public_base_url: str = APP_BASE_URL,
                 number: str = PHONE, timeout: float = 20.0):
        self.base, self.repository, self.fake = base, repository, fake
        self.public_base_url, self.number, self.timeout = public_base_url, number, timeout

    def received(self) -> list[str]:
        return self.fake.bodies(self.number)

    def settled(self, sid: str) -> bool:
        with self.repository.transaction() as unit:
            done = unit.conn.execute(select(sms_inbox.c.status).where(sms_inbox.c.message_sid == sid)).scalar()
            queued = unit.conn.execute(select(func.count()).select_from(sms_outbox)
                                       .where(sms_outbox.c.status.notin_(("cancelled", "failed")))).scalar()
        return done == "done" and len(self.fake.sent) >= queued

    def text(self, body: str) -> str:
        """Text the app; what the phone received in reply (empty when nothing was sent)."""
        sid, before = Phone.new_sid(), len(self.received())
        form = inbound_form(body, sid, self.number)
        response = httpx.post(f"{self.base}/sms/twilio", data=form, headers={
            "X-Twilio-Signature": signature_for(f"{self.public_base_url}/sms/twilio", form)})
        assert response.status_code == 200
        assert bounded_wait(lambda: self.settled(sid), self.timeout), f"{body!r} was not handled"
        return "\n".join(self.received()[before:])

    def wait_for(self, words: str) -> str:
        """The first text received that holds `words` (waiting for the sender to send it)."""
        assert self.fake.wait_until(lambda: any(words in b for b in self.received()), self.timeout), \
            f"never received {words!r}: {self.received()[-3:]}"
        return next(b for b in self.received() if words in b)


class Screener:
    """A signed-in console client working one case."""

    def __init__(self, client: httpx.Client, case_id: str):
        self.client, self.case_id = client, case_id
        self.url = f"/review/cases/{case_id}"

    def page(self) -> str:
        response = self.client.get(self.url)
        assert response.status_code == 200, response.text
        return response.text

    def post(self, step: str, **form) -> httpx.Response:
        return self.client.post(f"{self.url}/{step}", data={"csrf": csrf_of(self.page()), **form})

    def take_over(self) -> httpx.Response:
        return self.post("takeover")

    def reply(self, text: str, saved: str = "") -> httpx.Response:
        return self.post("reply", text=text, saved=saved)

    def release(self) -> httpx.Response:
        return self.post("release")

    def poll(self, after: int = 0) -> dict:
        response = self.client.get(f"{self.url}/conversation", params={"after": after})
        assert response.status_code == 200, response.text
        return response.json()


def only_screening(repository, channel: str | None = None) -> str:
    with repository.transaction() as unit:
        query = select(m.screenings.c.id)
        if channel:
            query = query.where(m.screenings.c.channel == channel)
        return unit.conn.execute(query).scalar_one()


def audit_events(repository) -> list[tuple[str, str, dict]]:
    with repository.transaction() as unit:
        return [(e.actor, e.action, e.details) for e in reversed(list(audit.recent(unit.conn, 1000)))]


def chain_intact(repository) -> bool:
    """The audit chain verifies with the repository's AUDIT_KEY."""
    with repository.transaction() as unit:
        return audit.verify(unit.conn, repository.audit_keys).intact


def stored_bytes(repository) -> bytes:
    """Every message body and outbox body as stored (to prove nothing is kept in clear)."""
    with repository.transaction() as unit:
        rows = list(unit.conn.execute(select(m.messages.c.body_enc)).scalars())
        rows += list(unit.conn.execute(select(sms_outbox.c.body_enc)).scalars())
    rows += [json.dumps(e).encode() for e in audit_events(repository)]
    return b"\n".join(bytes(r) for r in rows)
