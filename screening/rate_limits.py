"""Fixed-window attempt counters, e.g. for resume-code guessing.

`AttemptLimiter.allow(key, now)` counts one attempt for `key` and says whether it
is within `limit` attempts per `window_seconds`. Counters live in a store:
`MemoryCounterStore` (one process) or any object with the same `increment` method
(the app has a Redis one for several processes). Keys should already be keyed
hashes or coarse values, never a person's identifier in clear.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


class CounterStore(Protocol):
    def increment(self, key: str, window: int, window_seconds: int) -> int:
        """Add one to `key`'s counter for window number `window`; return the new count."""

    def current(self, key: str, window: int) -> int:
        """`key`'s count in window number `window`, without adding to it."""


class MemoryCounterStore:
    """Counters in this process. Counts from an earlier window do not carry over."""

    MAX_KEYS = 50_000

    def __init__(self) -> None:
        self._counts: dict[str, tuple[int, int]] = {}

    def increment(self, key: str, window: int, window_seconds: int) -> int:
        if len(self._counts) >= self.MAX_KEYS:     # keep memory bounded: drop finished windows
            self._counts = {k: v for k, v in self._counts.items() if v[0] >= window}
        seen_window, count = self._counts.get(key, (window, 0))
        count = count + 1 if seen_window == window else 1
        self._counts[key] = (window, count)
        return count

    def current(self, key: str, window: int) -> int:
        seen_window, count = self._counts.get(key, (window, 0))
        return count if seen_window == window else 0


@dataclass
class AttemptLimiter:
    store: CounterStore
    limit: int
    window_seconds: int
    name: str = "attempts"

    def _window(self, now: datetime) -> int:
        return int(now.timestamp()) // self.window_seconds

    def allow(self, key: str, now: datetime) -> bool:
        """Count an attempt; False once more than `limit` were made in this window."""
        return self.store.increment(f"{self.name}:{key}", self._window(now), self.window_seconds) <= self.limit

    # Counting only some attempts (failed sign-ins): look first, count when one fails.
    def exhausted(self, key: str, now: datetime) -> bool:
        """True once `limit` attempts were counted in this window."""
        return self.store.current(f"{self.name}:{key}", self._window(now)) >= self.limit

    def record(self, key: str, now: datetime) -> None:
        self.store.increment(f"{self.name}:{key}", self._window(now), self.window_seconds)

    def seconds_left(self, now: datetime) -> int:
        """Seconds until this window ends (for Retry-After)."""
        return self.window_seconds - int(now.timestamp()) % self.window_seconds
