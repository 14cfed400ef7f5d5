"""Every Rasa action hands the person's message to the screening core.

Rasa's NLU reads what kind of message it is; its rules pick the action named
for that intent; the action passes the text and the intent to the core, which
decides what the message means where the person is, stores it, and returns the
replies. The actions themselves hold no screening logic and no state.
"""
from __future__ import annotations

import abc
import asyncio
import threading
from functools import lru_cache
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from screening.crisis_model import default_model
from screening.dialogue.engine import Incoming, ScreeningEngine
from screening.dialogue.replies import channel_messages
from screening.answer_model import default_model as answer_model
from screening.service import build_engine

# The turn was stored and nothing is to be said (see screening/talkback.py); the app drops it.
QUIET = {"screening": "quiet"}


# The crisis classifier and the learned answer reader learn from their examples in a second or
# two: start now, not on the first person's message.
def _warm_up() -> None:
    default_model()
    answer_model()


threading.Thread(target=_warm_up, name="reader-models-warm-up", daemon=True).start()


@lru_cache(maxsize=1)
def screening_engine() -> ScreeningEngine:
    return build_engine()


def incoming_from(tracker: Tracker) -> Incoming:
    latest = tracker.latest_message or {}
    intent = latest.get("intent") or {}
    metadata = latest.get("metadata") or {}
    return Incoming(
        channel=metadata.get("channel") or "rest",
        sender_id=tracker.sender_id,
        text=latest.get("text") or "",
        message_key=latest.get("message_id"),
        intent=intent.get("name"),
        confidence=float(intent.get("confidence") or 0.0),
    )


class ScreeningTurn(Action, abc.ABC):
    """Base: subclasses only carry the action name the domain declares."""

    @abc.abstractmethod
    def name(self) -> str:
        """The action's name in domain.yml."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        incoming = incoming_from(tracker)
        # The core does blocking database work: keep the action server's event loop free.
        replies = await asyncio.to_thread(screening_engine().handle, incoming)
        for message in channel_messages(replies, incoming.channel):
            dispatcher.utter_message(text=message["text"], buttons=message.get("buttons"))
        if not replies:
            # A trained person holds the conversation: the core stored the message and says nothing.
            # Say so to the app (it sends nothing), so an empty turn is not taken for a failure.
            dispatcher.utter_message(json_message=QUIET)
        return []


class TakeAnswer(ScreeningTurn):
    def name(self) -> str:
        return "action_take_answer"


class SkipQuestion(ScreeningTurn):
    def name(self) -> str:
        return "action_skip_question"


class ExplainQuestion(ScreeningTurn):
    def name(self) -> str:
        return "action_explain_question"


class PauseScreening(ScreeningTurn):
    def name(self) -> str:
        return "action_pause_screening"


class StopScreening(ScreeningTurn):
    def name(self) -> str:
        return "action_stop_screening"


class ShowHelp(ScreeningTurn):
    def name(self) -> str:
        return "action_show_help"


class RequestPerson(ScreeningTurn):
    def name(self) -> str:
        return "action_request_person"


class CrisisSupport(ScreeningTurn):
    def name(self) -> str:
        return "action_crisis_support"


class ChangeAnswer(ScreeningTurn):
    def name(self) -> str:
        return "action_change_answer"


class SwitchLanguage(ScreeningTurn):
    def name(self) -> str:
        return "action_switch_language"
