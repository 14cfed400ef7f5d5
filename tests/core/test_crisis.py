"""The crisis reader: kinds, levels, idioms, the past, negation, clauses, and safety replies.

Examples here are the project's own (written for these tests); the measured sets live in
bench/data/ and are never copied here.
"""
from __future__ import annotations

import pytest

from screening import crisis
from screening.crisis import read_crisis, read_safety_reply

SQL = "'; DROP TABLE answers; --"
LONG_TEXT = "I need help with rent and food " * 60


def reading(text, step=""):
    found = read_crisis(text, step=step)
    return found.level, found.kind


@pytest.mark.parametrize("text, kind", [
    # thoughts of suicide or self-harm, active and passive
    ("I want to die", "self_harm"), ("i wanna die", "self_harm"), ("kil myself", "self_harm"),
    ("kill myslef", "self_harm"), ("thinking about suicide", "self_harm"), ("suicde", "self_harm"),
    ("i feel suicidal", "self_harm"), ("everyone would be better off without me", "self_harm"),
    ("im gonna hurt myself", "self_harm"), ("I don't want to live anymore", "self_harm"),
    ("I WANT TO DIEEE", "self_harm"), ("kms", "self_harm"), ("i wish i could just disappear for good", "self_harm"),
    ("honestly tired of being alive", "self_harm"), ("i just cut my wrists", "self_harm"),
    ("quiero morir", "self_harm"), ("me quiero matar", "self_harm"), ("ya no kiero vivir", "self_harm"),
    ("Quiero quitarme la vida", "self_harm"), ("pienso en el suicidio", "self_harm"),
    ("me quiero lastimar", "self_harm"),
    # an overdose now, the person or someone else
    ("my friend is overdosing", "overdose"), ("he's not breathing", "overdose"),
    ("she isn't breathing", "overdose"), ("he took too many pills", "overdose"),
    ("her lips are blue", "overdose"), ("i just overdosed", "overdose"), ("overdoseing now", "overdose"),
    ("I swallowed all my meds an hour ago", "overdose"), ("took a whole bottle of pills", "overdose"),
    ("mi hermano no respira", "overdose"), ("mi amigo tiene una sobredosis", "overdose"),
    ("me tomé todas las pastillas", "self_harm"),
    # violence or threats from another person
    ("he is going to kill me", "violence"), ("my ex says he'll hurt me when I get home", "violence"),
    ("my boyfriend is hitting me right now", "violence"), ("he's outside my door with a knife", "violence"),
    ("my ex has a gun", "violence"), ("me está golpeando", "violence"), ("mi esposo me va a matar", "violence"),
    ("estoy en peligro", "violence"), ("tengo miedo de que me mate", "violence"),
    # a medical emergency
    ("i think im having a heart attack", "medical"), ("she is having a seizure", "medical"),
    ("no puedo respirar", "medical"),
])
def test_imminent_crises_of_each_kind(text, kind):
    assert reading(text) == ("imminent", kind)


@pytest.mark.parametrize("text", [
    # idioms
    "this paperwork is killing me", "the bank is threatening to take my car", "me muero de sueño",
    "dying to know", "kill time at the bus stop", "my feet are killing me", "you're killing it",
    "I could kill for a burger", "my phone died", "dead tired", "estoy muerta de cansancio",
    "me mata el calor", "the landlord threatened to evict us", "my rent is overdue", "that's odd",
    "the bus took too much time",
    # the past, and other people's past
    "I overdosed last year", "i had an overdose 2 years ago", "my sister died of an overdose",
    "mi hermano murió de una sobredosis hace años", "I cut myself shaving",
    "i tried to kill myself when i was 16 but im ok now", "my uncle committed suicide in 2019",
    # information, not danger
    "I want naloxone in case of an overdose", "where can i get narcan",
    # ordinary answers
    "never", "daily", "I used drugs daily", "yes", "no", "2", "a veces", "I use fentanyl",
    "i need help with housing", "no sé",
    # the person's own "no"
    "I'm not suicidal", "no i dont want to hurt myself, i just need food", "no me quiero matar, solo necesito trabajo",
    # odd input
    "", "   ", None, "👍", SQL, "\x00\x07", LONG_TEXT,
])
def test_everyday_words_past_events_and_answers_are_not_a_crisis(text):
    assert reading(text) == ("none", None)


@pytest.mark.parametrize("text, kind", [
    ("I can't take this anymore", "self_harm"),
    ("what's the point", "self_harm"),
    ("i tried to kill myself", "self_harm"),            # a past attempt without a time
    ("he hits me", "violence"),                         # ongoing, outside the safety questions
    ("my mom is gonna kill me lol", "violence"),
    ("ya no puedo más", "self_harm"),
])
def test_ambiguous_messages_get_a_gentle_check(text, kind):
    assert reading(text) == ("possible", kind)


def test_a_time_of_now_makes_a_past_or_a_mention_imminent():
    assert reading("I tried to kill myself last night") == ("imminent", "self_harm")
    assert reading("I overdosed last year and again today") == ("imminent", "overdose")
    assert reading("my friend od'd just now") == ("imminent", "overdose")


def test_the_screening_s_own_safety_and_mood_questions_take_their_answers_without_alarm():
    assert reading("he threatens me sometimes", step="item:ahc_9") == ("none", None)
    assert reading("my ex hits me", step="item:ahc_7") == ("none", None)
    # ... but a threat to kill or a weapon still interrupts there
    assert reading("he says he will kill me", step="item:ahc_9") == ("imminent", "violence")
    assert reading("he has a gun", step="item:ahc_7") == ("imminent", "violence")
    # and the same words elsewhere get the gentle check
    assert reading("he threatens me sometimes", step="needs") == ("possible", "violence")


def test_a_crisis_clause_inside_an_answer_is_found_and_the_rest_is_kept():
    found = read_crisis("need a place to stay and i swallowed all my meds an hour ago", step="needs")
    assert (found.level, found.kind, found.rest) == ("imminent", "overdose", "need a place to stay")
    found = read_crisis("necesito trabajo, pero me quiero morir")
    assert (found.level, found.kind, found.rest) == ("imminent", "self_harm", "necesito trabajo")


def test_several_kinds_the_most_urgent_help_first():
    found = read_crisis("i want to die, i took too many pills")
    assert found.kind == "overdose" and set(found.kinds) == {"overdose", "self_harm"}


def test_the_reading_says_why_in_words_a_screener_can_read():
    assert read_crisis("my ex says he'll hurt me when I get home").why == \
        "violence imminent: '<person> says he will hurt me'"
    assert read_crisis("he overdosed tonight").why == "overdose imminent: 'overdosed' (now)"


def test_the_language_model_alone_is_a_gentle_check_unless_the_words_are_an_idiom():
    silent = read_crisis("everything is just too much", intent="crisis", confidence=0.95)
    assert (silent.level, silent.kind) == ("possible", None)
    assert not read_crisis("this paperwork is killing me", intent="crisis", confidence=0.95)
    assert not read_crisis("everything is just too much", intent="crisis", confidence=0.6)


@pytest.mark.parametrize("text, expected", [
    ("yes", "safe"), ("i'm safe", "safe"), ("yeah im ok", "safe"), ("estoy bien", "safe"),
    ("he left, i'm ok", "safe"),
    ("yes im safe, lets keep going", "safe_go_on"), ("sí, sigamos", "safe_go_on"),
    ("continue", "go_on"), ("go on", "go_on"),
    ("not good", "not_ok"), ("no", "not_ok"), ("idk", "not_ok"), ("I'm not ok", "not_ok"),
    ("no estoy bien", "not_ok"), ("whatever", "not_ok"), ("yes but im scared", "not_ok"),
    ("leave me alone", "leave"), ("déjame en paz", "leave"),
    ("ok thanks", "ack"), ("ok", "ack"), ("gracias", "ack"),
    ("what time is it", "unclear"), ("", "unclear"), (None, "unclear"),
])
def test_replies_to_are_you_safe(text, expected):
    assert read_safety_reply(text) == expected


def test_a_message_that_breaks_the_reader_is_not_a_crash_and_is_not_logged(monkeypatch, caplog):
    def broken(*_args, **_kwargs):
        raise RuntimeError("boom")
    monkeypatch.setattr(crisis, "_clauses", broken)
    assert read_crisis("private words") == crisis.NONE
    assert "private words" not in caplog.text


def test_broken_phrase_data_is_refused_loudly(tmp_path, monkeypatch):
    (tmp_path / "xx.yaml").write_text("kinds:\n  self_harm:\n    imminent: [yes]\n", encoding="utf-8")
    monkeypatch.setattr(crisis, "CRISIS_DIR", tmp_path)
    crisis.load_crisis_data.cache_clear()
    try:
        with pytest.raises(crisis.CrisisDataError, match="quote yes"):
            crisis.load_crisis_data()
    finally:
        crisis.load_crisis_data.cache_clear()


# Crisis messages both the NLU model and the first word list missed in the held-out NLU
# set (see BENCHMARKS.md, section 2): the reader must give them the full response.
@pytest.mark.parametrize("text", [
    "i just cut my wrists", "took all my pills", "ending my life", "hurt my self", "i can't go on",
    "me tome todo el frasco", "me corte las venas", "me kiero morir", "ya no kiero vivir",
    "quitar la vida", "me quiero lastimar",
])
def test_crisis_messages_the_model_missed_get_the_full_response(text):
    assert read_crisis(text).level == "imminent"


# The example-trained classifier learned "voy a", "quiero", "para" from danger examples; a
# worry about housing or work said with those words is not danger now.
@pytest.mark.parametrize("text, item", [
    ("alquilo un cuarto pero el dueño quiere vender la casa y no se pa donde voy a ir", "ahc_1"),
    ("tengo trabajo pero me lo pueden quitar, quiero ayuda para no perderlo", "ahc_12"),
])
def test_a_guess_resting_only_on_words_like_voy_a_is_not_the_full_response(text, item):
    found = read_crisis(text, step=f"item:{item}")
    assert found.level != "imminent", found.why


def test_the_classifier_still_hears_danger_in_words_it_was_not_given():
    found = read_crisis("ya no quiero despertar nunca más", step="item:ahc_1")
    assert found.level == "imminent" and found.kind == "self_harm"
