"""The console served for real, accounts for each role, and a signed-in HTTP client."""
from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import update

from screening.account_admin import AccountAdmin
from screening.accounts import AccountStore, hash_password, totp_code
from screening.dialogue.engine import ScreeningEngine
from screening.records.console_tables import console_accounts

from tests.core.console_people import XSS_WORDS, screen

from ...conftest import make_repository
from ..conftest import app_settings, engine_app, serve

PASSWORD = "a long password for tests"
ROLES = ("screener", "supervisor", "admin")
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    return CSRF.search(html).group(1)


class Console:
    """The served app, its repository and clock, and ways in."""

    def __init__(self, base: str, repository, clock):
        self.base, self.repository, self.clock = base, repository, clock

    def add_account(self, username: str, role: str) -> int:
        """An account whose authenticator is already set up (as every account from before
        enrolment codes; new ones enrol with a code, see enrol())."""
        with self.repository.transaction() as unit:
            account_id = AccountStore(unit.conn, unit.cipher).add(username, role, PASSWORD, self.clock.now).id
            unit.conn.execute(update(console_accounts).where(console_accounts.c.id == account_id)
                              .values(totp_confirmed=True))
            return account_id

    def issue_account(self, username: str, role: str, actor: str = "admin-one") -> str:
        """A new account as an administrator adds it: returns its one-time enrolment code."""
        with self.repository.transaction() as unit:
            admin = AccountAdmin(unit, self.repository.audit_keys, actor, self.clock.now)
            return admin.add(username, role, hash_password(PASSWORD)).code

    def post_enrolment(self, client: httpx.Client, code: str) -> httpx.Response:
        page = client.get("/review/login/code")
        return client.post("/review/login/enrol", data={"csrf": csrf_of(page.text), "enrolment_code": code})

    def secret(self, username: str) -> str:
        with self.repository.transaction() as unit:
            return AccountStore(unit.conn, unit.cipher).by_username(username).totp_secret

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.base, headers={"origin": self.base}, follow_redirects=False)

    def post_password(self, client: httpx.Client, username: str, password: str = PASSWORD) -> httpx.Response:
        page = client.get("/review/login")
        return client.post("/review/login", data={"csrf": csrf_of(page.text), "username": username,
                                                  "password": password})

    def post_code(self, client: httpx.Client, code: str) -> httpx.Response:
        page = client.get("/review/login/code")
        return client.post("/review/login/code", data={"csrf": csrf_of(page.text), "code": code})

    def sign_in(self, username: str) -> httpx.Client:
        client = self.client()
        assert self.post_password(client, username).headers["location"] == "/review/login/code"
        response = self.post_code(client, totp_code(self.secret(username), self.clock.now))
        assert response.status_code == 303 and response.headers["location"] == "/review", response.text
        self.clock.now += timedelta(seconds=31)      # the next code is a new one
        return client

    def person_engine(self) -> ScreeningEngine:
        return ScreeningEngine(self.repository, clock=self.clock)

    def one_screening(self, column: str = "id") -> str:
        """A person finishes a screening (naming their needs with an XSS payload); its `column`."""
        screen(self.person_engine(), "person-1", needs=XSS_WORDS)
        with self.repository.transaction() as unit:
            return unit.conn.exec_driver_sql(f"SELECT {column} FROM screenings").scalar()

    def audit_actions(self) -> list[tuple[str, str, str | None]]:
        with self.repository.transaction() as unit:
            return [tuple(r) for r in unit.conn.exec_driver_sql(
                "SELECT actor, action, screening_id FROM audit_events ORDER BY seq")]


@contextmanager
def running_console(database_url: str, clock, **settings):
    repository = make_repository(database_url)
    app = engine_app(app_settings(database_url, **settings), clock)
    try:
        with serve(app) as base:
            served = Console(base, repository, clock)
            served.app = app
            yield served
    finally:
        repository.engine.dispose()


@pytest.fixture
def console(database_url, clock):
    with running_console(database_url, clock) as served:
        yield served


@pytest.fixture
def sqlite_console(sqlite_url, clock):
    with running_console(sqlite_url, clock) as served:
        yield served
