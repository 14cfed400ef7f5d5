"""Resume-code guessing limits: per client address and per code, in Redis when REDIS_URL is
set (shared by every app process), else in this process."""
from __future__ import annotations

from datetime import datetime

from ...crypto import pseudonym
from ...rate_limits import AttemptLimiter, CounterStore
from ..counters import counter_store

ATTEMPTS_PER_ADDRESS = (20, 15 * 60)     # 20 tries per 15 minutes from one address
ATTEMPTS_PER_CODE = (10, 60 * 60)        # 10 tries per hour at one code


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
    return ResumeLimits(secret_key, counter_store(redis_url))
