"""The widget's JSON API under /chat/api (the browser talks to the app, never to Rasa).

POST /chat/api/conversations  {language}            -> 201 token, resume code, first messages
POST /chat/api/messages       {message_id, text}    -> the assistant's replies   (X-Chat-Token)
POST /chat/api/resume         {code}                -> a new token and where the person was
POST /chat/api/poll           (X-Chat-Token)        -> words a screener (or the assistant, on
                                                         hand-back) sent since, each once
POST /chat/api/exit           (X-Chat-Token or {token} as text/plain, for sendBeacon) -> 204
Every view says `with_staff` while a trained person holds the conversation (the assistant
is quiet), and each message says `from`: "assistant" or "staff".
Errors are JSON {"error": "<plain reason>"} with a 4xx (503 when the dialogue is unavailable).
"""
from __future__ import annotations

import json
import logging
import re

from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as SqlTimeoutError
from starlette.concurrency import run_in_threadpool
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, Router

from ...chat_view import picks_several, progress_of, quick_answers
from ...resume_codes import InvalidResumeCode, code_hash
from ...text_normalize import MAX_MESSAGE_CHARS
from ..context import AppContext
from ..dialogue_client import BotMessage, DialogueUnavailable
from ...languages import ALL as ALL_LANGUAGES, LANGUAGES, SOURCE
from ..request_body import BodyRefused, read_body
from .limits import chat_limits
from .sessions import ChatSessions, Issued, Session

logger = logging.getLogger(__name__)

TOKEN_HEADER = "x-chat-token"
MAX_BODY_BYTES = 8_192
MESSAGE_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
# The first message a new conversation sends for the person: the core greets, in their language
# (a language's own name is the command that chooses it).
OPENING_TEXT = {language.code: "hi" if language.code == SOURCE else language.own_name for language in ALL_LANGUAGES}

UNAVAILABLE = "We could not reach the server. Your message is kept; please try again in a moment."
SESSION_ENDED = "This chat session has ended. To continue, use your code."
TOO_MANY_STARTS = "Many chats were started from this place in the last hour. Please try again a little later."
TOO_MANY_MESSAGES = "That was a lot of messages at once. Please wait a few minutes, then go on."


DATABASE_AWAY = (OperationalError, InterfaceError, SqlTimeoutError)


class BadRequest(Exception):
    def __init__(self, reason: str, status: int = 400):
        super().__init__(reason)
        self.reason, self.status = reason, status


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def problem(reason: str, status: int) -> JSONResponse:
    # A 503 (the dialogue or the database is away for a moment) says when to try again.
    headers = {"Retry-After": "5"} if status == 503 else None
    return JSONResponse({"error": reason}, status_code=status, headers=headers)


async def json_body(request: Request) -> dict:
    """The request's JSON object, whatever content type a beacon gave it; BadRequest otherwise."""
    try:
        raw = await read_body(request, MAX_BODY_BYTES)          # capped while it streams in
    except BodyRefused:
        raise BadRequest("That request is too large.", 413) from None
    try:
        body = json.loads(raw or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("The request must be JSON.") from None
    if not isinstance(body, dict):
        raise BadRequest("The request must be a JSON object.")
    return body


class ChatApi:
    def __init__(self, context: AppContext):
        self.context = context
        self.sessions = ChatSessions(context.repository, context.settings.web_chat_session_minutes)
        self.limits = chat_limits(context.settings.secret_key, context.settings.redis_url)

    def now(self):
        return self.context.clock()

    # ------------------------------------------------------------- helpers
    async def reply_view(self, session: Session, messages: list[BotMessage], waiting: list[dict] = ()) -> dict:
        """The view after a message: the assistant's `messages`, then any `waiting` words from staff."""
        position = await run_in_threadpool(self.sessions.position, session)
        shown = [{"text": m.text, "buttons": [{"title": b.title, "payload": b.payload} for b in m.buttons],
                  "from": "assistant"} for m in messages] + list(waiting)
        progress = None
        for message in shown:
            if message["from"] == "assistant":
                progress = progress_of(message["text"]) or progress
        talking = position.with_staff
        return {
            "messages": shown,
            "progress": {"number": progress[0], "total": progress[1]} if progress else None,
            # While a trained person holds the conversation the person just writes: no one-tap answers.
            "quick_answers": [] if talking else list(quick_answers(position.step, position.status)),
            "pick_several": not talking and picks_several(position.step) and position.status != "completed",
            "finished": position.status == "completed",
            "with_staff": talking,
            "language": position.language or session.language,
        }

    async def send(self, session: Session, message_id: str, text: str) -> list[BotMessage]:
        # Message ids are the browser's, scoped by the conversation the server issued.
        return await self.context.dialogue.send(sender=session.sender, text=text,
                                                message_id=f"{session.conversation_id}:{message_id}",
                                                channel="web")

    async def session_from(self, request: Request, body: dict | None = None) -> Session | None:
        token = request.headers.get(TOKEN_HEADER) or (body or {}).get("token") or ""
        if not isinstance(token, str) or len(token) > 128:
            return None
        return await run_in_threadpool(self.sessions.authenticate, token, self.now())

    def issued_view(self, issued: Issued) -> dict:
        view = {"token": issued.token}
        if issued.resume_code:
            view["resume_code"] = issued.resume_code
        return view

    # ----------------------------------------------------------- endpoints
    async def start(self, request: Request) -> Response:
        body = await json_body(request)
        language = body.get("language") or "en"
        if language not in LANGUAGES:
            raise BadRequest("The language must be one of: " + ", ".join(LANGUAGES) + ".")
        if self.limits.too_many_starts_from(client_address(request), self.now()):
            return problem(TOO_MANY_STARTS, 429)
        issued = await run_in_threadpool(self.sessions.start, language, self.now())
        try:
            messages = await self.send(issued.session, "opening", OPENING_TEXT[language])
        except DialogueUnavailable as exc:
            # Nothing was said yet: close this session; the person presses Start again.
            logger.warning("web chat: the dialogue is unavailable (%s)", exc)
            await run_in_threadpool(self.sessions.end, issued.token, self.now())
            return problem(UNAVAILABLE, 503)
        self.limits.count_start_from(client_address(request), self.now())
        view = self.issued_view(issued) | await self.reply_view(issued.session, messages)
        return JSONResponse(view, status_code=201)

    async def message(self, request: Request) -> Response:
        body = await json_body(request)
        session = await self.session_from(request)
        if session is None:
            return problem(SESSION_ENDED, 401)
        message_id, text = body.get("message_id"), body.get("text")
        if not isinstance(message_id, str) or not MESSAGE_ID.match(message_id):
            raise BadRequest("Each message needs an id of 8 to 64 letters, digits, '-' or '_'.")
        if not isinstance(text, str) or not text.strip():
            raise BadRequest("Please type a message.")
        if len(text) > MAX_MESSAGE_CHARS:
            raise BadRequest(f"Messages can be up to {MAX_MESSAGE_CHARS} characters.")
        if self.limits.too_many_messages_in(session.conversation_id, self.now()):
            return problem(TOO_MANY_MESSAGES, 429)
        try:
            messages = await self.send(session, message_id, text)
        except DialogueUnavailable as exc:
            logger.warning("web chat: the dialogue is unavailable (%s)", exc)
            return problem(UNAVAILABLE, 503)
        self.limits.count_message_in(session.conversation_id, self.now())
        waiting = await run_in_threadpool(self.sessions.waiting_messages, session, self.now())
        return JSONResponse(await self.reply_view(session, messages, waiting))

    async def resume(self, request: Request) -> Response:
        body = await json_body(request)
        now = self.now()
        address = client_address(request)
        if not self.limits.allow_resume_from(address, now):
            return problem("Too many tries. Please wait 15 minutes and try again.", 429)
        try:
            wanted = code_hash(self.context.settings.secret_key, body.get("code"))
        except InvalidResumeCode as exc:
            raise BadRequest(str(exc)) from None
        if not self.limits.allow_resume_of(wanted, now):
            return problem("Too many tries with this code. Please wait an hour and try again.", 429)
        issued = await run_in_threadpool(self.sessions.resume, body["code"], now)
        if issued is None:
            return problem("We could not find that code. Please check it and try again.", 404)
        messages = [BotMessage.from_dict(m) for m in
                    await run_in_threadpool(self.sessions.last_messages, issued.session)]
        # What a screener said while the person was away comes after where they left off.
        waiting = await run_in_threadpool(self.sessions.waiting_messages, issued.session, now)
        return JSONResponse(self.issued_view(issued) | await self.reply_view(issued.session, messages, waiting))

    async def poll(self, request: Request) -> Response:
        """New words from a screener (or the assistant on hand-back); the open widget asks every few
        seconds. Asking is not activity: an open chat nobody uses still ends when idle."""
        token = request.headers.get(TOKEN_HEADER) or ""
        if not token or len(token) > 128:
            return problem(SESSION_ENDED, 401)
        now = self.now()
        session = await run_in_threadpool(self.sessions.authenticate, token, now, False)
        if session is None:
            return problem(SESSION_ENDED, 401)
        waiting = await run_in_threadpool(self.sessions.waiting_messages, session, now)
        return JSONResponse(await self.reply_view(session, [], waiting))

    async def exit(self, request: Request) -> Response:
        try:
            body = await json_body(request)
        except BadRequest as refused:
            if refused.status == 413:
                raise
            body = {}
        token = request.headers.get(TOKEN_HEADER) or body.get("token") or ""
        if isinstance(token, str) and 0 < len(token) <= 128:
            await run_in_threadpool(self.sessions.end, token, self.now())
        return Response(status_code=204)


def guarded(handler):
    """Bad input becomes a clean 4xx with a plain reason."""
    async def endpoint(request: Request) -> Response:
        try:
            return await handler(request)
        except BadRequest as exc:
            return problem(exc.reason, exc.status)
        except DATABASE_AWAY as exc:     # answered here, so the embedding site's CORS headers are kept
            logger.warning("web chat: the database is not reachable (%s)", exc.__class__.__name__)
            return problem(UNAVAILABLE, 503)
    return endpoint


def chat_api(context: AppContext):
    """The API as an ASGI app to mount at /chat/api, with CORS for the configured embedding sites."""
    api = ChatApi(context)
    routes = [
        Route("/conversations", guarded(api.start), methods=["POST"]),
        Route("/messages", guarded(api.message), methods=["POST"]),
        Route("/resume", guarded(api.resume), methods=["POST"]),
        Route("/poll", guarded(api.poll), methods=["POST"]),
        Route("/exit", guarded(api.exit), methods=["POST"]),
    ]
    return CORSMiddleware(Router(routes=routes), allow_origins=list(context.settings.web_chat_allowed_origins),
                          allow_methods=["POST"], allow_headers=["content-type", TOKEN_HEADER], max_age=600)
