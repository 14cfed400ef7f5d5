"""Retry timing for the SMS gateway's inbox and outbox."""
from __future__ import annotations

from screening.backoff import MAX_DELAY_SECONDS, retry_delay


def test_delays_double_from_two_seconds_up_to_five_minutes():
    assert [retry_delay(n) for n in (1, 2, 3, 4)] == [2, 4, 8, 16]
    assert retry_delay(30) == MAX_DELAY_SECONDS == 300


def test_a_longer_retry_after_from_the_server_is_honoured_but_capped():
    assert retry_delay(1, retry_after=30) == 30
    assert retry_delay(4, retry_after=1) == 16          # never sooner than our own backoff
    assert retry_delay(1, retry_after=10 ** 6) == 3600
