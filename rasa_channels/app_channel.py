"""The channel the app (and tests) use to talk to Rasa.

Like Rasa's REST channel, but:
- the caller may send its own `message_id`: a retry with the same id is stored
  once by the core, so a crash between "answer stored" and "reply delivered"
  never doubles an answer;
- `metadata.channel` says where the person is writing from (sms, web);
- a turn that produced no reply (for example the action server was down)
  answers 503, so the caller knows to retry with the same id;
- bad requests get a 400 with a plain reason; message text is never logged;
- `GET /webhooks/app/ready` says whether a message would be answered now: the model is
  loaded, the action server answers its health check and the lock store (Redis, when
  used) answers; 503 with a short reason otherwise (the app's /readyz asks it);
- only a caller with the shared INTERNAL_TOKEN (the app) may send: no token is a 401,
  a wrong one a 403, and with no token set in Rasa's environment every message is
  refused (screening/internal_token.py).
"""
from __future__ import annotations

import asyncio
import logging
import os
from typing import Any, Awaitable, Callable
from urllib.parse import urlsplit, urlunsplit

import httpx
from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request

from screening import internal_token

logger = logging.getLogger(__name__)

MAX_ID_LENGTH = 128
MAX_TEXT_LENGTH = 5000
CHANNELS = {"rest", "sms", "web", "test"}
READY_CHECK_SECONDS = 2.0


def action_health_url(webhook_url: str) -> str:
    """The action server's open health check beside its webhook (http://host:5055/health)."""
    parts = urlsplit(webhook_url)
    return urlunsplit((parts.scheme, parts.netloc, "/health", "", ""))


async def not_ready_reason(agent: Any) -> str | None:
    """Why a message would not be answered now, or None when it would."""
    if agent is None or not agent.is_ready():
        return "the dialogue model is still loading"
    endpoint = getattr(agent, "action_endpoint", None)
    if endpoint is not None and endpoint.url:
        try:
            async with httpx.AsyncClient(timeout=READY_CHECK_SECONDS) as client:
                answer = await client.get(action_health_url(endpoint.url))
            if answer.status_code != 200:
                return "the action server is not ready"
        except httpx.HTTPError:
            return "the action server is not answering"
    redis = getattr(agent.lock_store, "red", None)       # Rasa's RedisLockStore keeps its client here
    if redis is not None:
        try:
            await asyncio.to_thread(redis.ping)
        except Exception:   # redis.RedisError and socket errors alike: the lock store is away
            return "the lock store (Redis) is not answering"
    return None


def _problem(status: int, reason: str):
    return response.json({"error": reason}, status=status)


def read_request(body: Any) -> tuple[dict | None, str | None]:
    """The message fields, or a plain reason why the request is refused."""
    if not isinstance(body, dict):
        return None, "send a JSON object"
    sender, text = body.get("sender"), body.get("message")
    message_id, metadata = body.get("message_id"), body.get("metadata") or {}
    if not isinstance(sender, str) or not 0 < len(sender) <= MAX_ID_LENGTH:
        return None, f"'sender' must be a string of 1 to {MAX_ID_LENGTH} characters"
    if not isinstance(text, str):
        return None, "'message' must be a string"
    if message_id is not None and (not isinstance(message_id, str) or not 0 < len(message_id) <= MAX_ID_LENGTH):
        return None, f"'message_id' must be a string of 1 to {MAX_ID_LENGTH} characters"
    if not isinstance(metadata, dict):
        return None, "'metadata' must be an object"
    channel = metadata.get("channel", "rest")
    if channel not in CHANNELS:
        return None, f"'metadata.channel' must be one of {sorted(CHANNELS)}"
    return {"sender": sender, "text": text[:MAX_TEXT_LENGTH], "message_id": message_id,
            "metadata": {"channel": channel}}, None


class AppInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "app"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        hook = Blueprint("app_channel_webhook", __name__)

        @hook.route("/", methods=["GET"])
        async def health(_request: Request):
            return response.json({"status": "ok"})

        @hook.route("/ready", methods=["GET"])
        async def ready(request: Request):
            refused = internal_token.refusal(request.headers.get(internal_token.HEADER),
                                             os.environ.get(internal_token.ENV_VAR, ""))
            if refused:
                return _problem(refused, "this channel is for the app only")
            reason = await not_ready_reason(getattr(request.app.ctx, "agent", None))
            if reason:
                return response.json({"status": "not ready", "reason": reason}, status=503)
            return response.json({"status": "ready"})

        @hook.route("/webhook", methods=["POST"])
        async def receive(request: Request):
            refused = internal_token.refusal(request.headers.get(internal_token.HEADER),
                                             os.environ.get(internal_token.ENV_VAR, ""))
            if refused:
                logger.warning("app channel: a message without the internal token was refused (%s)", refused)
                return _problem(refused, "this channel is for the app only")
            try:
                body = request.json
            except Exception:  # sanic raises on malformed JSON
                return _problem(400, "the body is not valid JSON")
            fields, reason = read_request(body)
            if reason:
                return _problem(400, reason)
            collector = CollectingOutputChannel()
            try:
                await on_new_message(UserMessage(
                    fields["text"], collector, fields["sender"], input_channel=self.name(),
                    message_id=fields["message_id"], metadata=fields["metadata"]))
            except Exception as exc:   # the type only: an exception's text can quote the message
                logger.error("app channel: the turn failed (%s)", exc.__class__.__name__)
                return _problem(503, "the assistant could not answer; send the same message_id again")
            if not collector.messages:
                return _problem(503, "no reply was produced; send the same message_id again")
            return response.json(collector.messages)

        return hook
