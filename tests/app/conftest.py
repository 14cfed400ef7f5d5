"""Fixtures for the app: settings over a test database, the app served for real on
127.0.0.1 (uvicorn in a thread), and Debian's Chromium driven by Playwright."""
from __future__ import annotations

import socket
import threading
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Iterator

import pytest
import uvicorn

from screening.app.dialogue_client import EngineDialogue
from screening.app.main import create_app
from screening.config import Settings
from screening.dialogue.engine import ScreeningEngine

from ..conftest import ENCRYPTION_KEY, IN_CI, SECRET_KEY, make_repository

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def app_settings(database_url: str, **changes) -> Settings:
    settings = Settings(database_url=database_url, encryption_key=ENCRYPTION_KEY, secret_key=SECRET_KEY,
                        redis_url=None, public_base_url="http://127.0.0.1:8000", app_port=8000)
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


@pytest.fixture(scope="module")
def chromium():
    """Debian's Chromium, launched headless by Playwright (never a downloaded browser).

    One per test module: Playwright's sync API keeps an event loop running in this thread
    while it is open, which would stop later tests from running their own (asyncio.run)."""
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing (apt-get install chromium; .ci/run installs it)"
        if IN_CI:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def artifacts() -> Path:
    """Where browser tests save screenshots (kept after the run)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
