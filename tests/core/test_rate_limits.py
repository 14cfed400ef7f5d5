"""Attempt limits: a fixed number of tries per window, counted per key, reset by the next window."""
from __future__ import annotations

from datetime import datetime, timedelta

from screening.rate_limits import AttemptLimiter, MemoryCounterStore

START = datetime(2026, 11, 24, 15, 0)


def test_attempts_past_the_limit_are_refused_until_the_window_passes():
    limiter = AttemptLimiter(MemoryCounterStore(), limit=3, window_seconds=600)
    assert [limiter.allow("ip:1", START) for _ in range(4)] == [True, True, True, False]
    assert limiter.allow("ip:1", START + timedelta(minutes=9)) is False
    assert limiter.allow("ip:1", START + timedelta(minutes=10)) is True


def test_each_key_has_its_own_count():
    limiter = AttemptLimiter(MemoryCounterStore(), limit=1, window_seconds=60)
    assert limiter.allow("ip:1", START) is True
    assert limiter.allow("ip:2", START) is True
    assert limiter.allow("ip:1", START) is False


def test_two_limiters_sharing_a_store_do_not_count_each_others_attempts():
    store = MemoryCounterStore()
    by_ip = AttemptLimiter(store, limit=1, window_seconds=60, name="ip")
    by_code = AttemptLimiter(store, limit=1, window_seconds=3600, name="code")
    assert by_ip.allow("x", START) and by_code.allow("x", START)
    assert not by_ip.allow("x", START) and not by_code.allow("x", START)


def test_memory_stays_bounded_when_many_keys_are_tried():
    store = MemoryCounterStore()
    store.MAX_KEYS = 10
    limiter = AttemptLimiter(store, limit=5, window_seconds=60)
    for n in range(10):
        limiter.allow(f"ip:{n}", START)
    limiter.allow("ip:new", START + timedelta(minutes=1))
    assert len(store._counts) == 1
