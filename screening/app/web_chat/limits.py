"""Resume-code guessing limits: per client address and per code, in Redis when REDIS_URL is
set (shared by every app process), else in this process."""
from __future__ import annotations

import logging
from datetime import datetime

from ...crypto import pseudonym
from ...rate_limits import AttemptLimiter, CounterStore, MemoryCounterStore

logger = logging.getLogger(__name__)

ATTEMPTS_PER_ADDRESS = (20, 15 * 60)     # 20 tries per 15 minutes from one address
ATTEMPTS_PER_CODE = (10, 60 * 60)        # 10 tries per hour at one code


class RedisCounterStore:
    """Counters in Redis (INCR plus an expiry); falls back to memory while Redis is unreachable."""

    def __init__(self, url: str):
        import redis
        self._redis = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
        self._errors = redis.RedisError
        self._fallback = MemoryCounterStore()

    def increment(self, key: str, window: int, window_seconds: int) -> int:
        redis_key = f"screening:webchat:{key}@{window}"
        try:
            pipe = self._redis.pipeline()
            pipe.incr(redis_key)
            pipe.expire(redis_key, window_seconds)
            return int(pipe.execute()[0])
        except self._errors as exc:
            logger.warning("web chat limits: Redis not reachable (%s); counting in this process",
                           exc.__class__.__name__)
            return self._fallback.increment(key, window, window_seconds)


class ResumeLimits:
    def __init__(self, secret_key: str, store: CounterStore):
        self.secret_key = secret_key
        self.by_address = AttemptLimiter(store, *ATTEMPTS_PER_ADDRESS, name="resume-address")
        self.by_code = AttemptLimiter(store, *ATTEMPTS_PER_CODE, name="resume-code")

    def allow_address(self, address: str, now: datetime) -> bool:
        # Addresses are counted under a keyed hash, never kept in clear.
        return self.by_address.allow(pseudonym(self.secret_key, "address", address), now)

    def allow_code(self, code_hash: str, now: datetime) -> bool:
        return self.by_code.allow(code_hash, now)


def resume_limits(secret_key: str, redis_url: str | None) -> ResumeLimits:
    store: CounterStore = RedisCounterStore(redis_url) if redis_url else MemoryCounterStore()
    return ResumeLimits(secret_key, store)
