"""The supervisor `make run` keeps its processes running with: small real processes, a clock
moved by hand. What an operator sees: the others keep running, the dead one comes back after
a delay that grows and is capped, each loss and restart is one log line, a stop stops all."""
from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys

import pytest

from screening.supervisor import Supervisor, exit_status, restart_delay


class Sleeper:
    """A process that lives until it is stopped or killed."""

    def __init__(self, name: str):
        self.name = name
        self.popen = subprocess.Popen([sys.executable, "-c", "import time\nwhile True: time.sleep(60)"])

    def poll(self):
        return self.popen.poll()

    def stop(self):
        if self.popen.poll() is None:
            self.popen.terminate()
        self.popen.wait(10)

    def kill(self):
        os.kill(self.popen.pid, signal.SIGKILL)
        self.popen.wait(10)


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def supervised():
    clock = Clock()
    started: list[Sleeper] = []

    def start(name: str) -> Sleeper:
        process = Sleeper(name)
        started.append(process)
        return process

    supervisor = Supervisor(start, clock=clock, first_delay=1, max_delay=8, stable_after=60)
    for name in ("actions", "rasa", "app"):
        supervisor.adopt(name, start(name))
    yield supervisor, clock, started
    supervisor.stop()
    for process in started:
        process.stop()


def test_a_killed_process_is_restarted_after_the_delay_and_the_others_keep_running(supervised, caplog):
    supervisor, clock, started = supervised
    actions, rasa, app = (supervisor.children[n].process for n in ("actions", "rasa", "app"))
    caplog.set_level(logging.INFO, logger="screening.supervisor")

    actions.kill()
    supervisor.check()
    assert supervisor.children["actions"].process is actions          # not yet: it waits its delay
    assert [r.getMessage() for r in caplog.records] == [
        "actions stopped (killed by SIGKILL); restarting it in 1 s (stop 1 in a row)"]

    clock.now += 1
    supervisor.check()
    restarted = supervisor.children["actions"].process
    assert restarted is not actions and restarted.poll() is None
    assert caplog.records[-1].getMessage() == "actions restarted (restart 1)"
    # The others were never touched: same processes, still running.
    assert supervisor.children["rasa"].process is rasa and rasa.poll() is None
    assert supervisor.children["app"].process is app and app.poll() is None
    assert supervisor.restarts == {"actions": 1, "rasa": 0, "app": 0}


def test_stops_in_a_row_wait_longer_up_to_the_cap_and_a_steady_run_starts_over(supervised, caplog):
    supervisor, clock, _ = supervised
    caplog.set_level(logging.INFO, logger="screening.supervisor")
    delays = []
    for _ in range(6):
        supervisor.children["rasa"].process.kill()
        supervisor.check()
        delay = supervisor.children["rasa"].restart_at - clock.now
        delays.append(delay)
        clock.now += delay - 0.5
        supervisor.check()
        assert supervisor.children["rasa"].restart_at is not None      # still waiting half a second early
        clock.now += 0.5
        supervisor.check()
    assert delays == [1, 2, 4, 8, 8, 8]

    clock.now += 60                                   # up a minute: healthy again
    supervisor.check()
    supervisor.children["rasa"].process.kill()
    supervisor.check()
    assert supervisor.children["rasa"].restart_at - clock.now == 1
    assert supervisor.restarts["rasa"] == 6
    # The log names the process and how it stopped: nothing a process printed passes through.
    assert all(r.getMessage().startswith("rasa ") for r in caplog.records)


def test_a_process_that_exits_by_itself_is_restarted_too(supervised):
    supervisor, clock, _ = supervised
    app = supervisor.children["app"].process
    app.popen.terminate()
    app.popen.wait(10)
    supervisor.check()
    clock.now += 1
    supervisor.check()
    assert supervisor.children["app"].process.poll() is None and supervisor.restarts["app"] == 1


def test_stop_stops_every_process_and_nothing_is_restarted_after(supervised):
    supervisor, clock, started = supervised
    supervisor.children["actions"].process.kill()
    supervisor.check()                                 # a restart is due in 1 s
    supervisor.stop()
    clock.now += 5
    supervisor.check()
    assert all(process.poll() is not None for process in started)
    assert len(started) == 3                           # nothing was started after the stop


def test_a_process_that_cannot_be_started_is_tried_again_later(caplog):
    clock, attempts = Clock(), []

    def start(name):
        attempts.append(clock.now)
        raise OSError("no such file")

    class Gone:
        def poll(self):
            return 1

        def stop(self):
            pass

    supervisor = Supervisor(start, clock=clock, first_delay=1, max_delay=8)
    supervisor.adopt("actions", Gone())
    for _ in range(4):
        supervisor.check()
        clock.now += 10
    assert len(attempts) == 3 and "could not be started (OSError)" in caplog.text


def test_delays_and_exit_statuses_read_plainly():
    assert [restart_delay(n) for n in range(1, 8)] == [1, 2, 4, 8, 16, 30, 30]
    assert exit_status(-9) == "killed by SIGKILL" and exit_status(3) == "exit code 3"


class TinyStack:
    """A Stack whose processes are tiny web servers (or one that fails), to start supervised."""

    def __init__(self, tmp_path, failing: str | None = None):
        from screening.stack import Stack

        self.failing = failing
        self.ports = {}
        self.stack = Stack({}, tmp_path)
        self.stack.names = lambda: ["one", "two"]
        self.stack.spawn = self.spawn

    def spawn(self, name):
        from screening.stack import _spawn

        from tests.e2e.conftest import free_port

        port = self.ports.setdefault(name, free_port())
        code = "import sys; print('no such key'); sys.exit(3)" if name == self.failing else \
            f"import http.server as h; h.HTTPServer(('127.0.0.1', {port}), h.SimpleHTTPRequestHandler).serve_forever()"
        process = _spawn(name, [sys.executable, "-c", code], dict(os.environ), self.stack.log_dir,
                         f"http://127.0.0.1:{port}/")
        self.stack.processes[name] = process
        return process


def test_a_process_killed_while_the_stack_starts_is_started_again_and_the_start_goes_on(tmp_path):
    tiny = TinyStack(tmp_path)
    original = tiny.spawn

    def spawn_then_kill_the_first_one(name):
        process = original(name)
        if name == "one" and not getattr(tiny, "killed", False):
            tiny.killed = True
            os.kill(process.popen.pid, signal.SIGKILL)           # killed while loading
        return process

    tiny.stack.spawn = spawn_then_kill_the_first_one
    supervisor = tiny.stack.start_supervised(timeout=60)
    try:
        assert supervisor.restarts == {"one": 1, "two": 0}
        assert all(p.poll() is None for p in tiny.stack.processes.values())
    finally:
        supervisor.stop()
    assert all(p.poll() is not None for p in tiny.stack.processes.values())


def test_a_process_that_exits_with_an_error_while_starting_stops_the_start_with_its_log(tmp_path):
    from screening.stack import StackError

    tiny = TinyStack(tmp_path, failing="two")
    with pytest.raises(StackError, match="two exited with 3:\nno such key"):
        tiny.stack.start_supervised(timeout=60)
    tiny.stack.stop()
