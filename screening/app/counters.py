"""Where attempt counters live: Redis when REDIS_URL is set (shared by every app
process), else this process. Used by the rate limits of the web chat and /verify."""
from __future__ import annotations

import logging

from ..rate_limits import CounterStore, MemoryCounterStore

logger = logging.getLogger(__name__)


class RedisCounterStore:
    """Counters in Redis (INCR plus an expiry); falls back to memory while Redis is unreachable."""

    def __init__(self, url: str):
        import redis
        self._redis = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
        self._errors = redis.RedisError
        self._fallback = MemoryCounterStore()

    def increment(self, key: str, window: int, window_seconds: int) -> int:
        redis_key = f"screening:limits:{key}@{window}"
        try:
            pipe = self._redis.pipeline()
            pipe.incr(redis_key)
            pipe.expire(redis_key, window_seconds)
            return int(pipe.execute()[0])
        except self._errors as exc:
            logger.warning("rate limits: Redis not reachable (%s); counting in this process",
                           exc.__class__.__name__)
            return self._fallback.increment(key, window, window_seconds)

    def current(self, key: str, window: int) -> int:
        try:
            value = self._redis.get(f"screening:limits:{key}@{window}")
            return int(value or 0)
        except self._errors as exc:
            logger.warning("rate limits: Redis not reachable (%s); counting in this process",
                           exc.__class__.__name__)
            return self._fallback.current(key, window)


def counter_store(redis_url: str | None) -> CounterStore:
    return RedisCounterStore(redis_url) if redis_url else MemoryCounterStore()
