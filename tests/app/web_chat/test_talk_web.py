"""A screener talks with a person in the web chat, through the served app (in-process dialogue):
the open widget gets the screener's words by polling, once; a person who left sees them when
they come back with their code; handing back asks the same question again. A confirmed
completion shows in the chat too. On SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from screening.casework import assign
from screening.crisis_model import default_model

from ..review.conftest import csrf_of, running_console
from ..talk import Screener, audit_events, only_screening
from .helpers import ChatPerson

@pytest.fixture(scope="module", autouse=True)
def crisis_classifier_learned():
    """The in-process dialogue learns its crisis classifier on the first longer message (seconds on a
    busy machine, past the chat client's timeout): learn it before the first test."""
    default_model()


REPLY = "Hi, I am Sam, a trained screener. I read your message. How can I help you?"
CALL = "I will call you at 3 PM today. The call may come from a number you do not know."


def poll(person: ChatPerson) -> httpx.Response:
    return httpx.post(f"{person.base}/chat/api/poll", json={}, headers={"x-chat-token": person.token})


def resume(person: ChatPerson) -> dict:
    response = httpx.post(f"{person.base}/chat/api/resume", json={"code": person.resume_code})
    assert response.status_code == 200, response.text
    person.token = response.json()["token"]
    return response.json()


def test_take_over_reply_leave_come_back_and_hand_back_in_the_web_chat(database_url, clock):
    with running_console(database_url, clock) as console:
        person = ChatPerson(console.base)
        person.say("yes")
        person.say("1")
        assert "What date is on your ticket" in person.text()
        person.say("person")
        assert "want to talk to a person" in person.text()
        case_id = only_screening(console.repository)
        account = console.add_account("sam", "screener")
        with console.repository.transaction() as unit:
            assign(unit.conn, case_id, account, clock.now)
        sam = Screener(console.sign_in("sam"), case_id)

        assert poll(person).json()["messages"] == []
        assert sam.take_over().status_code == 303
        view = poll(person).json()
        assert [(m["from"], m["text"]) for m in view["messages"]] == [
            ("assistant", "A trained person from our team is with you now. They will read what you write and "
                          "answer you here. The assistant will wait until they are done.")]
        assert view["with_staff"] is True and view["quick_answers"] == [] and view["pick_several"] is False
        assert poll(person).json()["messages"] == []                 # each message is handed over once

        assert sam.reply(REPLY).status_code == 303
        view = poll(person).json()
        assert [(m["from"], m["text"]) for m in view["messages"]] == [("staff", REPLY)]
        assert poll(person).json()["messages"] == []

        # The person answers: no word from the assistant; the screener sees it by polling.
        answer = person.say("thanks. i need food for my kids")
        assert answer.status_code == 200
        assert answer.json()["messages"] == [] and answer.json()["with_staff"] is True
        lines = sam.poll()["lines"]
        assert lines[-1]["kind"] == "person" and lines[-1]["text"] == "thanks. i need food for my kids"
        assert [line["who"] for line in lines].count("Screener sam") == 1

        # The person leaves; the screener writes; the person comes back with their code and reads it.
        assert httpx.post(f"{console.base}/chat/api/exit", json={}, headers={"x-chat-token": person.token}
                          ).status_code == 204
        assert poll(person).status_code == 401
        assert sam.reply(CALL, saved="call_at").status_code == 303
        back = resume(person)
        assert ("staff", CALL) in [(m["from"], m["text"]) for m in back["messages"]]
        assert back["with_staff"] is True
        assert poll(person).json()["messages"] == []

        # Hand back: the assistant says so and asks the ticket date again, with its quick answers back.
        assert sam.release().status_code == 303
        view = poll(person).json()
        said = "\n".join(m["text"] for m in view["messages"])
        assert said.startswith("The trained person has left this chat. I am the assistant again.")
        assert "What date is on your ticket" in said and {m["from"] for m in view["messages"]} == {"assistant"}
        assert view["with_staff"] is False and view["quick_answers"] == ["skip"]
        person.say("11/3")
        assert "45 days end on December 18, 2026" in person.text()

        actions = [action for actor, action, _ in audit_events(console.repository) if actor == "sam"]
        assert actions.count("case.reply") == 2 and "case.take_over" in actions and "case.release" in actions
        [first_reply, second_reply] = [d for _, a, d in audit_events(console.repository) if a == "case.reply"]
        assert first_reply == {"channel": "web", "parts": 1}
        assert second_reply == {"channel": "web", "parts": 1, "started_from": "call_at"}


def test_polling_does_not_keep_an_idle_chat_open(database_url, clock):
    with running_console(database_url, clock, web_chat_session_minutes=30) as console:
        person = ChatPerson(console.base)
        clock.now += timedelta(minutes=20)
        assert poll(person).status_code == 200
        clock.now += timedelta(minutes=20)                 # 40 minutes since the person last wrote
        response = poll(person)
        assert response.status_code == 401
        assert response.json() == {"error": "This chat session has ended. To continue, use your code."}


def test_a_confirmed_completion_shows_in_the_chat_when_the_person_comes_back(database_url, clock):
    with running_console(database_url, clock) as console:
        person = ChatPerson(console.base)
        person.say("yes")
        person.say("1")
        for _ in range(80):
            if "completion code" in person.text():
                break
            person.say("skip")
        assert "the check page will say so" in person.text()
        httpx.post(f"{console.base}/chat/api/exit", json={}, headers={"x-chat-token": person.token})
        case_id = only_screening(console.repository)
        console.add_account("sam", "screener")
        sam = console.sign_in("sam")
        token = csrf_of(sam.get(f"/review/cases/{case_id}").text)
        assert sam.post(f"/review/cases/{case_id}/confirm", data={"csrf": token}).status_code == 303
        back = resume(person)
        [confirmed] = [m for m in back["messages"] if "a screener confirmed that you finished" in m["text"]]
        assert confirmed["from"] == "assistant"
        [details] = [d for _, a, d in audit_events(console.repository) if a == "case.confirm_completion"]
        assert details == {"person_texted": False, "person_told_in_chat": True}


def test_a_person_chatting_in_spanish_is_told_in_spanish(database_url, clock):
    with running_console(database_url, clock) as console:
        person = ChatPerson(console.base, language="es")
        person.say("sí")
        case_id = only_screening(console.repository)
        console.add_account("boss", "supervisor")
        boss = Screener(console.sign_in("boss"), case_id)
        page = boss.page()
        assert "Your reply to the person" not in page               # not theirs until they take over
        assert boss.take_over().status_code == 303
        page = boss.page()
        assert "Your reply to the person (Spanish)" in page and "¿Está a salvo ahora mismo?" in page
        [notice] = poll(person).json()["messages"]
        assert notice["text"].startswith("Una persona capacitada de nuestro equipo está con usted ahora.")
        assert boss.release().status_code == 303
        said = "\n".join(m["text"] for m in poll(person).json()["messages"])
        assert said.startswith("La persona capacitada salió de este chat. Soy el asistente otra vez.")

