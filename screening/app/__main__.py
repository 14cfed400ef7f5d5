"""Serve the app: `python -m screening.app [--port N]` (default APP_PORT, 8000)."""
from __future__ import annotations

import argparse
import logging
import os
import sys

import uvicorn

from .. import log_scrub
from ..config import load_settings
from ..crypto import KeySettingError
from .main import create_app


def main() -> None:
    level = (os.environ.get("LOG_LEVEL") or "INFO").upper()
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    log_scrub.install()             # before anything logs: no message text, number or id in a log line
    settings = load_settings()
    parser = argparse.ArgumentParser(prog="python -m screening.app")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=settings.app_port)
    args = parser.parse_args()
    try:
        app = create_app(settings)
    except KeySettingError as exc:          # a missing key: say which, no traceback
        sys.exit(f"screening.app: {exc}")
    # access_log off: request lines carry paths and codes that need not be kept.
    # Behind a proxy, the client address (rate limits) comes from X-Forwarded-For, trusted
    # only from the addresses in FORWARDED_ALLOW_IPS (uvicorn's setting; default 127.0.0.1).
    uvicorn.run(app, host=args.host, port=args.port, access_log=False,
                log_level=level.lower(), proxy_headers=True,
                ws="none")  # no websockets: Rasa pins an older websockets than uvicorn speaks


if __name__ == "__main__":
    main()
