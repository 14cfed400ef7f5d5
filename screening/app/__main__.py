"""Serve the app: `python -m screening.app [--port N]` (default APP_PORT, 8000)."""
from __future__ import annotations

import argparse
import sys

import uvicorn

from ..config import load_settings
from ..crypto import KeySettingError
from .main import create_app


def main() -> None:
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
                log_level="info", proxy_headers=True,
                ws="none")  # no websockets: Rasa pins an older websockets than uvicorn speaks


if __name__ == "__main__":
    main()
