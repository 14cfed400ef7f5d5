"""The throttle on failed sign-ins from one address (each account also locks itself after
five failures: screening/accounts.py). Failed passwords, enrolment codes and TOTP codes
from one client address count together; past the limit, sign-in from there waits until
the window ends (429 with Retry-After). Addresses are counted under a keyed hash, in Redis
when REDIS_URL is set (shared by every app process), else in this process."""
from __future__ import annotations

from datetime import datetime

from starlette.requests import Request

from ...crypto import pseudonym
from ...rate_limits import AttemptLimiter
from ..counters import counter_store

FAILURES_PER_ADDRESS = (10, 15 * 60)        # 10 failed attempts per 15 minutes from one address


def client_address(request: Request) -> str:
    """The client's address (behind a proxy: from X-Forwarded-For, when FORWARDED_ALLOW_IPS trusts it)."""
    return request.client.host if request.client else "unknown"


class SignInThrottle:
    def __init__(self, secret_key: str, redis_url: str | None):
        self.secret_key = secret_key
        self.limiter = AttemptLimiter(counter_store(redis_url), *FAILURES_PER_ADDRESS, name="sign-in-address")

    def _key(self, address: str) -> str:
        return pseudonym(self.secret_key, "address", address)

    def wait_seconds(self, address: str, now: datetime) -> int:
        """0 while sign-in from `address` may go on; else the seconds until it may."""
        return self.limiter.seconds_left(now) if self.limiter.exhausted(self._key(address), now) else 0

    def failed(self, address: str, now: datetime) -> None:
        self.limiter.record(self._key(address), now)
