"""The whole stack as `make run` runs it (action server, Rasa, the app, each its own process,
kept running by the supervisor), in front of a fake Twilio, with kill -9 on demand."""
from __future__ import annotations

import os
import signal
import threading
from contextlib import contextmanager

from screening.stack import Stack, model_path, stack_env
from screening.supervisor import Supervisor

from ..app.conftest import serve
from ..app.sms.conftest import ACCOUNT_SID, AUTH_TOKEN, OUR_NUMBER, PUBLIC_BASE_URL, FakeTwilio
from ..conftest import AUDIT_KEY, ENCRYPTION_KEY, SECRET_KEY
from ..e2e.conftest import free_port
from .people import poll


class SupervisedStack:
    def __init__(self, stack: Stack, supervisor: Supervisor, fake: FakeTwilio):
        self.stack, self.supervisor, self.fake = stack, supervisor, fake
        self.kills: dict[str, int] = {"actions": 0, "rasa": 0, "app": 0}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._supervise, name="supervisor", daemon=True)
        self._thread.start()

    def _supervise(self) -> None:
        while not self._stop.wait(0.2):      # the supervisor's round, as in `make run`
            self.supervisor.check()

    @property
    def app_url(self) -> str:
        return f"http://127.0.0.1:{self.stack.app_port}"

    def alive(self, name: str) -> bool:
        return self.stack.processes[name].poll() is None

    def kill(self, name: str) -> bool:
        """kill -9 the process now running under `name`; False if none is running."""
        process = self.stack.processes[name]
        if process.poll() is not None:
            return False
        try:
            os.kill(process.popen.pid, signal.SIGKILL)
        except ProcessLookupError:
            return False
        self.kills[name] += 1
        return True

    def close(self) -> list[int]:
        """Stop as Ctrl-C does; the pids that were running, all of which must be gone."""
        self._stop.set()
        self._thread.join(5)
        pids = [p.popen.pid for p in self.stack.processes.values() if p.poll() is None]
        self.supervisor.stop()
        return pids


@contextmanager
def supervised_stack(tmp_path_factory, database_url: str, **extra_env):
    from screening.records import migrate

    assert model_path().exists(), "no trained model: make train"
    fake = FakeTwilio()
    with serve(fake.app) as twilio_url:
        workdir = tmp_path_factory.mktemp("faults")
        migrate.upgrade(database_url)
        env = stack_env(database_url, workdir / "tracker.db", action_port=free_port())
        env.update({"ENCRYPTION_KEY": ENCRYPTION_KEY, "SECRET_KEY": SECRET_KEY, "AUDIT_KEY": AUDIT_KEY,
                    "PUBLIC_BASE_URL": PUBLIC_BASE_URL, "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
                    "TWILIO_AUTH_TOKEN": AUTH_TOKEN, "TWILIO_FROM_NUMBER": OUR_NUMBER,
                    "TWILIO_API_BASE_URL": twilio_url, "LOG_LEVEL": "INFO", **extra_env})
        stack = Stack(env, workdir / "log", rasa_port=free_port(), action_port=int(env["ACTION_SERVER_PORT"]),
                      app_port=free_port())
        # As in the issue: the action server is killed while the stack is still loading. The start
        # goes on (the supervisor starts it again) instead of shutting everything down.
        killed_while_loading = []

        def kill_the_action_server_while_loading():
            process = poll(lambda: stack.processes.get("actions"), timeout=60, every=0.01)
            if process and process.poll() is None:
                os.kill(process.popen.pid, signal.SIGKILL)
                killed_while_loading.append(process.popen.pid)

        killer = threading.Thread(target=kill_the_action_server_while_loading, daemon=True)
        killer.start()
        supervisor = stack.start_supervised()
        killer.join(60)
        running = SupervisedStack(stack, supervisor, fake)
        running.killed_while_loading = killed_while_loading
        try:
            yield running
        finally:
            running.close()
