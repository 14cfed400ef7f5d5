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


@dataclass
class AttemptLimiter:
    store: CounterStore
    limit: int
    window_seconds: int
    name: str = "attempts"

    def allow(self, key: str, now: datetime) -> bool:
        """Count an attempt; False once more than `limit` were made in this window."""
        window = int(now.timestamp()) // self.window_seconds
        return self.store.increment(f"{self.name}:{key}", window, self.window_seconds) <= self.limit
