"""Twilio's two webhooks: an inbound message (`POST /sms/twilio`) and a delivery
status (`POST /sms/twilio/status`).

Both check the signature first (403, and the log says only "refused"). An inbound
message is stored once per MessageSid and acknowledged at once with empty TwiML;
the inbox worker does the rest.
"""
from __future__ import annotations

import asyncio
import functools
import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Callable
from urllib.parse import parse_qsl

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from ..body_limit import BodyTooLarge, read_body
from .signature import TwilioSignature
from .store import SmsStore

logger = logging.getLogger(__name__)
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
MAX_FORM_BYTES = 16_384
MAX_SID_CHARS = 64
MAX_BODY_CHARS = 1_600      # Twilio's own limit for one message


class BadRequest(Exception):
    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.response = PlainTextResponse(reason, status_code=status)


class SmsWebhooks:
    def __init__(self, store: SmsStore, signature: TwilioSignature, clock: Callable[[], datetime],
                 on_received: Callable[[], None]):
        self.store = store
        self.signature = signature
        self.clock = clock
        self.on_received = on_received
        # Its own threads: an ack never queues behind the worker's dialogue turns.
        self._executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="sms-webhook")

    async def _in_thread(self, function, *args, **kwargs):
        return await asyncio.get_running_loop().run_in_executor(
            self._executor, functools.partial(function, *args, **kwargs))

    def close(self) -> None:
        self._executor.shutdown(wait=False)

    async def signed_form(self, request: Request) -> FormData:
        try:
            raw = await read_body(request, MAX_FORM_BYTES)
        except BodyTooLarge:
            raise BadRequest(413, "The request is too large.") from None
        try:
            form = FormData(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
        except UnicodeDecodeError:
            form = FormData()
        if not self.signature.is_valid(request.url.path, request.url.query, form,
                                       request.headers.get("x-twilio-signature")):
            logger.warning("refused: bad signature")
            raise BadRequest(403, "Forbidden.")
        return form

    async def inbound(self, request: Request) -> Response:
        try:
            form = await self.signed_form(request)
            message_sid, phone = required(form, "MessageSid"), required(form, "From")
        except BadRequest as refused:
            return refused.response
        body = str(form.get("Body") or "")[:MAX_BODY_CHARS]
        media = str(form.get("NumMedia") or "0")
        await self._in_thread(self.store.receive, message_sid=message_sid, phone=phone, body=body,
                                num_media=int(media) if media.isdigit() else 0, now=self.clock())
        self.on_received()
        return Response(EMPTY_TWIML, media_type="text/xml")

    async def status(self, request: Request) -> Response:
        try:
            form = await self.signed_form(request)
            message_sid, status = required(form, "MessageSid"), required(form, "MessageStatus")
        except BadRequest as refused:
            return refused.response
        error_code = str(form.get("ErrorCode") or "")[:16] or None
        await self._in_thread(self.store.record_status, message_sid, status.lower()[:16], error_code,
                                self.clock())
        return Response(status_code=204)


def required(form: FormData, name: str) -> str:
    value = str(form.get(name) or "").strip()
    if not value or len(value) > MAX_SID_CHARS:
        raise BadRequest(400, f"{name} is missing or too long.")
    return value
