"""The real Rasa server and action server, started on free ports for a test module."""
from __future__ import annotations

import socket

import httpx
import pytest

from screening.records import migrate
from screening.stack import Stack, model_path, stack_env

from ..conftest import AUDIT_KEY, ENCRYPTION_KEY, SECRET_KEY


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RunningStack:
    def __init__(self, stack: Stack, database_url: str):
        self.stack = stack
        self.database_url = database_url
        self.client = httpx.Client(timeout=60, headers=stack.headers)

    def post(self, sender: str, message: str, message_id: str | None = None, channel: str = "test"):
        body = {"sender": sender, "message": message, "metadata": {"channel": channel}}
        if message_id:
            body["message_id"] = message_id
        return self.client.post(self.stack.webhook, json=body)

    def say(self, sender: str, message: str, message_id: str | None = None) -> str:
        response = self.post(sender, message, message_id)
        assert response.status_code == 200, response.text
        return "\n".join(m.get("text", "") for m in response.json())

    @property
    def app_url(self) -> str:
        return f"http://127.0.0.1:{self.stack.app_port}"

    def logs(self) -> str:
        return "\n".join(p.log_path.read_text(errors="replace") for p in self.stack.processes.values())


def start_stack(tmp_path_factory, database_url: str, with_app: bool = False,
                app_env: dict[str, str] | None = None) -> RunningStack:
    if not model_path().exists():
        pytest.fail("no trained model: `make test` trains one first (make train)", pytrace=False)
    workdir = tmp_path_factory.mktemp("stack")
    migrate.upgrade(database_url)
    env = stack_env(database_url, workdir / "tracker.db", action_port=free_port())
    env.update({"ENCRYPTION_KEY": ENCRYPTION_KEY, "SECRET_KEY": SECRET_KEY, "AUDIT_KEY": AUDIT_KEY})
    env.update(app_env or {})
    stack = Stack(env, workdir / "log", rasa_port=free_port(), action_port=int(env["ACTION_SERVER_PORT"]),
                  app_port=free_port() if with_app else None)
    stack.start()
    return RunningStack(stack, database_url)


@pytest.fixture(scope="module")
def sqlite_stack(tmp_path_factory):
    running = start_stack(tmp_path_factory, f"sqlite:///{tmp_path_factory.mktemp('db') / 'screening.db'}")
    yield running
    running.stack.stop()


@pytest.fixture(scope="module")
def postgres_stack(tmp_path_factory, postgres_database_url):
    running = start_stack(tmp_path_factory, postgres_database_url)
    yield running
    running.stack.stop()
