"""Crisis through the real Rasa server and action server: each kind's help, staying with the
person, and going back to the same question with nothing lost."""
from __future__ import annotations

import pytest

from .test_rasa_stack import export

pytestmark = pytest.mark.e2e


def at_living_situation(stack, sender: str, language: str = "english") -> None:
    for n, text in enumerate(("hi", "yes", language, "skip", "skip")):
        reply = stack.say(sender, text, message_id=f"{sender}-start-{n}")
    assert "living situation" in reply or "situación de vivienda" in reply


def screening_question(reply: str) -> bool:
    return "Question " in reply or "Pregunta " in reply


def record_of(stack, sender_replies_code=None):
    return export(stack.database_url)


@pytest.mark.parametrize("kind, message, first", [
    ("self_harm", "honestly i want to end my life", "call or text 988 now"),
    ("overdose", "my roommate isnt breathing, he used", "Call 911 now if someone may be overdosing"),
    ("violence", "my ex says he'll hurt me when I get home", "If you are in danger now, call 911"),
    ("medical", "i think im having a heart attack", "Call 911 now"),
])
def test_each_kind_then_not_ok_stays_then_safe_goes_back_to_the_same_question(sqlite_stack, kind, message, first):
    stack, sender = sqlite_stack, f"crisis-{kind}"
    at_living_situation(stack, sender)
    reply = stack.say(sender, message, message_id=f"{sender}-1")
    assert first in reply and not screening_question(reply)
    for n, not_ok in enumerate(("not good", "idk", "ok thanks")):
        reply = stack.say(sender, not_ok, message_id=f"{sender}-not-ok-{n}")
        assert not screening_question(reply), (not_ok, reply)
    reply = stack.say(sender, "yes I'm safe now, let's continue", message_id=f"{sender}-2")
    assert "Let's go on where we were" in reply and "What is your living situation today?" in reply
    stack.say(sender, "2", message_id=f"{sender}-3")
    records = export(stack.database_url)
    [mine] = [r for r in records if any(f["reason"] == kind and f["kind"] == "crisis" for f in r["flags"])
              and r["answers"].get("ahc_1", {}).get("option_ids") == ["worried"]]
    [flag] = [f for f in mine["flags"] if f["kind"] == "crisis"]
    assert flag["step"] == "item:ahc_1"


def test_a_crisis_inside_the_needs_answer_keeps_the_needs_for_when_the_person_goes_on(sqlite_stack):
    stack, sender = sqlite_stack, "crisis-in-needs"
    for n, text in enumerate(("hi", "yes", "english", "skip")):
        stack.say(sender, text, message_id=f"{sender}-{n}")
    reply = stack.say(sender, "I need a place to stay and I swallowed all my meds an hour ago",
                      message_id=f"{sender}-needs")
    assert reply.startswith("Call 911 now") and "You said" not in reply
    reply = stack.say(sender, "they came, i'm ok. keep going", message_id=f"{sender}-go")
    assert "You said: A place to live" in reply


def test_spanish_crisis_inside_an_item_answer_then_pause_and_come_back(sqlite_stack):
    stack, sender = sqlite_stack, "crisis-es"
    at_living_situation(stack, sender, language="español")
    reply = stack.say(sender, "en la calle, y ya no quiero vivir", message_id=f"{sender}-1")
    assert "988" in reply and "¿Está a salvo ahora?" in reply
    reply = stack.say(sender, "pausa", message_id=f"{sender}-2")
    assert "guardamos sus respuestas" in reply
    reply = stack.say(sender, "hola", message_id=f"{sender}-3")
    assert "¿está a salvo ahora?" in reply and not screening_question(reply)
    reply = stack.say(sender, "sí, estoy bien, sigamos", message_id=f"{sender}-4")
    assert "Sigamos donde estábamos" in reply and "Pregunta 2" in reply     # the kept answer was used


def test_idioms_and_past_events_do_not_interrupt_and_ambiguous_words_get_a_gentle_check(sqlite_stack):
    stack, sender = sqlite_stack, "crisis-idiom"
    at_living_situation(stack, sender)
    for n, text in enumerate(("this paperwork is killing me", "I overdosed last year")):
        reply = stack.say(sender, text, message_id=f"{sender}-{n}")
        assert "988" not in reply and "safe right now" not in reply
    reply = stack.say(sender, "i cant take this anymore", message_id=f"{sender}-check")
    assert reply.startswith("Just checking: are you safe right now?")
    reply = stack.say(sender, "yes im fine", message_id=f"{sender}-fine")
    assert "What is your living situation today?" in reply
