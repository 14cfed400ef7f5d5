"""A background loop that runs one "run once" coroutine when woken, or every few seconds."""
from __future__ import annotations

import asyncio
import logging
from typing import Awaitable, Callable

logger = logging.getLogger(__name__)


class Loop:
    def __init__(self, name: str, run_once: Callable[[], Awaitable[object]], interval: float):
        self.name = name
        self.run_once = run_once
        self.interval = interval
        self._woken = asyncio.Event()
        self._task: asyncio.Task | None = None

    def wake(self) -> None:
        self._woken.set()

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None

    async def _run(self) -> None:
        while True:
            self._woken.clear()
            try:
                await self.run_once()
            except Exception as exc:    # keep going: the work stays in the database for the next round
                logger.error("%s: a round failed (%s)", self.name, exc.__class__.__name__)
            try:
                await asyncio.wait_for(self._woken.wait(), self.interval)
            except asyncio.TimeoutError:
                pass
