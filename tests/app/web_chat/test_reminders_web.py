"""In the web chat nothing can be pushed: a reminder waits in the chat until the person comes
back with their code. Through the served app (in-process dialogue), on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import timedelta

import httpx

from ..review.conftest import running_console
from .helpers import ChatPerson
from .test_talk_web import resume


def test_a_web_reminder_is_shown_when_the_person_comes_back_with_their_code(database_url, clock):
    with running_console(database_url, clock) as console:
        person = ChatPerson(console.base)
        person.say("yes")
        assert "Which language" in person.text()           # the web chat is not asked about texts
        person.say("REMINDERS ON")
        assert "reminders are on" in person.text()
        person.say("1")
        person.say("pause")
        httpx.post(f"{console.base}/chat/api/exit", json={}, headers={"x-chat-token": person.token})
        clock.now += timedelta(days=1, minutes=1)
        assert console.app.state.reminders.send_due(clock.now) == 1
        back = resume(person)
    texts = [m["text"] for m in back["messages"] if m["from"] == "assistant"]
    assert any("Your needs check is saved where you left off" in t for t in texts)
