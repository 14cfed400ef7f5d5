"""Waiting on a stack that works in other processes, and answering it like a person in a hurry.

No sleeps as synchronization: `bounded_wait` polls a condition the test can see (a stored row, a
reply at the fake Twilio) until a deadline.
"""
from __future__ import annotations

import threading
import time


def bounded_wait(condition, timeout: float = 30.0) -> bool:
    """True once `condition()` holds, False if it still does not after `timeout` seconds."""
    deadline, pause = time.monotonic() + timeout, threading.Event()
    while not condition():
        if time.monotonic() > deadline:
            return False
        pause.wait(0.05)
    return True


def hurried_sms_answer(reply: str) -> str:
    """Answer a text like a person in a hurry: a ZIP, the first option, yes, otherwise skip."""
    if "ZIP code or town" in reply:
        return "02118"
    if "Reply with a number" in reply or "Reply with all the numbers" in reply or "Reply with the numbers" in reply:
        return "1"
    if "YES" in reply:
        return "yes"
    return "skip"
