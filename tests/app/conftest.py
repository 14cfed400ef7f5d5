"""Fixtures for the app: settings over a test database and the app served for real on
127.0.0.1 (uvicorn in a thread). The browser (`chromium`, `artifacts`) is in tests/conftest.py."""
from __future__ import annotations

import socket
import threading
from contextlib import contextmanager
from dataclasses import replace
from typing import Iterator

import uvicorn

from screening.app.dialogue_client import EngineDialogue
from screening.app.main import create_app
from screening.config import Settings
from screening.dialogue.engine import ScreeningEngine

from ..conftest import AUDIT_KEY, ENCRYPTION_KEY, SECRET_KEY, make_repository


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def app_settings(database_url: str, **changes) -> Settings:
    settings = Settings(database_url=database_url, encryption_key=ENCRYPTION_KEY, secret_key=SECRET_KEY,
                        redis_url=None, public_base_url="http://127.0.0.1:8000", app_port=8000,
                        audit_key=AUDIT_KEY)
    return replace(settings, **changes)


def engine_app(settings: Settings, clock):
    """The real app, with the dialogue handled by the core in-process (no Rasa model needed)."""
    dialogue = EngineDialogue(ScreeningEngine(make_repository(settings.database_url), clock=clock))
    return create_app(settings, dialogue=dialogue, clock=clock)


@contextmanager
def serve(app, port: int | None = None) -> Iterator[str]:
    """Serve `app` with uvicorn on 127.0.0.1 in a thread; yields its base URL."""
    port = port or free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           access_log=False, lifespan="on", ws="none"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    ready = threading.Event()
    # uvicorn sets `started` once it listens; wait on it without guessing a delay.
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the app did not start")
        ready.wait(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)


