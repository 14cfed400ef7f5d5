"""When to try again after a failure: exponential backoff, honouring the other side's Retry-After."""
from __future__ import annotations

FIRST_DELAY_SECONDS = 2.0
MAX_DELAY_SECONDS = 300.0


def retry_delay(attempt: int, retry_after: float | None = None) -> float:
    """Seconds to wait after failed attempt number `attempt` (1, 2, ...): 2, 4, 8 ... up to 5 minutes,
    or longer when the server asked for longer (never more than an hour)."""
    delay = min(MAX_DELAY_SECONDS, FIRST_DELAY_SECONDS * 2 ** max(0, attempt - 1))
    if retry_after is not None:
        delay = max(delay, min(retry_after, 3600.0))
    return delay
