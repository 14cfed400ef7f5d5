"""Keep a set of processes running, as a service manager would (used by `make run`).

A process that stops on its own (a crash, kill -9, an out-of-memory kill) is started
again after a delay that doubles with each stop in a row (1, 2, 4 ... seconds, never
more than `max_delay`); one that stayed up `stable_after` seconds counts as healthy
again, so its next stop is restarted after the first delay. The others keep running.
Each loss and each restart is logged with the process's name, exit status and delay
only: a process's own output goes to its log file, never through here.

`check()` does one round and returns at once; the caller decides how often to call it
(the stack every half second) and the clock is injectable, so tests move time by hand.
"""
from __future__ import annotations

import logging
import signal
import time
from dataclasses import dataclass, field
from typing import Callable, Protocol

logger = logging.getLogger("screening.supervisor")

FIRST_DELAY_SECONDS = 1.0
MAX_DELAY_SECONDS = 30.0
STABLE_AFTER_SECONDS = 60.0


class Running(Protocol):
    """What the supervisor needs of a started process (stack.Process has it)."""

    def poll(self) -> int | None: ...

    def stop(self) -> None: ...


def restart_delay(stops_in_a_row: int, first: float = FIRST_DELAY_SECONDS, cap: float = MAX_DELAY_SECONDS) -> float:
    """Seconds to wait before restarting after stop number `stops_in_a_row` (1, 2, ...)."""
    return min(cap, first * 2 ** max(0, stops_in_a_row - 1))


def exit_status(returncode: int | None) -> str:
    if returncode is None:
        return "still running"
    if returncode < 0:
        try:
            return f"killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    return f"exit code {returncode}"


@dataclass
class Supervised:
    name: str
    process: Running | None
    started_at: float
    stops_in_a_row: int = 0
    restart_at: float | None = None       # set while waiting to restart
    restarts: int = 0


@dataclass
class Supervisor:
    """`start(name)` starts the named process and returns it (it need not be ready yet)."""

    start: Callable[[str], Running]
    clock: Callable[[], float] = time.monotonic
    first_delay: float = FIRST_DELAY_SECONDS
    max_delay: float = MAX_DELAY_SECONDS
    stable_after: float = STABLE_AFTER_SECONDS
    on_restart: Callable[[str, Running], None] = lambda name, process: None
    children: dict[str, Supervised] = field(default_factory=dict)
    stopping: bool = False

    def adopt(self, name: str, process: Running) -> None:
        """Supervise a process already started (the stack starts everything once, waiting until ready)."""
        self.children[name] = Supervised(name, process, self.clock())

    def check(self) -> None:
        """One round: notice stopped processes, restart those whose delay has passed."""
        if self.stopping:
            return
        now = self.clock()
        for child in self.children.values():
            if child.restart_at is None:
                returncode = child.process.poll() if child.process else 0
                if returncode is None:
                    if child.stops_in_a_row and now - child.started_at >= self.stable_after:
                        child.stops_in_a_row = 0          # it stayed up: the next stop starts over
                    continue
                child.stops_in_a_row += 1
                delay = restart_delay(child.stops_in_a_row, self.first_delay, self.max_delay)
                child.restart_at = now + delay
                logger.error("%s stopped (%s); restarting it in %.0f s (stop %d in a row)",
                             child.name, exit_status(returncode), delay, child.stops_in_a_row)
            if child.restart_at is not None and now >= child.restart_at:
                self._restart(child, now)

    def _restart(self, child: Supervised, now: float) -> None:
        try:
            child.process = self.start(child.name)
        except OSError as exc:       # could not even start it: try again after the next delay
            child.stops_in_a_row += 1
            delay = restart_delay(child.stops_in_a_row, self.first_delay, self.max_delay)
            child.restart_at = now + delay
            logger.error("%s could not be started (%s); trying again in %.0f s",
                         child.name, exc.__class__.__name__, delay)
            return
        child.restart_at, child.started_at = None, now
        child.restarts += 1
        logger.warning("%s restarted (restart %d)", child.name, child.restarts)
        self.on_restart(child.name, child.process)

    def stop(self) -> None:
        """Stop everything, newest-started last first; nothing is restarted after this."""
        self.stopping = True
        for child in reversed(list(self.children.values())):
            if child.process is not None:
                child.process.stop()

    @property
    def restarts(self) -> dict[str, int]:
        return {name: child.restarts for name, child in self.children.items()}
