"""A person talking to the screening engine, for conversation tests."""
from __future__ import annotations

import itertools

from screening.dialogue.engine import Incoming, ScreeningEngine

_keys = itertools.count(1)


class Person:
    def __init__(self, engine: ScreeningEngine, sender: str = "person-1", channel: str = "test"):
        self.engine = engine
        self.sender = sender
        self.channel = channel
        self.last = ""

    def send(self, text: str, *, key: str | None = None, intent: str | None = None,
             confidence: float = 0.0) -> str:
        replies = self.engine.handle(Incoming(
            channel=self.channel, sender_id=self.sender, text=text,
            message_key=key or f"{self.sender}-{next(_keys)}", intent=intent, confidence=confidence))
        self.last = "\n".join(r.render(short_labels=self.channel == "sms") for r in replies)
        return self.last
