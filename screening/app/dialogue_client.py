"""How the app hands a person's message to the dialogue and gets the replies back.

`RasaDialogue` posts to the Rasa server's app channel (the product path).
`EngineDialogue` calls the core in-process with the same message shape; tests of
the gateway and the widget use it so they run without a trained model, and a
deployment could use it to run without Rasa.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Protocol

import httpx

from .. import internal_token
from ..dialogue.engine import Incoming, ScreeningEngine
from ..dialogue.replies import channel_messages


@dataclass(frozen=True)
class Button:
    title: str
    payload: str


@dataclass(frozen=True)
class BotMessage:
    text: str
    buttons: tuple[Button, ...] = ()

    @classmethod
    def from_dict(cls, data: dict) -> "BotMessage":
        buttons = tuple(Button(str(b.get("title", "")), str(b.get("payload", "")))
                        for b in data.get("buttons") or ())
        return cls(text=str(data.get("text") or ""), buttons=buttons)


class DialogueUnavailable(Exception):
    """No reply this time; the caller should try again later with the same message id."""


class DialogueClient(Protocol):
    async def send(self, *, sender: str, text: str, message_id: str, channel: str) -> list[BotMessage]:
        """Hand one message over; the same message_id is processed once."""

    async def close(self) -> None:
        """Release connections."""

    async def not_ready_reason(self) -> str | None:
        """Why a message would not be answered now (a short phrase), or None when it would."""


READY_CHECK_SECONDS = 5.0


class RasaDialogue:
    def __init__(self, rasa_url: str, token: str, timeout: float = 30.0):
        self.webhook = f"{rasa_url.rstrip('/')}/webhooks/app/webhook"
        self.ready_url = f"{rasa_url.rstrip('/')}/webhooks/app/ready"
        self._client = httpx.AsyncClient(timeout=timeout,
                                         headers={internal_token.HEADER: internal_token.header_value(token)})

    async def send(self, *, sender: str, text: str, message_id: str, channel: str) -> list[BotMessage]:
        body = {"sender": sender, "message": text, "message_id": message_id, "metadata": {"channel": channel}}
        try:
            response = await self._client.post(self.webhook, json=body)
        except httpx.HTTPError as exc:
            raise DialogueUnavailable(f"Rasa is not reachable ({exc.__class__.__name__})") from None
        if response.status_code != 200:
            raise DialogueUnavailable(f"Rasa answered {response.status_code}")
        # A message without text is the action's "quiet" mark: a trained person holds the
        # conversation, the message was stored, and there is nothing to send.
        return [BotMessage.from_dict(m) for m in response.json() if isinstance(m, dict) and m.get("text")]

    async def not_ready_reason(self) -> str | None:
        """Rasa's own answer (model loaded, action server and lock store answering)."""
        try:
            response = await self._client.get(self.ready_url, timeout=READY_CHECK_SECONDS)
        except httpx.HTTPError:
            return "the dialogue server (Rasa) is not answering"
        if response.status_code == 200:
            return None
        try:
            reason = response.json().get("reason")
        except (ValueError, AttributeError):
            reason = None
        return str(reason)[:120] if reason else f"the dialogue server (Rasa) answered {response.status_code}"

    async def close(self) -> None:
        await self._client.aclose()


class EngineDialogue:
    def __init__(self, engine: ScreeningEngine):
        self.engine = engine

    async def send(self, *, sender: str, text: str, message_id: str, channel: str) -> list[BotMessage]:
        incoming = Incoming(channel=channel, sender_id=sender, text=text, message_key=message_id)
        replies = await asyncio.to_thread(self.engine.handle, incoming)
        return [BotMessage.from_dict(m) for m in channel_messages(replies, channel)]

    async def not_ready_reason(self) -> str | None:
        return None             # the core runs in this process: ready whenever the database is

    async def close(self) -> None:
        return None
