"""A sliding-window rate limit per key (e.g. a client address), by an injected clock."""
from __future__ import annotations

from collections import deque
from datetime import datetime, timedelta
from threading import Lock
from typing import Callable


class RateLimiter:
    def __init__(self, limit: int, window: timedelta, clock: Callable[[], datetime]):
        self.limit = limit
        self.window = window
        self.clock = clock
        self._seen: dict[str, deque[datetime]] = {}
        self._lock = Lock()

    def allow(self, key: str) -> bool:
        """Count one attempt for `key`; False when it is over the limit (not counted then)."""
        now = self.clock()
        with self._lock:
            self._forget_before(now - self.window)
            recent = self._seen.setdefault(key, deque())
            if len(recent) >= self.limit:
                return False
            recent.append(now)
            return True

    def _forget_before(self, cutoff: datetime) -> None:
        for key in list(self._seen):
            recent = self._seen[key]
            while recent and recent[0] <= cutoff:
                recent.popleft()
            if not recent:
                del self._seen[key]
