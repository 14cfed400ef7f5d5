"""Build the app from settings: `create_app()`; `python -m screening.app` serves it."""
from __future__ import annotations

import contextlib
import logging
from datetime import datetime
from typing import Callable

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as SqlTimeoutError
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from ..config import Settings, load_settings
from ..clock import utc_now
from ..program import Program, load_program
from ..service import build_repository
from .context import AppContext, Feature
from .crisis_alerts import crisis_alert_feature
from .dialogue_client import DialogueClient, RasaDialogue
from .metrics import metrics_feature
from .reminders import reminder_sender, reminders_feature
from .review import review_feature
from .security_headers import SecurityHeaders
from .talkback import Talkback, talkback_feature
from .sms import sms_feature
from .web_chat import web_chat_feature

logger = logging.getLogger(__name__)


async def healthz(request: Request) -> JSONResponse:
    context: AppContext = request.app.state.context
    try:
        with context.repository.transaction() as unit:
            unit.ping()
    except Exception as exc:
        logger.error("healthz: the database is not reachable (%s)", exc.__class__.__name__)
        return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> JSONResponse:
    """Readiness: 200 only when a person's message would be answered now (the database is
    reachable and the dialogue, i.e. Rasa with its model, the action server and the lock store,
    answers); 503 with a short reason otherwise. /healthz stays the liveness check."""
    context: AppContext = request.app.state.context
    try:
        with context.repository.transaction() as unit:
            unit.ping()
    except Exception as exc:
        logger.warning("readyz: the database is not reachable (%s)", exc.__class__.__name__)
        return JSONResponse({"status": "not ready", "reason": "the database is not reachable"}, status_code=503)
    check = getattr(context.dialogue, "not_ready_reason", None)
    reason = await check() if check else None
    if reason:
        return JSONResponse({"status": "not ready", "reason": reason}, status_code=503)
    return JSONResponse({"status": "ready"})


async def not_found(request: Request, exc: Exception) -> PlainTextResponse:
    return PlainTextResponse("Not found.", status_code=404)


# While the database is away (restarting, a network cut) a request gets a kind "try again",
# never a 500: nothing was written (each write is one transaction, rolled back whole).
DATABASE_AWAY = (OperationalError, InterfaceError, SqlTimeoutError)
TRY_AGAIN = "We cannot reach our records just now. Nothing you sent was lost; please try again in a moment."


async def database_unavailable(request: Request, exc: Exception) -> Response:
    logger.warning("the database is not reachable on %s %s (%s)", request.method, request.url.path,
                   exc.__class__.__name__)
    headers = {"Retry-After": "5"}
    if request.url.path.startswith("/chat/api/"):
        return JSONResponse({"error": TRY_AGAIN}, status_code=503, headers=headers)
    return PlainTextResponse(TRY_AGAIN, status_code=503, headers=headers)


async def server_error(request: Request, exc: Exception) -> PlainTextResponse:
    # Never a stack trace to the client, and never the request's content in the log.
    logger.error("unhandled error on %s %s (%s)", request.method, request.url.path, exc.__class__.__name__)
    return PlainTextResponse("Something went wrong on our side. Please try again.", status_code=500)


def create_app(settings: Settings | None = None, *, dialogue: DialogueClient | None = None,
               clock: Callable[[], datetime] = utc_now, program: Program | None = None) -> Starlette:
    settings = settings or load_settings()
    context = AppContext(settings=settings, repository=build_repository(settings),
                         dialogue=dialogue or RasaDialogue(settings.rasa_url, settings.internal_token), clock=clock,
                         program=program or load_program())
    talk = Talkback(context)
    reminders = reminder_sender(context)
    features: list[Feature] = [sms_feature(context), web_chat_feature(context), review_feature(context, talk),
                               metrics_feature(context), crisis_alert_feature(context),
                               talkback_feature(context, talk), reminders_feature(context, reminders)]

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        for feature in features:
            for start in feature.on_start:
                await start()
        try:
            yield
        finally:
            for feature in reversed(features):
                for stop in feature.on_stop:
                    await stop()
            await context.dialogue.close()
            context.repository.engine.dispose()

    routes = [Route("/healthz", healthz), Route("/readyz", readyz)] + [route for f in features for route in f.routes]
    app = Starlette(routes=routes, lifespan=lifespan, middleware=[Middleware(SecurityHeaders)],
                    exception_handlers={404: not_found, 500: server_error,
                                        **{kind: database_unavailable for kind in DATABASE_AWAY}})
    app.state.context = context
    app.state.talkback = talk       # its worker's round, for tests that move the clock
    app.state.reminders = reminders     # the reminder worker's round, likewise
    return app
