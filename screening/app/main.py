"""Build the app from settings: `create_app()`; `python -m screening.app` serves it."""
from __future__ import annotations

import contextlib
import logging
from datetime import datetime
from typing import Callable

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
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


async def not_found(request: Request, exc: Exception) -> PlainTextResponse:
    return PlainTextResponse("Not found.", status_code=404)


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

    routes = [Route("/healthz", healthz)] + [route for f in features for route in f.routes]
    app = Starlette(routes=routes, lifespan=lifespan, middleware=[Middleware(SecurityHeaders)],
                    exception_handlers={404: not_found, 500: server_error})
    app.state.context = context
    app.state.talkback = talk       # its worker's round, for tests that move the clock
    app.state.reminders = reminders     # the reminder worker's round, likewise
    return app
