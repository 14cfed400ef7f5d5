"""Whole screenings through the core engine, as a person would have them.

Each test runs on SQLite and on PostgreSQL (see the `database_url` fixture).
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from screening.dialogue.engine import ScreeningEngine
from screening.export import screening_records
from screening.records import models as m

from .person import Person

# Answers that walk the whole instrument in its default order (no needs named).
DEFAULT_ORDER_ANSWERS = [
    ("ahc_1", "2"), ("ahc_2", "1 2"), ("ahc_3", "often true"), ("ahc_4", "3"), ("ahc_6", "no"),
    ("ahc_5", "yes"), ("ahc_11", "somewhat hard"), ("ahc_12", "1"), ("legal_needs", "2 4"),
]


def stored(repository, query):
    with repository.transaction() as unit:
        return unit.conn.execute(query).all()


def exported(repository):
    with repository.transaction() as unit:
        return list(screening_records(unit))


def start(person: Person, language_reply: str = "1", reminders: str = "no") -> None:
    """Consent and the language; by text, the reminders question in between (`reminders` answers it)."""
    assert "needs check" in person.send("hi")
    assert "Question" not in person.last
    reply = person.send("yes")
    if person.channel == "sms":
        assert "May we text you a reminder if you stop before finishing?" in reply
        reply = person.send(reminders)
    assert "Which language" in reply
    person.send(language_reply)


def at_first_question(person: Person) -> None:
    """Consent, English, no citation date, no needs named: the living situation question is next."""
    start(person)
    person.send("skip")
    person.send("skip")
    assert "What is your living situation today?" in person.last


def test_happy_path_in_english_stores_every_answer_and_ends_with_a_code(engine, repository):
    person = Person(engine)
    start(person)
    assert "What date is on your ticket" in person.last
    assert "December 18, 2026" in person.send("11/3")              # 11/3 + 45 days
    reply = person.send("I need somewhere to stay and help with my court stuff")
    assert "A place to live, Legal help" in reply
    assert "Which matters most" in reply
    reply = person.send("2 1")
    assert "start with legal help" in reply
    # The person's first need decides the first block: the legal checklist.
    assert "Question 1 of" in reply and "legal help with any of these" in reply
    assert "Question 2 of" in person.send("1 2")
    assert "What is your living situation today?" in person.last
    person.send("3")
    assert "Think about the place you live" in person.last
    person.send("none")
    person.send("sometimes")       # ahc_3
    person.send("never true")      # ahc_4
    person.send("no")              # ahc_6 utilities
    person.send("no")              # ahc_5 transportation
    person.send("very hard")       # ahc_11
    person.send("3")               # ahc_12
    assert "how you have been feeling" in person.last
    assert "others who use this phone" in person.last       # privacy before the first sensitive part
    assert "Little interest or pleasure" in person.send("yes")
    person.send("1")               # 23a not at all
    person.send("not at all")      # 23b
    assert "Stress means" in person.last                     # PHQ-9 item 9 not asked: PHQ-2 negative
    person.send("a little bit")
    assert "drinking, smoking and drug use" in person.last
    assert "Which word fits you" in person.send("ok")
    assert "4 or more drinks" in person.send("4")             # prefer not to say: the lower threshold
    person.send("never")
    person.send("daily")
    person.send("never")
    person.send("weekly")
    assert "your safety" in person.last
    person.send("yes")
    for answer in ("never", "rarely", "never", "never"):
        person.send(answer)
    assert "ZIP code or town" in person.last
    assert "near Boston" in person.send("02118")
    person.send("4")                # do not contact
    summary = person.last
    assert "You finished" in summary
    assert "What you said you need most: Legal help, A place to live" in summary
    assert "Your completion code is" in summary
    assert "December 18, 2026" in summary

    [record] = exported(repository)
    assert record["status"] == "completed"
    assert record["self_identified_needs"] == ["legal", "housing"]
    assert record["citation_date"] == "2026-11-03" and record["deadline"] == "2026-12-18"
    assert record["location"] == {"zip": "02118", "town": "Boston"}
    assert record["answers"]["legal_needs"]["option_ids"] == ["eviction", "record_sealing"]
    assert record["answers"]["ahc_1"]["option_ids"] == ["not_steady"]
    assert record["answers"]["ahc_1"]["loinc"] == "71802-3"
    assert record["answers"]["gender"]["option_ids"] == ["prefer_not_to_say"]
    assert record["answers"]["ahc_20"]["option_ids"] == ["daily"]
    assert "phq9_9" not in record["answers"]
    assert record["domains"]["housing_instability"]["positive"] is True
    assert record["domains"]["substance_use"]["positive"] is True
    assert record["domains"]["safety"] == {"need": "safety", "positive": False, "complete": True, "score": 5}
    assert record["domains"]["depression"]["positive"] is False
    assert record["completion_code"] and record["completion_code"] in summary
    assert len(record["answers"]) == 21


def test_happy_path_in_spanish_from_the_first_message(engine, repository):
    person = Person(engine)
    assert "Hola" in person.send("hola, necesito ayuda")
    assert "¿Qué fecha tiene su citación?" in person.send("sí")   # language chosen already: not asked again
    person.send("ayer")
    assert "Comida" in person.send("comida y trabajo")
    person.send("ok")
    reply = person.last
    assert "Pregunta 1 de" in reply and "Algunas personas han hecho" in reply
    [record] = exported(repository)
    assert record["language"] == "es"
    assert record["self_identified_needs"] == ["food", "employment"]
    person.send("a veces")
    [record] = exported(repository)
    assert record["answers"]["ahc_3"]["option_ids"] == ["sometimes_true"]
    assert record["answers"]["ahc_3"]["translation_review"] == "translation not yet reviewed"


def test_skipping_everything_still_completes(engine, repository):
    person = Person(engine)
    start(person)
    for _ in range(60):
        reply = person.send("skip")
        if "completion code" in reply:
            break
    else:
        pytest.fail("the screening never finished")
    [record] = exported(repository)
    assert record["status"] == "completed"
    assert all(a["skipped"] for a in record["answers"].values())
    sensitive = {"ahc_23a", "ahc_23b", "ahc_24", "gender", "ahc_19", "ahc_20", "ahc_21", "ahc_22",
                 "ahc_7", "ahc_8", "ahc_9", "ahc_10"}
    assert {i for i, a in record["answers"].items() if a["skip_reason"] == "block_declined"} == sensitive
    assert all(d["positive"] is None for d in record["domains"].values())


def test_why_inside_a_question_explains_and_keeps_the_question(engine, repository):
    person = Person(engine)
    at_first_question(person)
    reply = person.send("why are you asking?")
    assert "steady place to live matters" in reply
    assert "Reply with a number from 1 to 3" in reply
    person.send("1")
    [record] = exported(repository)
    assert record["answers"]["ahc_1"]["option_ids"] == ["steady"]


def test_pause_and_come_back_days_later_after_a_restart(engine, repository, clock):
    person = Person(engine)
    at_first_question(person)
    person.send("2")                                  # ahc_1
    assert "saved your answers" in person.send("I'll finish later")
    clock.now += timedelta(days=6)
    restarted = ScreeningEngine(repository, clock=clock)   # a new process: nothing in memory
    again = Person(restarted)
    reply = again.send("hello")
    assert "Welcome back" in reply and "Think about the place you live" in reply
    again.send("mold")
    [record] = exported(repository)
    assert record["status"] == "started"
    assert record["answers"]["ahc_1"]["option_ids"] == ["worried"]
    assert record["answers"]["ahc_2"]["option_ids"] == ["mold"]


def test_crisis_mid_question_gives_lines_flags_and_lets_the_person_continue(engine, repository):
    person = Person(engine)
    at_first_question(person)
    reply = person.send("honestly i want to die")
    assert "988" in reply and "911" in reply and "833-773-2445" in reply
    assert "Are you safe right now?" in reply
    reply = person.send("ok")
    assert "What is your living situation today?" not in reply     # "ok" alone is not "I am safe"
    reply = person.send("yes, I'm safe. let's go on")
    assert "What is your living situation today?" in reply
    [record] = exported(repository)
    assert [(f["kind"], f["reason"]) for f in record["flags"]] == [("crisis", "self_harm")]
    assert "ahc_1" not in record["answers"]           # the crisis message was not taken as an answer


def test_overdose_now_gives_naloxone_steps(engine):
    person = Person(engine)
    start(person)
    reply = person.send("my friend is overdosing")
    assert "naloxone" in reply and "911" in reply


def test_phq2_positive_asks_item_9_and_a_positive_answer_starts_the_crisis_path(engine, repository):
    person = Person(engine)
    start(person)
    person.send("skip")
    person.send("mental health")       # the person's need brings that block first
    assert "how you have been feeling" in person.last
    person.send("yes")
    person.send("nearly every day")
    reply = person.send("several days")
    assert "better off dead" in reply
    reply = person.send("several days")
    assert "988" in reply
    [record] = exported(repository)
    assert record["domains"]["depression"]["positive"] is True
    assert record["domains"]["self_harm_thoughts"]["positive"] is True
    assert {"kind": "crisis", "reason": "self_harm"}.items() <= record["flags"][0].items()
    assert "Stress means" not in person.send("ok")
    assert "Stress means" in person.send("I'm safe, go on")


def test_asking_for_a_person_flags_the_screening_and_goes_on(engine, repository):
    person = Person(engine)
    start(person)
    reply = person.send("can i talk to a real person")
    assert "let our staff know" in reply and "What date is on your ticket" in reply
    [record] = exported(repository)
    assert record["flags"][0]["kind"] == "person_requested"


def test_declining_consent_ends_kindly_with_lines_and_nothing_asked(engine, repository):
    person = Person(engine)
    person.send("hi")
    reply = person.send("no")
    assert "That is OK" in reply and "211" in reply and "988" in reply
    [record] = exported(repository)
    assert record["consent"] is False and record["status"] == "stopped" and record["answers"] == {}
    assert "Do you want to start" in person.send("hello again")
    assert "Which language" in person.send("yes")


def test_switching_language_mid_way_keeps_every_answer(engine, repository):
    person = Person(engine)
    at_first_question(person)
    person.send("1")
    reply = person.send("español")
    assert "seguimos en español" in reply and "Piense en el lugar donde vive" in reply
    person.send("ninguno")
    assert "Pregunta 3 de" in person.last
    [record] = exported(repository)
    assert record["language"] == "es"
    assert record["answers"]["ahc_1"]["option_ids"] == ["steady"]
    assert record["answers"]["ahc_1"]["language"] == "en"
    assert record["answers"]["ahc_2"]["option_ids"] == ["none"]


@pytest.mark.parametrize("messy, item, expected", [
    ("two", "ahc_1", ["worried"]),
    ("#3", "ahc_1", ["not_steady"]),
    ("im staying in my car", "ahc_1", ["not_steady"]),
    ("sometims", "ahc_3", ["sometimes_true"]),
    ("yeah", "ahc_5", ["yes"]),
    ("nah", "ahc_5", ["no"]),
    ("👍", "ahc_5", ["yes"]),
    ("bugs and mold", "ahc_2", ["pests", "mold"]),
])
def test_messy_answers_land_on_the_right_option(engine, repository, messy, item, expected):
    person = Person(engine)
    at_first_question(person)
    answers = {"ahc_1": "1", "ahc_2": "none", "ahc_3": "never", "ahc_4": "never", "ahc_6": "no"}
    for current in ("ahc_1", "ahc_2", "ahc_3", "ahc_4", "ahc_6", "ahc_5"):
        if current == item:
            person.send(messy)
            break
        person.send(answers[current])
    [record] = exported(repository)
    assert record["answers"][item]["option_ids"] == expected


def test_idk_skips_kindly_and_repeated_confusion_offers_a_way_out(engine, repository):
    person = Person(engine)
    at_first_question(person)
    assert "Sorry, I did not get that" in person.send("purple")
    assert "It is OK to skip this one" in person.send("banana")
    assert "That is OK" in person.send("idk")
    [record] = exported(repository)
    assert record["answers"]["ahc_1"]["skipped"] and record["answers"]["ahc_1"]["skip_reason"] == "dont_know"


def test_back_changes_the_last_answer_and_keeps_history(engine, repository):
    person = Person(engine)
    at_first_question(person)
    person.send("1")
    reply = person.send("go back")
    assert "change your last answer" in reply and "What is your living situation today?" in reply
    person.send("3")
    assert "Think about the place you live" in person.last
    [record] = exported(repository)
    assert record["answers"]["ahc_1"]["option_ids"] == ["not_steady"]
    assert record["answers"]["ahc_1"]["times_changed"] == 1


def test_the_same_message_delivered_twice_is_answered_once(engine, repository):
    person = Person(engine)
    at_first_question(person)
    first = person.send("2", key="twilio-SM123")
    second = person.send("2", key="twilio-SM123")
    assert first == second
    assert stored(repository, select(func.count()).select_from(m.answers).where(m.answers.c.item_id == "ahc_1")) == [(1,)]
    [record] = exported(repository)
    assert "ahc_2" not in record["answers"]


@pytest.mark.parametrize("bad", ["", "   ", "x" * 5000, "😀😀😀", "\x00\x07\x1b[31m", "'; DROP TABLE answers;--",
                                 "<script>alert(1)</script>"])
def test_bad_input_gets_a_kind_reply_and_is_stored_safely(engine, repository, bad):
    person = Person(engine)
    start(person)
    reply = person.send(bad)
    assert reply.strip()
    assert "Traceback" not in reply
    rows = stored(repository, select(m.messages.c.body_enc).where(m.messages.c.direction == "in"))
    with repository.transaction() as unit:
        bodies = [unit.cipher.decrypt(r.body_enc) for r in rows]
    assert all(len(b) <= 1000 for b in bodies)
    assert all("\x00" not in b for b in bodies)
    assert exported(repository)[0]["status"] == "started"


def test_message_text_is_encrypted_at_rest(engine, repository):
    person = Person(engine, sender="+16175550123")
    start(person)
    person.send("skip")
    person.send("I need a place to stay, my landlord is evicting me")
    with repository.transaction() as unit:
        for table in m.metadata.sorted_tables:
            for row in unit.conn.execute(select(table)):
                flat = repr(tuple(row))
                assert "landlord" not in flat
                assert "6175550123" not in flat


def test_messages_from_one_person_arriving_at_once_are_each_handled_once_in_turn(engine, repository):
    """Two texts sent together (or a retry racing the original) must neither be lost nor doubled."""
    import threading

    person = Person(engine, sender="racing-person")
    at_first_question(person)
    barrier = threading.Barrier(8)
    errors = []

    def send(n):
        barrier.wait()
        try:
            Person(engine, sender="racing-person").send("skip", key=f"race-{n}")
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=send, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    [record] = exported(repository)
    # Eight skips, handled one after another: the first eight questions of the
    # default order, each skipped exactly once.
    skipped = [i for i, a in record["answers"].items() if a["skipped"]]
    assert sorted(skipped) == sorted(["ahc_1", "ahc_2", "ahc_3", "ahc_4", "ahc_6", "ahc_5", "ahc_11", "ahc_12"])
    assert all(a["times_changed"] == 0 for a in record["answers"].values())


# --- answers in people's own words, and confirming an unsure reading of needs --------------

def test_an_unsure_need_is_confirmed_before_it_is_stored(engine, repository):
    person = Person(engine)
    start(person)
    person.send("skip")                                       # no citation date
    reply = person.send("money")
    assert "I think you mean: Paying bills, heat or lights. Is that right?" in reply
    assert "Question" not in reply                            # nothing stored or asked yet
    assert exported(repository)[0]["self_identified_needs"] == []
    reply = person.send("yes")
    assert "You said: Paying bills, heat or lights" in reply
    assert exported(repository)[0]["self_identified_needs"] == ["utilities"]


def test_no_to_the_confirmation_asks_again_and_other_words_are_read_afresh(engine, repository):
    person = Person(engine)
    start(person)
    person.send("skip")
    assert "I think you mean: Rides or getting places" in person.send("my car")
    reply = person.send("no")
    assert "tell me again in other words" in reply and "A place to live" in reply   # the list again
    reply = person.send("I need a place to sleep, I'm in my car")
    assert "You said: A place to live." in reply
    assert exported(repository)[0]["self_identified_needs"] == ["housing"]


def test_other_words_instead_of_yes_replace_the_unsure_reading(engine, repository):
    person = Person(engine)
    start(person)
    person.send("skip")
    assert "I think you mean: Something else" in person.send("a stable situation")
    assert "You said: A place to live." in person.send("a stable home")
    [record] = exported(repository)
    assert record["self_identified_needs"] == ["housing"]


def test_an_old_unsure_reading_is_never_confirmed_later(engine, repository):
    person = Person(engine)
    start(person)
    person.send("skip")
    assert "Is that right?" in person.send("money")
    person.send("skip")                                       # skips the needs question
    assert "What would help you most" in person.send("go back")
    person.send("not food, I need work")
    assert exported(repository)[0]["self_identified_needs"] == ["employment"]


def test_negated_need_and_context_in_a_conversation(engine, repository):
    person = Person(engine)
    start(person)
    person.send("skip")
    reply = person.send("I don't need food, I need a job")
    assert "You said: A job or work." in reply
    assert exported(repository)[0]["self_identified_needs"] == ["employment"]


def _walk_to(person: Person, item_text: str, answers: list[str]) -> None:
    for answer in answers:
        if item_text in person.last:
            return
        person.send(answer)
    assert item_text in person.last


@pytest.mark.parametrize("answer, expected", [
    ("sleeping at a friend's for now", "not_steady"),
    ("renting but behind and might have to leave", "worried"),
    ("I don't have a steady place", "not_steady"),
    ("I have a place but I'm scared I'll lose it", "worried"),
    ("i own my house", "steady"),
])
def test_living_situation_in_own_words(engine, repository, answer, expected):
    person = Person(engine)
    at_first_question(person)
    person.send(answer)
    assert "Think about the place you live" in person.last
    assert exported(repository)[0]["answers"]["ahc_1"]["option_ids"] == [expected]


def test_frequencies_in_words_in_english(engine, repository):
    person = Person(engine)
    start(person)
    person.send("skip")
    person.send("help with my drinking")
    assert "Which word fits you" in person.send("yes")       # permission for the sensitive part
    assert "4 or more drinks" in person.send("prefer not to say")
    person.send("two or three times a month")                 # ahc_19
    person.send("a pack a day")                               # ahc_20
    person.send("no, I don't take pills")                     # ahc_21
    person.send("every other day")                            # ahc_22
    answers = exported(repository)[0]["answers"]
    assert answers["ahc_19"]["option_ids"] == ["monthly"]
    assert answers["ahc_20"]["option_ids"] == ["daily"]
    assert answers["ahc_21"]["option_ids"] == ["never"]
    assert answers["ahc_22"]["option_ids"] == ["weekly"]


def test_paraphrase_negation_and_frequency_in_spanish(engine, repository):
    person = Person(engine)
    assert "Hola" in person.send("hola")
    person.send("sí")
    person.send("no sé")                                      # no citation date
    person.send("no necesito comida, necesito un lugar donde vivir")
    assert "¿Cuál es su situación de vivienda hoy?" in person.last
    person.send("estoy en casa de mi hermano por un tiempo")
    person.send("ninguno")                                    # ahc_2
    [record] = exported(repository)
    assert record["self_identified_needs"] == ["housing"]
    assert record["answers"]["ahc_1"]["option_ids"] == ["not_steady"]
    person.send("a veces")                                    # ahc_3
    person.send("no, nunca")                                  # ahc_4
    person.send("no, está incluido en la renta")              # ahc_6
    person.send("no, tengo carro")                            # ahc_5
    answers = exported(repository)[0]["answers"]
    assert answers["ahc_3"]["option_ids"] == ["sometimes_true"]
    assert answers["ahc_4"]["option_ids"] == ["never_true"]
    assert answers["ahc_6"]["option_ids"] == ["no"]
    assert answers["ahc_5"]["option_ids"] == ["no"]


def test_frequency_in_words_in_spanish(engine, repository):
    person = Person(engine)
    person.send("hola")
    person.send("sí")
    person.send("no sé")
    person.send("dejar de tomar")                             # substance use first
    person.send("sí")
    person.send("prefiero no decir")
    person.send("dos o tres veces al mes")                    # ahc_19
    person.send("los fines de semana")                        # ahc_20
    answers = exported(repository)[0]["answers"]
    assert answers["ahc_19"]["option_ids"] == ["monthly"]
    assert answers["ahc_20"]["option_ids"] == ["weekly"]
