"""The SMS gateway (Twilio): signed webhook, durable inbox, worker, ordered outbox.

    Twilio --POST /sms/twilio--> webhook: signature, store once per MessageSid, empty TwiML
                                   | wakes
                                 inbox worker: keywords, dialogue, replies split for SMS -> outbox
                                   | wakes
                                 outbox sender: in order per conversation -> Twilio Messages API
    Twilio --POST /sms/twilio/status--> delivery status, never moving backwards

`SmsGateway` holds the parts; tests drive `inbox.run_once()` and `outbox.run_once()`
themselves, the running app calls them from two background loops.
"""
from __future__ import annotations

import logging

from starlette.routing import Route

from ...dialogue.catalog import Catalog
from ..context import AppContext, Feature
from .background import Loop
from .inbox_worker import InboxWorker
from .outbox_sender import OutboxSender
from .signature import TwilioSignature
from .store import SmsStore
from .twilio_api import TwilioMessagesApi
from .webhook import SmsWebhooks

logger = logging.getLogger(__name__)
INBOX_POLL_SECONDS = 2.0
OUTBOX_POLL_SECONDS = 1.0


class SmsGateway:
    def __init__(self, context: AppContext):
        settings = context.settings
        self.worker_id = settings.app_worker_id
        self.store = SmsStore(context.repository)
        self.api = TwilioMessagesApi(settings.twilio_api_base_url, settings.twilio_account_sid,
                                     settings.twilio_auth_token)
        self.outbox = OutboxSender(self.store, self.api, context.clock, from_number=settings.twilio_from_number,
                                   status_callback_url=f"{settings.public_base_url}/sms/twilio/status",
                                   owner=settings.app_worker_id or None)
        self.outbox_loop = Loop("sms outbox", self.outbox.run_once, OUTBOX_POLL_SECONDS)
        self.inbox = InboxWorker(self.store, context.dialogue, context.clock, web_chat_url=settings.web_chat_url,
                                 catalog=Catalog(context.program), on_queued=self.outbox_loop.wake,
                                 owner=settings.app_worker_id)
        self.inbox_loop = Loop("sms inbox", self.inbox.run_once, INBOX_POLL_SECONDS)
        self.webhooks = SmsWebhooks(self.store, TwilioSignature(settings.twilio_auth_token, settings.public_base_url),
                                    context.clock, on_received=self.inbox_loop.wake)

    @property
    def routes(self) -> list[Route]:
        return [Route("/sms/twilio", self.webhooks.inbound, methods=["POST"]),
                Route("/sms/twilio/status", self.webhooks.status, methods=["POST"])]

    async def start(self) -> None:
        if self.worker_id:
            try:
                await self.inbox.take_back_leases()
                await self.outbox.settle_interrupted()
            except Exception as exc:   # the database is away: the leases simply run out instead
                logger.warning("sms: could not take back leases at start (%s)", exc.__class__.__name__)
        self.outbox_loop.start()
        self.inbox_loop.start()

    async def stop(self) -> None:
        await self.inbox_loop.stop()
        await self.outbox_loop.stop()
        await self.api.close()
        self.webhooks.close()


def sms_feature(context: AppContext) -> Feature:
    gateway = SmsGateway(context)
    return Feature(routes=gateway.routes, on_start=[gateway.start], on_stop=[gateway.stop])
