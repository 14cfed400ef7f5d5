"""People screened through the engine, for the console's tests (list, case view, purge)."""
from __future__ import annotations

from screening.dialogue.engine import ScreeningEngine

from .person import Person

XSS_WORDS = "I need a place to stay <script>window.__pwned=1</script> <img src=x onerror=\"window.__pwned=2\">"


def screen(engine: ScreeningEngine, sender: str, *, needs: str = "skip", before: tuple[str, ...] = (),
           complete: bool = True, channel: str = "sms", language_reply: str = "1") -> Person:
    """Consent, a language, then `before` (e.g. asking for a person), a citation date,
    the person's needs in their own words, then (when `complete`) skip to the end."""
    person = Person(engine, sender=sender, channel=channel)
    person.send("hi")
    person.send("yes")
    if channel == "sms":
        person.send("no")           # no reminders
    person.send(language_reply)
    for text in before:
        person.send(text)
    person.send("11/3")
    person.send(needs)
    if "Which matters most" in person.last or "Cuál" in person.last:
        person.send("ok")
    if complete:
        for _ in range(80):
            if "completion code" in person.send("skip") or "código" in person.last:
                break
        else:
            raise AssertionError("the screening never finished")
    return person
