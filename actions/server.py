"""The action server: `python -m actions.server [--port 5055] [--debug]`.

Rasa SDK's own server, with three changes:
- only Rasa may call it: `/webhook` and `/actions` need `Authorization: Bearer <INTERNAL_TOKEN>`
  (401 without it, 403 with a wrong one or none set; `/health` stays open for checks);
- a failing action answers 500 with a plain error, never echoing the request (Rasa SDK sends
  the whole tracker back, which Rasa then logs: every message of the conversation);
- its log records are scrubbed of message text, phone numbers and ids (screening/log_scrub.py).
"""
from __future__ import annotations

import argparse
import logging
import os

from rasa_sdk import utils
from rasa_sdk.endpoint import create_app as create_sdk_app
from sanic import response

from screening import internal_token, log_scrub

logger = logging.getLogger("actions.server")
OPEN_PATHS = {"/health"}


def create_app(token: str):
    app = create_sdk_app("actions", cors_origins=None)

    @app.middleware("request")
    async def only_rasa(request):
        if request.path in OPEN_PATHS:
            return None
        refused = internal_token.refusal(request.headers.get(internal_token.HEADER), token)
        if refused:
            logger.warning("a call without the internal token was refused (%s)", refused)
            return response.json({"error": "this server is for Rasa only"}, status=refused)
        return None

    async def failed(request, exception: Exception):
        # The type only: an exception's text can quote the data it failed on.
        logger.error("an action failed on %s (%s)", request.path, exception.__class__.__name__)
        return response.json({"error": "the action failed"}, status=500)

    app.error_handler.add(Exception, failed)
    return app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m actions.server", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("ACTION_SERVER_PORT") or 5055))
    parser.add_argument("--host", default=os.environ.get("SANIC_HOST", "127.0.0.1"))
    parser.add_argument("--debug", action="store_true", help="log at DEBUG (still scrubbed)")
    args = parser.parse_args(argv)
    level = "DEBUG" if args.debug else (os.environ.get("LOG_LEVEL") or "INFO").upper()
    utils.configure_colored_logging(level)
    utils.update_sanic_log_level()
    log_scrub.install()
    app = create_app(os.environ.get(internal_token.ENV_VAR, "").strip())
    logger.info("action server on http://%s:%s", args.host, args.port)
    app.run(args.host, args.port, workers=1, access_log=level == "DEBUG")


if __name__ == "__main__":
    main()
