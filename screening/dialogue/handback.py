"""The assistant takes the conversation back from a screener (screening/talkback.py).

It says why it is back (the screener handed it back, or stepped away for too long), then
goes on exactly where the person was: the current question again; the safety question
while the person is in crisis support; a polite line when the screening is finished, or
when the person had paused or left it. Nothing is answered or changed otherwise. The
lines are stored in the transcript as the assistant's; the caller sends them.
"""
from __future__ import annotations

from datetime import datetime

from ..records.repository import Unit
from .engine import Incoming, ScreeningEngine, Turn
from .replies import Reply

REASONS = {"released": "talkback.left", "idle": "talkback.stepped_away"}


def hand_back(engine: ScreeningEngine, unit: Unit, screening_id: str, reason: str, now: datetime) -> list[Reply]:
    """The assistant's words on taking the conversation back; `reason` "released" or "idle"."""
    row = unit.screening(screening_id)
    turn = Turn(engine, unit, row.participant_id, Incoming(channel=row.channel, sender_id="", text=""), now)
    if turn.row is None or turn.row.id != screening_id:
        turn.row = row
        turn.answers = unit.current_answers(row.id)
        turn.needs = list(unit.needs(row.id))
    screening = turn.row
    turn.say(REASONS[reason])
    support = screening.state.get("crisis")
    if screening.step == "done":
        turn.say("talkback.done", code=screening.completion_code or "")
    elif screening.status in ("paused", "stopped"):
        turn.say("talkback.paused")
    elif support:
        stage = support.get("stage")
        if stage == "check":
            turn.say("crisis_check")
        elif stage == "safe":
            turn.say("crisis_go_on_hint")
        else:
            turn.say(f"crisis_safety_ask.{support.get('kind') or 'self_harm'}")
    else:
        turn.say("talkback.go_on")
        turn.prompt(screening.step)
    screening.updated_at = now
    unit.save_screening(screening)
    for reply in turn.replies:
        unit.add_message(screening.id, None, "out", screening.channel,
                         reply.render(short_labels=screening.channel == "sms"), now)
    return turn.replies
