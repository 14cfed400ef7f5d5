"""Shared fixtures: databases (SQLite and PostgreSQL), keys, a screening engine with a fixed clock,
and Debian's Chromium driven by Playwright for the browser tests."""
from __future__ import annotations

import os
import uuid
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from screening.crypto import TextCipher, new_encryption_key
from screening.dialogue.engine import ScreeningEngine
from screening.records import migrate
from screening.records.db import make_engine
from screening.records.models import metadata
from screening.records.repository import Repository

POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
IN_CI = os.environ.get("CI") == "true"
SECRET_KEY = "test-secret-key-for-pseudonyms"
AUDIT_KEY = "test-audit-key-kept-apart-from-the-secret-key"
ENCRYPTION_KEY = new_encryption_key()


def service_missing(what: str, why: object) -> None:
    """Under CI=true a missing service is a failure; elsewhere a visible skip."""
    message = f"{what} is not reachable ({why})"
    if IN_CI:
        pytest.fail(f"{message}: CI must run these tests for real", pytrace=False)
    pytest.skip(message)


@contextmanager
def scratch_postgres_database(prefix: str):
    """A new, empty PostgreSQL database for the caller, dropped afterwards."""
    database = f"{prefix}_{uuid.uuid4().hex[:10]}"
    try:
        admin = create_engine(POSTGRES_ADMIN_URL, future=True, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{database}"'))
    except Exception as exc:  # the server is down or refuses us
        service_missing("PostgreSQL at 127.0.0.1:5432", exc.__class__.__name__)
    try:
        yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{database}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_database_url():
    with scratch_postgres_database("screening_test") as url:
        migrate.upgrade(url)
        yield url


def _empty_tables(engine) -> None:
    # TRUNCATE, not DELETE: the audit log refuses row deletions (append-only triggers).
    with engine.begin() as conn:
        names = ", ".join(f'"{table.name}"' for table in metadata.sorted_tables)
        conn.exec_driver_sql(f"TRUNCATE TABLE {names} CASCADE")


@contextmanager
def audit_guard_lifted(conn):
    """What only the database's owner can do: switch off the audit log's append-only
    triggers for the rest of this transaction (tests of tampering use it)."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("ALTER TABLE audit_events DISABLE TRIGGER USER")
        conn.exec_driver_sql("ALTER TABLE audit_head DISABLE TRIGGER USER")
        try:
            yield conn
        finally:
            conn.exec_driver_sql("ALTER TABLE audit_events ENABLE TRIGGER USER")
            conn.exec_driver_sql("ALTER TABLE audit_head ENABLE TRIGGER USER")
    else:
        for name in ("audit_events_no_update", "audit_events_no_delete", "audit_head_kept"):
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
        yield conn


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request, tmp_path):
    """A migrated, empty database: each test runs once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'screening.db'}"
        migrate.upgrade(url)
        return url
    url = request.getfixturevalue("postgres_database_url")
    engine = make_engine(url)
    _empty_tables(engine)
    engine.dispose()
    return url


@pytest.fixture
def sqlite_url(tmp_path):
    url = f"sqlite:///{tmp_path / 'screening.db'}"
    migrate.upgrade(url)
    return url


def make_repository(url: str) -> Repository:
    return Repository(make_engine(url), TextCipher(ENCRYPTION_KEY), SECRET_KEY, AUDIT_KEY)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime = datetime(2026, 11, 24, 15, 0)):
        self.now = start

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def repository(database_url):
    repo = make_repository(database_url)
    yield repo
    repo.engine.dispose()


@pytest.fixture
def engine(repository, clock):
    return ScreeningEngine(repository, clock=clock)


CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "var" / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


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
