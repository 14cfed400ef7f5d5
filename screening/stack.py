"""Start the Rasa server and the action server on 127.0.0.1, and wait until they answer.

Used by `make run`, by the end-to-end tests and by the benchmarks, so all three
run the same processes the same way. Run as `python -m screening.stack`: it starts
the action server, Rasa and the app, then keeps them running (screening/supervisor.py):
a process that dies is restarted with backoff while the others go on; Ctrl-C or
SIGTERM stops them all.
"""
from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from . import internal_token
from .supervisor import Supervisor
from .config import PROJECT_DIR, load_settings, rasa_tracker_db
from .rasa_endpoints import LOCK_KEY_PREFIX, write_endpoints

RASA_PORT = 5005
ACTION_PORT = 5055
MODELS_DIR = PROJECT_DIR / "models"
MODEL_NAME = "screening"
# The id under which the app leases SMS work; a restarted app with the same id takes
# its own leases back at once (screening/app/sms/store.py) instead of waiting them out.
WORKER_ID_VAR = "APP_WORKER_ID"


class StackError(RuntimeError):
    pass


def model_path(models_dir: Path = MODELS_DIR) -> Path:
    return models_dir / f"{MODEL_NAME}.tar.gz"


def base_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "RASA_TELEMETRY_ENABLED": "false",
        "SANIC_HOST": "127.0.0.1",
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "PYTHONUNBUFFERED": "1",
    })
    env.update(extra or {})
    return env


@dataclass
class Process:
    name: str
    popen: subprocess.Popen
    log_path: Path
    health_url: str

    def poll(self) -> int | None:
        return self.popen.poll()

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20) -> None:
        if self.popen.poll() is not None:
            return
        self.popen.send_signal(sig)
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()

    def kill(self) -> None:
        """Die at once, as in a crash: no clean shutdown."""
        self.stop(signal.SIGKILL)


def _spawn(name: str, args: list[str], env: dict[str, str], log_dir: Path, health_url: str) -> Process:
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{name}.log"
    log = open(log_path, "ab")
    popen = subprocess.Popen(args, cwd=PROJECT_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
                             start_new_session=True)
    log.close()
    return Process(name, popen, log_path, health_url)


def start_action_server(env: dict[str, str], log_dir: Path, port: int = ACTION_PORT) -> Process:
    args = [sys.executable, "-m", "actions.server", "--port", str(port)]
    return _spawn("actions", args, base_env(env), log_dir, f"http://127.0.0.1:{port}/health")


def start_rasa(env: dict[str, str], log_dir: Path, port: int = RASA_PORT, model: Path | None = None,
               name: str = "rasa", endpoints: str | None = None) -> Process:
    endpoints = endpoints or endpoints_for(env, log_dir)
    args = [sys.executable, "-m", "rasa", "run", "--model", str(model or model_path()), "--port", str(port),
            "--interface", "127.0.0.1", "--credentials", "credentials.yml", "--endpoints", endpoints]
    return _spawn(name, args, base_env(env), log_dir, f"http://127.0.0.1:{port}/webhooks/app/")


def start_app(env: dict[str, str], log_dir: Path, port: int, rasa_port: int = RASA_PORT) -> Process:
    """The app (SMS gateway, web chat, console) in front of Rasa."""
    args = [sys.executable, "-m", "screening.app", "--port", str(port)]
    app_env = base_env({**env, "RASA_URL": f"http://127.0.0.1:{rasa_port}", "APP_PORT": str(port)})
    return _spawn("app", args, app_env, log_dir, f"http://127.0.0.1:{port}/healthz")


def answers(health_url: str) -> bool:
    try:
        with urllib.request.urlopen(health_url, timeout=2) as resp:
            return resp.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def wait_until_ready(process: Process, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.popen.poll() is not None:
            raise StackError(f"{process.name} exited with {process.popen.returncode}:\n{process.log_tail()}")
        try:
            with urllib.request.urlopen(process.health_url, timeout=2) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)  # polling a server that is starting up, not synchronising a test
    raise StackError(f"{process.name} did not answer within {timeout:.0f} s:\n{process.log_tail()}")


def stack_env(database_url: str, tracker_db: Path, action_port: int = ACTION_PORT,
              token: str | None = None) -> dict[str, str]:
    """The settings every process gets; `token` is the internal token (a new one when not given)."""
    return {"DATABASE_URL": database_url, "RASA_TRACKER_DB": str(tracker_db),
            "ACTION_SERVER_PORT": str(action_port), internal_token.ENV_VAR: token or internal_token.new_token()}


def internal_headers(env: dict[str, str]) -> dict[str, str]:
    """What a caller of Rasa's app channel sends to be let in (the app does the same)."""
    return {internal_token.HEADER: internal_token.header_value(env[internal_token.ENV_VAR])}


def endpoints_for(env: dict[str, str], log_dir: Path, redis_url: str | None = None,
                  key_prefix: str = LOCK_KEY_PREFIX) -> str:
    """Write the endpoints file these settings need and return its path."""
    return str(write_endpoints(
        log_dir / "endpoints.yml", action_port=int(env["ACTION_SERVER_PORT"]),
        database_url=env["DATABASE_URL"], sqlite_tracker=Path(env["RASA_TRACKER_DB"]),
        redis_url=redis_url, key_prefix=key_prefix))


@dataclass
class Stack:
    env: dict[str, str]
    log_dir: Path
    rasa_port: int = RASA_PORT
    action_port: int = ACTION_PORT
    endpoints: str | None = None   # default: made from env by endpoints_for()
    processes: dict[str, Process] = field(default_factory=dict)

    extra_rasa_ports: tuple[int, ...] = ()   # more Rasa processes sharing the conversations
    app_port: int | None = None               # also start the app on this port

    def rasa_names(self) -> list[str]:
        return ["rasa"] + [f"rasa{n}" for n in range(2, len(self.extra_rasa_ports) + 2)]

    def names(self) -> list[str]:
        return ["actions", *self.rasa_names(), *(["app"] if self.app_port else [])]

    def spawn(self, name: str) -> Process:
        """Start one process (again), without waiting for it to answer."""
        ports = dict(zip(self.rasa_names(), (self.rasa_port, *self.extra_rasa_ports)))
        if name == "actions":
            process = start_action_server(self.env, self.log_dir, self.action_port)
        elif name == "app":
            app_env = {**self.env, WORKER_ID_VAR: self.env.get(WORKER_ID_VAR) or f"app-{self.app_port}"}
            process = start_app(app_env, self.log_dir, self.app_port, self.rasa_port)
        else:
            process = start_rasa(self.env, self.log_dir, ports[name], name=name, endpoints=self.endpoints)
        self.processes[name] = process
        return process

    def start(self, *names: str) -> None:
        names = names or tuple(self.names())
        for name in names:
            self.spawn(name)
        for name in names:
            wait_until_ready(self.processes[name])

    def start_supervised(self, timeout: float = 300, **options) -> Supervisor:
        """Start every process under a supervisor and wait until each answers. One killed while
        loading (a signal: kill -9, out of memory) is restarted like any other; one that exits
        with an error code before it ever answered (a port in use, a missing key) stops the
        start with its log, since starting it again would fail the same way."""
        for name in self.names():
            self.spawn(name)
        supervisor = self.supervisor(**options)
        waiting, deadline = set(self.names()), time.monotonic() + timeout
        while waiting:
            for name in sorted(waiting):
                process = self.processes[name]
                returncode = process.poll()
                if returncode is not None and returncode > 0:
                    raise StackError(f"{name} exited with {returncode}:\n{process.log_tail()}")
                if returncode is None and answers(process.health_url):
                    waiting.discard(name)
            supervisor.check()
            if time.monotonic() > deadline:
                raise StackError(f"not answering within {timeout:.0f} s: {', '.join(sorted(waiting))}")
            time.sleep(0.2)  # polling servers that are starting up, not synchronising a test
        return supervisor

    def supervisor(self, **options) -> Supervisor:
        """A supervisor of the processes started so far, restarting each through `spawn`."""
        supervisor = Supervisor(self.spawn, **options)
        for name, process in self.processes.items():
            supervisor.adopt(name, process)
        return supervisor

    def stop(self) -> None:
        for process in self.processes.values():
            process.stop()

    @property
    def headers(self) -> dict[str, str]:
        return internal_headers(self.env)

    @property
    def webhook(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}/webhooks/app/webhook"

    @property
    def webhooks(self) -> list[str]:
        return [f"http://127.0.0.1:{p}/webhooks/app/webhook" for p in (self.rasa_port, *self.extra_rasa_ports)]


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    settings = load_settings()
    if not model_path().exists():
        print("No trained model: run `make train` first.", file=sys.stderr)
        return 2
    var = PROJECT_DIR / "var"
    if not settings.internal_token:
        print("INTERNAL_TOKEN is not set (add it: .venv/bin/screening keys); using a new one for this run.",
              file=sys.stderr)
    env = stack_env(settings.database_url, rasa_tracker_db(), token=settings.internal_token or None)
    stack = Stack(env, var / "log", endpoints=endpoints_for(env, var / "log", settings.redis_url),
                  app_port=settings.app_port)
    print("Starting the action server, Rasa and the app (about 30 seconds)...", flush=True)
    # SIGTERM (or Ctrl-C) at any moment, even while starting, stops every process it started:
    # they run in their own sessions and would otherwise outlive this one.
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        # Supervised from the first moment: a process killed while loading is started again.
        supervisor = stack.start_supervised()
    except (StackError, KeyboardInterrupt) as exc:
        print(str(exc) or "Stopped while starting.", file=sys.stderr)
        stack.stop()
        return 1
    app = f"http://127.0.0.1:{settings.app_port}"
    print(f"""
Ready.
  Web chat:                     {app}/chat
  Screener console:             {app}/review   (add an account: .venv/bin/screening users add --help)
  Completion check:             {app}/verify
  SMS webhook (Twilio):         {settings.public_base_url}/sms/twilio
  Health:                       {app}/healthz   (alive)   {app}/readyz   (the dialogue can answer)
  Rasa (internal, app channel): {stack.webhook}
      try: curl -s -XPOST {stack.webhook} -H 'content-type: application/json' \\
             -d '{{"sender": "demo", "message": "hi"}}'
  Action server (internal):     http://127.0.0.1:{stack.action_port}/health
  Database:                     {settings.database_url}
  Logs:                         {stack.log_dir}
Press Ctrl-C to stop.""", flush=True)
    # A process that dies is restarted (with backoff) and the others keep going; the loss and
    # the restart are logged here, the process's own words stay in its log file.
    try:
        while True:
            supervisor.check()
            time.sleep(0.5)   # the supervisor's round, not a wait for something to happen
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)     # a second Ctrl-C does not cut the stop short
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        supervisor.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
