"""The inbox worker: each waiting message, oldest first per conversation, to the dialogue.

Carrier keywords are handled here and never reach the dialogue. The replies are
split for SMS and queued in the outbox in the same transaction that marks the
message done. A stop between "reply computed" and "reply queued" loses nothing:
the conversation's lease runs out, the message is still pending, and the dialogue
hands back the reply it stored for that MessageSid.
"""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Callable

from ...backoff import retry_delay
from ...dialogue.catalog import LANGUAGES, Catalog
from ...sms_text import SmsPart, fill_web_chat_link, keyword_action, pack_messages
from ..dialogue_client import DialogueClient, DialogueUnavailable
from .store import PendingMessage, SmsStore, new_owner

logger = logging.getLogger(__name__)
LEASE = timedelta(seconds=60)
# While the dialogue is away (Rasa restarting, the action server down) a message is tried again
# this often at most, so people are answered within seconds of it coming back.
UNAVAILABLE_RETRY_SECONDS = 5.0


class InboxWorker:
    def __init__(self, store: SmsStore, dialogue: DialogueClient, clock: Callable[[], datetime], *,
                 web_chat_url: str, catalog: Catalog | None = None, batch: int = 16,
                 on_queued: Callable[[], None] = lambda: None, owner: str = ""):
        self.store = store
        self.dialogue = dialogue
        self.clock = clock
        self.web_chat_url = web_chat_url
        self.catalog = catalog or Catalog()
        self.batch = batch
        self.on_queued = on_queued          # wakes the outbox sender
        self.owner = owner or new_owner()

    async def take_back_leases(self) -> int:
        """At start: conversations a previous process with this worker id held are free again."""
        taken = await asyncio.to_thread(self.store.release_all, self.owner)
        if taken:
            logger.warning("sms: took back %d conversation(s) a stopped process was handling", taken)
        return taken

    async def run_once(self) -> int:
        """Handle what is waiting now; returns how many messages were handled."""
        claimed = await asyncio.to_thread(self.store.claim_conversations, self.owner, self.clock(), LEASE,
                                          self.batch)
        handled = await asyncio.gather(*(self._conversation(c) for c in claimed))
        return sum(handled)

    async def drain(self) -> int:
        total = 0
        while (handled := await self.run_once()):
            total += handled
        return total

    async def _conversation(self, conversation_id: int) -> int:
        # The lease is released when the work ends normally; if the process stops
        # half-way it simply runs out, and another worker takes the message again.
        handled = 0
        while True:
            message = await asyncio.to_thread(self.store.oldest_pending, conversation_id)
            if message is None or (message.next_attempt_at and message.next_attempt_at > self.clock()):
                break
            if not await self._handle(message):
                break
            handled += 1
        await asyncio.to_thread(self.store.release, conversation_id, self.owner)
        return handled

    async def _handle(self, message: PendingMessage) -> bool:
        action = keyword_action(message.body, message.opted_out)
        opted_out: bool | None = None
        texts: list[str] = []
        if action == "opt_out":
            outcome, opted_out = "opt_out", True        # Twilio sends the carrier's own STOP reply
        elif action == "opt_in":
            outcome, opted_out = "opt_in", False
            texts = [await self._say(message, "sms.opted_in")]
        elif message.opted_out:
            outcome = "ignored_opted_out"
        elif action == "help_es":
            outcome = "help"
            texts = [self.catalog.say("es", "sms.help")]
        elif action == "help_en":         # HELP, INFO: in the person's own language once we know it
            outcome = "help"
            texts = [await self._say(message, "sms.help")]
        elif not message.body.strip():
            outcome = "no_text"
            texts = [await self._say(message, "sms.no_text")]
        else:
            outcome = "dialogue"
            try:
                replies = await self.dialogue.send(sender=message.sender, text=message.body,
                                                   message_id=message.message_sid, channel="sms")
            except DialogueUnavailable as exc:
                await self._postpone(message, str(exc) or "dialogue unavailable", UNAVAILABLE_RETRY_SECONDS)
                return False
            except Exception as exc:   # a fault in the dialogue: keep the message, try later
                logger.error("sms: the dialogue failed (%s)", exc.__class__.__name__)
                await self._postpone(message, exc.__class__.__name__)
                return False
            texts = [fill_web_chat_link(r.text, self.web_chat_url) for r in replies]
        parts: list[SmsPart] = pack_messages(texts)
        await asyncio.to_thread(self.store.complete, message, outcome=outcome, parts=parts,
                                opted_out=opted_out, now=self.clock())
        if parts:
            self.on_queued()
        return True

    async def _say(self, message: PendingMessage, key: str) -> str:
        language = await asyncio.to_thread(self.store.language, message.sender)
        return self.catalog.say(language if language in LANGUAGES else "en", key)

    async def _postpone(self, message: PendingMessage, error: str, at_most: float | None = None) -> None:
        delay = retry_delay(message.attempts + 1)
        if at_most is not None:
            delay = min(delay, at_most)
        await asyncio.to_thread(self.store.postpone, message.inbox_id,
                                next_attempt_at=self.clock() + timedelta(seconds=delay), error=error)
