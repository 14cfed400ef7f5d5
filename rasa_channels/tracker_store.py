"""Rasa's tracker store without anyone's words.

Rasa keeps each conversation's events (its working memory) in its `events` table. The
screening's own database already keeps the transcript, encrypted, and is the source of
truth. So this store writes only what Rasa needs to pick the next action (intents,
actions, times, the channel) and blanks what the person and the assistant said: the
text of every user and bot message, and the text and entities the NLU read from it.
Inside a turn Rasa still has the message in memory, so the actions receive it as usual.
"""
from __future__ import annotations

import copy
from typing import Any, Iterator

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import BotUttered, Event, UserUttered


def without_words(event: Event) -> Event:
    """A copy of the event with the message text removed; other events as they are."""
    if isinstance(event, UserUttered):
        kept = copy.copy(event)
        kept.text = None
        kept.entities = []
        kept.parse_data = {**event.parse_data, "text": None, "entities": []}
        return kept
    if isinstance(event, BotUttered):
        kept = copy.copy(event)
        kept.text = None
        return kept
    return event


class WordlessSQLTrackerStore(SQLTrackerStore):
    """Rasa's SQL tracker store (SQLite or PostgreSQL), saving events without their words."""

    def _additional_events(self, session: Any, tracker: Any) -> Iterator[Event]:
        return (without_words(event) for event in super()._additional_events(session, tracker))
