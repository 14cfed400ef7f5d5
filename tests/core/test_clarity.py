"""Understanding and clarity, in whole conversations through the engine: honest about
being automated, a welcome that says what a person needs to decide, one deadline clock
from the date on the ticket, a clear "what happens next", and both program modes.

Each test runs on SQLite and on PostgreSQL (see the `database_url` fixture).
"""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from screening.dialogue.catalog import Catalog
from screening.dialogue.engine import ScreeningEngine
from screening.program import Program, StaffHours, load_program

from .person import Person
from .test_conversation import at_first_question, exported, start

VERIFY = "https://screening.example.org/verify"
BOSTON = Program(name="Boston Recovery Connect", retention_days=365)
VOLUNTARY = load_program({"PROGRAM_MODE": "voluntary", "PROGRAM_NAME": "Boston Recovery Connect"})


def engine_for(repository, clock, program: Program = BOSTON) -> ScreeningEngine:
    return ScreeningEngine(repository, clock=clock, program=program, verify_url=VERIFY)


def flags(repository) -> list[str]:
    [record] = exported(repository)
    return [f["kind"] for f in record["flags"]]


def finish(person: Person, contact: str = "4", *, town: str = "skip") -> str:
    """Skip everything to the end; `contact` answers how to reach them (4: do not contact)."""
    for _ in range(80):
        last = person.last
        if any(said in last for said in ("completion code", "Your code is", "código de finalización",
                                         "Su código es")):
            return last
        if "ZIP code or town" in last or "código postal" in last:
            person.send(town)
        elif "reach you" in last or "Cómo prefiere" in last:
            person.send(contact)
        elif "phone number should" in last or "número de teléfono" in last:
            person.send("617-555-0100")
        else:
            person.send("skip" if "Reply" in last or "Question" in last else "saltar")
    raise AssertionError(f"the screening never finished: {person.last}")


# ----------------------------------------------------------------- 3. honest about itself
@pytest.mark.parametrize("question", ["is this a bot?", "Am I talking to a real person?", "are you a robot",
                                      "Is this a real person?", "r u a bot"])
def test_is_this_a_bot_gets_a_true_answer_then_the_same_question(repository, clock, question):
    person = Person(engine_for(repository, clock))
    at_first_question(person)
    reply = person.send(question, intent="request_human", confidence=0.97)   # the model's guess is overruled
    assert "I am an automated assistant, not a person" in reply
    assert "Trained staff read every needs check" in reply and "reply PERSON" in reply
    assert "What is your living situation today?" in reply                    # the current question again
    assert "let our staff know" not in reply
    assert flags(repository) == []                                            # not a request for a person
    [record] = exported(repository)
    assert "ahc_1" not in record["answers"]
    assert "Think about the place you live" in person.send("2")               # and the screening goes on


@pytest.mark.parametrize("question", ["¿eres una persona real?", "¿Es un robot?", "es usted una persona?"])
def test_the_same_in_spanish(repository, clock, question):
    person = Person(engine_for(repository, clock))
    person.send("hola")
    reply = person.send(question, intent="request_human", confidence=0.97)
    assert "Soy un asistente automático, no una persona" in reply and "responda PERSONA" in reply
    assert "¿Quiere empezar?" in reply
    assert flags(repository) == []


def test_asking_for_a_real_person_is_still_a_request_for_a_person(repository, clock):
    person = Person(engine_for(repository, clock))
    at_first_question(person)
    assert "let our staff know" in person.send("real person")
    assert flags(repository) == ["person_requested"]


def test_the_bot_question_is_answered_when_paused_and_after_the_end(repository, clock):
    person = Person(engine_for(repository, clock))
    at_first_question(person)
    person.send("pause")
    reply = person.send("are you a bot")
    assert "automated assistant" in reply and "What is your living situation today?" in reply
    finish(person)
    assert "automated assistant" in person.send("is this a bot")
    assert flags(repository) == []


# ------------------------------------------------------------------------- 4. the welcome
def welcome_of(reply: str) -> list[str]:
    return reply.split("\n")[:-1]      # the messages before the consent question


def test_the_welcome_says_what_a_person_needs_to_decide_in_three_short_messages(repository, clock):
    reply = Person(engine_for(repository, clock)).send("hi")
    welcome = welcome_of(reply)
    assert len(welcome) <= 3 and all(len(message) <= 320 for message in welcome)
    text = " ".join(welcome)
    for said in ("automated assistant", "run by Boston Recovery Connect", "not the police or the court",
                 "about 10 minutes", "skip any question", "does not mean you admit anything",
                 "We keep your answers for about 1 year", "Only our trained staff see them",
                 "The court only learns that you finished", "within 45 days from the date on your ticket"):
        assert said in text, said
    assert "Do you want to start?" in reply.split("\n")[-1] and "WHY" in reply


def test_why_at_the_start_tells_the_rest(repository, clock):
    person = Person(engine_for(repository, clock))
    person.send("hi")
    reply = person.send("why")
    assert "it is your choice" in reply and "you will not get in more trouble" in reply
    reply = person.send("what do you ask about?")       # not understood: what we ask, who reads it
    assert "home, food, money, work, health and legal needs" in reply and "not the police" in reply


@pytest.mark.parametrize("days, said", [(30, "30 days"), (90, "about 3 months"), (365, "about 1 year"),
                                        (730, "about 2 years")])
def test_the_welcome_says_how_long_answers_are_kept_from_the_settings(repository, clock, days, said):
    program = load_program({"PROGRAM_RETENTION_DAYS": str(days)})
    assert f"We keep your answers for {said}." in Person(engine_for(repository, clock, program)).send("hi")


def test_the_spanish_welcome(repository, clock):
    welcome = welcome_of(Person(engine_for(repository, clock)).send("hola"))
    assert len(welcome) <= 3
    text = " ".join(welcome)
    for said in ("asistente automático", "lo hace Boston Recovery Connect", "no la policía ni la corte",
                 "unos 10 minutos", "que admita nada", "por más o menos 1 año", "La corte solo sabrá"):
        assert said in text, said


# --------------------------------------------------------------------- 5. what happens next
def test_the_end_says_who_confirms_when_where_to_check_and_the_deadline(repository, clock):
    person = Person(engine_for(repository, clock), channel="web")
    start(person)
    person.send("11/3")
    summary = finish(person)
    assert "You do not need to do anything else" not in summary
    [record] = exported(repository)
    assert f"Your completion code is {record['completion_code']}" in summary
    assert f"You or a court clerk can check the code on this page: {VERIFY}" in summary
    assert "You finished before your 45 days end on December 18, 2026" in summary
    assert "a trained screener will read your answers and confirm that you finished" in summary
    assert "Our staff work Monday to Friday, 9 AM to 5 PM" in summary
    assert "When it is confirmed, the check page will say so" in summary
    assert "reach out the way you chose" not in summary                      # they asked not to be contacted


def test_without_a_ticket_date_the_end_counts_from_the_ticket_in_plain_words(repository, clock):
    person = Person(engine_for(repository, clock), channel="web")
    at_first_question(person)
    summary = finish(person)
    assert "It counts if today is within 45 days from the date on your ticket" in summary
    assert "December" not in summary.split("completion code")[1].split("\n", 1)[1]   # no deadline date made up


def test_by_sms_with_texts_chosen_the_end_promises_a_text_when_confirmed(repository, clock):
    person = Person(engine_for(repository, clock), sender="sms:" + "a" * 64, channel="sms")
    at_first_question(person)
    summary = finish(person, contact="1")                                     # text me
    assert "We will send you a text when it is confirmed" in summary
    assert "A screener may also reach out the way you chose" in summary


def test_by_sms_without_contact_the_end_points_to_the_page_instead(repository, clock):
    person = Person(engine_for(repository, clock), sender="sms:" + "b" * 64, channel="sms")
    at_first_question(person)
    summary = finish(person, contact="4")
    assert "We will send you a text" not in summary and "the check page will say so" in summary


def test_the_staff_hours_come_from_the_settings(repository, clock):
    program = load_program({"PROGRAM_STAFF_HOURS": "24/7"})
    person = Person(engine_for(repository, clock, program), channel="web")
    at_first_question(person)
    assert "Our staff work any time, day or night" in finish(person)


# --------------------------------------------------------------------------- 6. one clock
def test_with_a_ticket_date_every_message_names_the_deadline_and_the_screening_closes_then(repository, clock):
    person = Person(engine_for(repository, clock))
    start(person)
    assert "Your 45 days end on December 18, 2026" in person.send("11/3")    # started Nov 24: 21 days in
    assert "Please finish by December 18, 2026" in person.send("pause")
    clock.now += timedelta(days=24)                                           # December 18, the last day
    reply = person.send("hi")
    assert "Welcome back" in reply and "What would help you most" in reply
    assert "send any message by December 18, 2026" in person.send("exit")
    clock.now += timedelta(days=1)                                            # December 19
    reply = person.send("hi")
    assert "Your 45 days ended on December 18, 2026, so this needs check is closed now" in reply
    assert "start a new one? Reply YES" in reply


def test_without_a_ticket_date_messages_count_from_the_ticket_and_the_start_closes_it(repository, clock):
    person = Person(engine_for(repository, clock))
    at_first_question(person)
    assert "Please finish within 45 days from the date on your ticket" in person.send("pause")
    clock.now += timedelta(days=45)
    assert "What is your living situation today?" in person.send("hi")       # the ticket came on or before the start
    clock.now += timedelta(days=1)
    assert "Your 45 days from the date on your ticket are over" in person.send("hi")


def test_a_person_already_late_can_still_finish(repository, clock):
    person = Person(engine_for(repository, clock))
    start(person)
    assert "Your 45 days ended on October 16, 2026. Please finish anyway" in person.send("9/1")
    assert "Please finish as soon as you can" in person.send("pause")
    clock.now += timedelta(days=30)
    assert "What would help you most" in person.send("hi")
    summary = finish(person)
    assert "Your 45 days ended on October 16, 2026. A screener will look at your case" in summary


def test_declining_says_when_the_person_can_come_back(repository, clock):
    person = Person(engine_for(repository, clock))
    person.send("hi")
    assert "You can come back within 45 days from the date on your ticket" in person.send("no")


# --------------------------------------------------------------------- 7b. voluntary mode
COURT_WORDS = re.compile(
    r"\b(court|courts|fine|fines|ticket|tickets|citation|citations|deadline|clerk|45|"
    r"corte|tribunal|multa|multas|citación|citacion|plazo|empleado de la corte)\b", re.IGNORECASE)
# The legal-needs checklist names a kind of legal help, not this program's court.
LEGAL_HELP_OPTION = re.compile(r"housing court or eviction|corte de vivienda o desalojo", re.IGNORECASE)


def court_wording(transcript: str) -> list[str]:
    return COURT_WORDS.findall(LEGAL_HELP_OPTION.sub("", transcript))


VOLUNTARY_EN = ["hi", "is this a bot?", "why", "what is this?", "yes", "1", "pause", "hi", "food", "why",
                "help", "exit", "hi", "2", "skip", "back", "skip", "skip", "skip"]
VOLUNTARY_ES = ["hola", "¿es un robot?", "por qué", "sí", "pausa", "hola", "comida", "por qué", "ayuda",
                "salir", "hola", "2", "saltar", "volver", "saltar", "saltar", "saltar"]


@pytest.mark.parametrize("channel", ["sms", "web"])
@pytest.mark.parametrize("language, messages", [("en", VOLUNTARY_EN), ("es", VOLUNTARY_ES)])
def test_a_whole_voluntary_conversation_never_speaks_of_a_court_a_fine_or_a_deadline(
        repository, clock, channel, language, messages):
    person = Person(engine_for(repository, clock, VOLUNTARY), sender=f"sms:{'c' * 64}", channel=channel)
    transcript = []
    for text in messages:
        transcript.append(person.send(text))
    transcript.append(finish(person, contact="1"))
    for text in ("more", "town", "boston") if language == "en" else ("más", "pueblo", "boston"):
        transcript.append(person.send(text))
    transcript.append(person.send("hi"))
    clock.now += timedelta(days=60)
    transcript.append(person.send("hi"))                                     # an old one: start anew?
    transcript.append(person.send("yes" if language == "en" else "sí"))
    transcript.append(person.send("no"))                                     # declines the new one
    whole = "\n".join(transcript)
    assert court_wording(whole) == [], court_wording(whole)
    assert ("Which language" in whole) == (language == "en")
    assert "date on your ticket" not in whole and "fecha" not in whole       # no date step
    records = exported(repository)
    assert records[0]["status"] == "completed" and records[0]["citation_date"] is None
    assert records[0]["deadline"] is None and records[0]["completion_code"]
    code_said = "It is a record that you finished" if language == "en" else "Es un registro de que terminó"
    assert code_said in whole and "Boston Recovery Connect" in whole


def test_voluntary_mode_asks_for_needs_right_after_consent(repository, clock):
    person = Person(engine_for(repository, clock, VOLUNTARY))
    person.send("hi")
    person.send("yes")
    assert "What would help you most" in person.send("1")


def test_fine_waiver_is_the_default_and_asks_the_date(repository, clock, monkeypatch):
    monkeypatch.delenv("PROGRAM_MODE", raising=False)
    person = Person(ScreeningEngine(repository, clock=clock))
    start(person)
    assert "What date is on your ticket" in person.last


# --------------------------------------------------------------------------- the catalog
@pytest.mark.parametrize("text, en, es", [
    ("Mon-Fri 09:00-17:00", "Monday to Friday, 9 AM to 5 PM", "de lunes a viernes, de 9 de la mañana a 5 de la tarde"),
    ("Mon,Wed,Fri 08:30-12:00", "Monday, Wednesday and Friday, 8:30 AM to 12 PM",
     "lunes, miércoles y viernes, de 8:30 de la mañana a 12 de la tarde"),
    ("Sat 10:00-20:00", "Saturday, 10 AM to 8 PM", "sábado, de 10 de la mañana a 8 de la noche"),
    ("Mon-Sun 09:00-17:00", "7 days a week, 9 AM to 5 PM", "los 7 días de la semana, de 9 de la mañana a 5 de la tarde"),
    ("24/7", "any time, day or night", "a cualquier hora, de día o de noche"),
])
def test_staff_hours_are_said_plainly(text, en, es):
    catalog = Catalog()
    hours = StaffHours.parse(text)
    assert catalog.staff_hours("en", hours) == en
    assert catalog.staff_hours("es", hours) == es


@pytest.mark.parametrize("days, en, es", [(14, "14 days", "14 días"), (180, "about 6 months", "unos 6 meses"),
                                          (365, "about 1 year", "más o menos 1 año"),
                                          (1095, "about 3 years", "unos 3 años")])
def test_retention_is_said_plainly(days, en, es):
    assert Catalog().keep_for("en", days) == en and Catalog().keep_for("es", days) == es


def test_a_voluntary_catalog_uses_its_own_words_and_falls_back_to_the_shared_ones():
    fine, voluntary = Catalog(), Catalog(VOLUNTARY)
    assert "fine" in fine.say("en", "why_consent") and "fine" not in voluntary.say("en", "why_consent")
    assert voluntary.say("en", "consent_reask") == fine.say("en", "consent_reask")
    assert "Boston Recovery Connect" in voluntary.say("en", "sms.help")


# ------------------------------------------------------------------- settings to engine
def test_the_service_builds_the_engine_from_the_program_settings(sqlite_url, monkeypatch):
    from dataclasses import replace

    from screening.config import Settings
    from screening.service import build_engine
    from ..conftest import ENCRYPTION_KEY, SECRET_KEY

    monkeypatch.setenv("PROGRAM_MODE", "voluntary")
    monkeypatch.setenv("PROGRAM_NAME", "Worcester Connect")
    monkeypatch.setenv("PROGRAM_RETENTION_DAYS", "180")
    settings = Settings(database_url=sqlite_url, encryption_key=ENCRYPTION_KEY, secret_key=SECRET_KEY,
                        redis_url=None, public_base_url="https://screening.example.org", app_port=8000)
    engine = build_engine(settings)
    assert engine.program.mode == "voluntary" and engine.program.name == "Worcester Connect"
    assert engine.verify_url == "https://screening.example.org/verify"
    assert engine.catalog.program is engine.program
    welcome = Person(engine).send("hi")
    assert "run by Worcester Connect" in welcome and "about 6 months" in welcome and "court" not in welcome
    engine.repository.engine.dispose()
    assert build_engine(replace(settings), Program(name="Given")).program.name == "Given"
