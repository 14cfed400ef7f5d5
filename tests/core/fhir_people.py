"""Whole screenings for the FHIR export tests, driven by the step the screening is at, with
details that must never leave the database: the person's phone number, their name, what they typed."""
from __future__ import annotations

from screening.dialogue.engine import ScreeningEngine
from screening.instrument import default_instrument
from screening.records.repository import Repository

from .person import Person

PHONE = "+16175550123"
NAME = "Marisol Quintanilla"
NEEDS_WORDS = {"en": f"I am {NAME} and I need somewhere to stay, food and drug treatment",
               "es": f"Soy {NAME} y necesito un lugar donde vivir, comida y tratamiento para las drogas"}
OWN_WORDS = f"{NAME} here, call me at 617 555 0123 about the landlord on Quince Street"
CRISIS_WORDS = "I want to kill myself tonight"
STATES = ("answered", "skipped", "partial", "stopped", "crisis")


def screening_step(repository: Repository, screening_ids_before: set[str]) -> tuple[str, str, str]:
    """(id, step, status) of the screening this person started (the one not in `screening_ids_before`)."""
    with repository.transaction() as unit:
        rows = unit.conn.exec_driver_sql("SELECT id, step, status FROM screenings").fetchall()
    [row] = [r for r in rows if r[0] not in screening_ids_before]
    return row[0], row[1], row[2]


def screen_fully(engine: ScreeningEngine, repository: Repository, sender: str, *, language: str, state: str,
                 answer: str = "2") -> str:
    """One person's whole screening in `state`; the screening's id."""
    with repository.transaction() as unit:
        before = {r[0] for r in unit.conn.exec_driver_sql("SELECT id FROM screenings")}
    person = Person(engine, sender=sender, channel="sms")
    person.send("hi")
    yes = "yes" if language == "en" else "sí"
    items_seen = 0
    crisis_sent = False
    for _ in range(120):
        _id, step, status = screening_step(repository, before)
        kind, _sep, name = step.partition(":")
        if status in ("completed", "stopped") and step == "done":
            break
        if kind == "consent":
            person.send(yes)
        elif kind == "reminders":
            person.send(yes)
        elif kind == "language":
            person.send("1" if language == "en" else "2")
        elif kind == "citation":
            person.send("11/3")
        elif kind == "needs":
            person.send(NEEDS_WORDS[language])
        elif kind == "needs_rank":
            person.send("1 2 3")
        elif kind == "permission":
            person.send(yes)
        elif kind == "item":
            items_seen += 1
            if state == "partial" and items_seen > 5:
                break
            if state == "stopped" and items_seen > 6:
                person.send("EXIT" if language == "en" else "SALIR")
                break
            if state == "crisis" and items_seen == 3 and not crisis_sent:
                crisis_sent = True
                person.send(CRISIS_WORDS)
                person.send("yes I'm safe, let's go on" if language == "en" else "sí, estoy a salvo, sigamos")
                continue
            item = default_instrument().item(name)
            own_words = [o.number for o in item.options if o.asks_text]
            # An option that asks for the person's own words, where there is one: they must never be exported.
            chosen = str(own_words[0]) if own_words and item.kind == "single" else answer
            person.send("skip" if state == "skipped" else chosen)
        elif kind == "item_text":
            person.send(OWN_WORDS)
        elif kind == "location":
            person.send("02118")
        elif kind == "location_choice":
            person.send("1")
        elif kind == "contact":
            person.send("1")
        elif kind == "contact_detail":
            person.send("617 555 0123")
        else:
            break
    else:
        raise AssertionError(f"the screening never ended (at {step})")
    return screening_step(repository, before)[0]
