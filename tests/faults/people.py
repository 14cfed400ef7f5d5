"""People screening through the real endpoints while processes die, and what is checked after.

Each person behaves as a phone or a browser does: a text whose webhook got no answer (the
app was down) is posted again with the same MessageSid, as Twilio does with its connection
overrides; a chat message that got a 503 or no answer is sent again with the same id, as
the widget does. Nothing here waits a fixed time for something to happen: each wait polls
a condition with a deadline.
"""
from __future__ import annotations

import itertools
import re
import threading
import time
from dataclasses import dataclass, field

import httpx
from sqlalchemy import select

from screening.app.sms.store import SmsStore
from screening.crypto import pseudonym
from screening.records import models as m
from screening.records.sms_tables import sms_conversations, sms_inbox, sms_outbox, sms_sender_id
from screening.records.web_tables import web_conversations

from ..app.sms.conftest import PUBLIC_BASE_URL, inbound_form, signature_for
from ..waiting import hurried_sms_answer

DEADLINE_SECONDS = 300.0          # a Rasa restart at its longest backoff, plus the turn itself
_pause = threading.Event()         # never set: .wait() is a pause between polls, not a synchronisation
_sids = itertools.count(1)
_ids = itertools.count(1)
_addresses = itertools.count(1)


def poll(condition, timeout: float = DEADLINE_SECONDS, every: float = 0.1, between=lambda: None):
    """condition()'s first true value, polled until the deadline; None after it."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            return None
        between()
        _pause.wait(every)


def web_next(view: dict) -> str:
    text = "\n".join(message["text"] for message in view["messages"])
    if "ZIP code or town" in text:
        return "02118"
    buttons = [b for message in view["messages"] for b in message["buttons"]]
    if buttons:
        return buttons[0]["payload"]
    if "yes" in view.get("quick_answers", []):
        return "yes"
    return "skip"


@dataclass
class Person:
    name: str
    sent: list[str] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)      # what reached them after each message, in order
    server_errors: list[int] = field(default_factory=list)  # any 5xx other than a kind 503
    finished: bool = False
    retries: int = 0


class SmsPerson(Person):
    def __init__(self, name: str, phone: str, app_url, fake, repository, on_message=lambda: None, between=lambda: None):
        super().__init__(name)
        self.phone, self.app_url, self.fake, self.repository = phone, app_url, fake, repository
        self.on_message, self.between = on_message, between
        self.store = SmsStore(repository)

    @property
    def sender(self) -> str:
        return sms_sender_id(self.store.phone_hash(self.phone))

    def _post(self, form: dict) -> bool:
        try:
            response = httpx.post(f"{self.app_url()}/sms/twilio", data=form, timeout=15, headers={
                "X-Twilio-Signature": signature_for(f"{PUBLIC_BASE_URL}/sms/twilio", form)})
        except httpx.HTTPError:
            return False
        if response.status_code >= 500 and response.status_code != 503:
            self.server_errors.append(response.status_code)
        return response.status_code == 200

    def _settled(self, sid: str, before: int) -> bool:
        with self.repository.transaction() as unit:
            row = unit.conn.execute(select(sms_inbox.c.status, sms_inbox.c.conversation_id)
                                    .where(sms_inbox.c.message_sid == sid)).first()
            if row is None or row.status != "done":
                return False
            statuses = unit.conn.execute(select(sms_outbox.c.status)
                                         .where(sms_outbox.c.conversation_id == row.conversation_id)).scalars().all()
        sent = len([s for s in statuses if s == "sent"])
        return all(s == "sent" for s in statuses) and len(self.fake.bodies(self.phone)) >= sent

    def say(self, body: str) -> str:
        sid, before = f"SM{next(_sids):08d}{'f' * 24}", len(self.fake.bodies(self.phone))
        form = inbound_form(body, sid, self.phone)
        self.sent.append(body)
        self.on_message()
        attempts = 0
        while not self._post(form):       # Twilio tries the webhook again with the same MessageSid
            attempts += 1
            self.retries += 1
            assert attempts < 3000, f"{self.name}: the webhook never took {body!r}"
            self.between()
            _pause.wait(0.5)
        assert poll(lambda: self._settled(sid, before), between=self.between), \
            f"{self.name}: no reply to message {len(self.sent)} within {DEADLINE_SECONDS:.0f} s"
        reply = "\n".join(self.fake.bodies(self.phone)[before:])
        self.replies.append(reply)
        return reply

    def screen(self, max_messages: int = 80) -> None:
        reply = self.say("hi")
        for _ in range(max_messages):
            if "Your completion code is" in reply:
                self.finished = True
                return
            reply = self.say(hurried_sms_answer(reply))


class WebPerson(Person):
    def __init__(self, name: str, app_url, repository, on_message=lambda: None, between=lambda: None):
        super().__init__(name)
        self.app_url, self.repository, self.on_message, self.between = app_url, repository, on_message, between
        self.token = ""
        number = next(_addresses)
        self.address = f"10.{number // 65536 % 256}.{number // 256 % 256}.{number % 256}"

    @property
    def sender(self) -> str:
        token_hash = pseudonym(self.repository.secret_key, "web-token", self.token)
        with self.repository.transaction() as unit:
            conversation = unit.conn.execute(select(web_conversations.c.id).where(
                web_conversations.c.session_token_hash == token_hash)).scalar_one()
        return f"web:{conversation}"

    def _call(self, path: str, body: dict, ok: int) -> dict:
        # Each person from their own network (the app trusts X-Forwarded-For from 127.0.0.1).
        headers = {"x-forwarded-for": self.address} | ({"x-chat-token": self.token} if self.token else {})
        attempts = 0
        while True:
            try:
                response = httpx.post(f"{self.app_url()}/chat/api/{path}", json=body, headers=headers, timeout=60)
                if response.status_code == ok:
                    return response.json()
                if response.status_code >= 500 and response.status_code != 503:
                    self.server_errors.append(response.status_code)
                assert response.status_code >= 500, f"{self.name}: {path} answered {response.status_code}"
            except httpx.HTTPError:
                pass                     # no answer: the widget says "try again", the person does
            attempts += 1
            self.retries += 1
            assert attempts < 3000, f"{self.name}: {path} never answered"
            self.between()
            _pause.wait(0.5)

    def start(self) -> dict:
        self.sent.append("(start)")
        self.on_message()
        view = self._call("conversations", {"language": "en"}, 201)
        self.token = view["token"]
        self.replies.append("\n".join(message["text"] for message in view["messages"]))
        return view

    def say(self, text: str) -> dict:
        message_id = f"fault-{next(_ids):08d}"      # the same id on every retry of this message
        self.sent.append(text)
        self.on_message()
        view = self._call("messages", {"message_id": message_id, "text": text}, 200)
        self.replies.append("\n".join(message["text"] for message in view["messages"]))
        return view

    def screen(self, max_messages: int = 80) -> None:
        view = self.start()
        for _ in range(max_messages):
            if view["finished"]:
                self.finished = True
                return
            view = self.say(web_next(view))


@dataclass
class Stored:
    incoming: list[str]            # the person's messages the screening stored, in order
    answers: list[tuple]           # (item, version, options, skipped), in the order stored
    outgoing_sms: list[str]        # for SMS: what the outbox sent, in order
    twilio_sids: list[str]
    completion_code: str | None


def stored_for(repository, channel: str, sender: str, phone: str | None = None) -> Stored:
    cipher = repository.cipher
    with repository.transaction() as unit:
        participant = unit.existing_participant_id(channel, sender)
        assert participant, f"nothing stored for {channel} person"
        screening_ids = unit.conn.execute(select(m.screenings.c.id).where(
            m.screenings.c.participant_id == participant)).scalars().all()
        assert len(screening_ids) == 1, f"{len(screening_ids)} screenings for one person"
        incoming = [cipher.decrypt(body) for body in unit.conn.execute(
            select(m.messages.c.body_enc).where(m.messages.c.screening_id == screening_ids[0],
                                                m.messages.c.direction == "in").order_by(m.messages.c.id)).scalars()]
        answers = [(r.item_id, r.version, tuple(r.option_ids), r.skipped) for r in unit.conn.execute(
            select(m.answers).where(m.answers.c.screening_id == screening_ids[0]).order_by(m.answers.c.id))]
        code = unit.conn.execute(select(m.screenings.c.completion_code).where(
            m.screenings.c.id == screening_ids[0])).scalar()
        outgoing, sids = [], []
        if phone:
            rows = unit.conn.execute(
                select(sms_outbox.c.body_enc, sms_outbox.c.twilio_sid, sms_outbox.c.status)
                .join(sms_conversations, sms_conversations.c.id == sms_outbox.c.conversation_id)
                .where(sms_conversations.c.phone_hash == SmsStore(repository).phone_hash(phone))
                .order_by(sms_outbox.c.id)).all()
            outgoing = [cipher.decrypt(r.body_enc) for r in rows]
            sids = [r.twilio_sid for r in rows]
    return Stored(incoming, answers, outgoing, sids, code)


def without_codes(texts: list[str], code: str | None) -> list[str]:
    """Replies with the person's own completion code (and any resume code) blanked, to compare people."""
    blanked = [t.replace(code, "<code>") if code else t for t in texts]
    return [re.sub(r"\b[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}\b", "<resume code>", t) for t in blanked]

