"""Tests for screening.interpret: reading messy SMS answers in English and Spanish."""
from __future__ import annotations

import time

import pytest

from screening import interpret
from screening.interpret import (
    COMMANDS,
    OptionChoice,
    detect_command,
    load_lexicon,
    looks_spanish,
    match_multi,
    match_single,
    yes_or_no,
)

O = OptionChoice

# --- Realistic option sets --------------------------------------------------

FOOD = (  # Hunger Vital Sign
    O("often_true", 1, ("Often true", "Often", "A menudo es cierto", "A menudo")),
    O("sometimes_true", 2, ("Sometimes true", "Sometimes", "A veces es cierto", "A veces")),
    O("never_true", 3, ("Never true", "Never", "Nunca es cierto", "Nunca")),
)

FREQUENCY = (
    O("never", 1, ("Never", "Nunca", "Jamás")),
    O("rarely", 2, ("Rarely", "Almost never", "Hardly ever", "Not often", "Casi nunca",
                    "Rara vez", "Pocas veces")),
    O("sometimes", 3, ("Sometimes", "Occasionally", "Now and then", "A veces",
                       "De vez en cuando")),
    O("fairly_often", 4, ("Fairly often", "Often", "Pretty often", "Con frecuencia",
                          "Seguido", "Bastante seguido")),
    # Decision: "all the time", "every day", "daily", "always" mean the top option;
    # "a lot" is NOT listed: it sits between fairly often and frequently, so we ask again.
    O("frequently", 5, ("Frequently", "Very often", "All the time", "Always", "Every day",
                        "Daily", "Constantly", "Muy seguido", "Siempre", "Todo el tiempo",
                        "Todos los días", "Frecuentemente")),
)

YES_NO = (O("yes", 1, ("Yes", "Sí")), O("no", 2, ("No",)))

YES_NO_UNSURE = (
    O("yes", 1, ("Yes", "Sí")),
    O("no", 2, ("No",)),
    O("not_sure", 3, ("Not sure", "No estoy seguro", "No estoy segura")),
)

PHQ = (
    O("not_at_all", 1, ("Not at all", "Para nada", "Nada", "Ningún día", "Never", "Nunca",
                        "None")),
    O("several_days", 2, ("Several days", "Varios días", "Some days", "A few days",
                          "Unos días", "Algunos días")),
    O("more_than_half", 3, ("More than half the days", "Más de la mitad de los días",
                            "More than half", "Most days", "La mayoría de los días")),
    O("nearly_every_day", 4, ("Nearly every day", "Casi todos los días", "Almost every day",
                              "Every day", "Daily", "Todos los días", "Diario")),
)

HOUSING_PROBLEMS = (
    O("pests", 1, ("Pests", "Bugs", "Roaches", "Mice", "Plagas", "Cucarachas", "Ratones")),
    O("mold", 2, ("Mold", "Moho", "Hongos")),
    O("lead", 3, ("Lead paint or pipes", "Lead", "Plomo")),
    O("heat", 4, ("Lack of heat", "No heat", "Heat", "Falta de calefacción", "Calefacción")),
    O("oven", 5, ("Oven or stove not working", "Oven", "Stove", "Estufa", "Horno")),
    O("smoke", 6, ("Smoke detectors missing or not working", "Smoke detectors",
                   "Detectores de humo")),
    O("water", 7, ("Water leaks", "Leaks", "Goteras", "Fugas de agua")),
    O("none", 8, ("None of these", "None", "Ninguno de estos", "Ninguno")),
)

LONG_TEXT = "I really do not know what to tell you about all of this " * 90  # ~5000 chars
SQL = "1; DROP TABLE answers; --"


# --- match_single -----------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    # numbers in every shape
    ("1", "often_true"), ("2", "sometimes_true"), ("3", "never_true"),
    ("#2", "sometimes_true"), ("# 2", "sometimes_true"), ("2.", "sometimes_true"),
    ("2)", "sometimes_true"), (" 2 ", "sometimes_true"), ("option 2", "sometimes_true"),
    ("Option #3", "never_true"), ("number 1", "often_true"), ("the 2nd one", "sometimes_true"),
    ("2nd", "sometimes_true"), ("3rd", "never_true"), ("1st", "often_true"),
    ("2do", "sometimes_true"), ("1º", "often_true"), ("I'd say 2", "sometimes_true"),
    ("2 please", "sometimes_true"), ("i pick 3", "never_true"), ("la 2", "sometimes_true"),
    ("opción 3", "never_true"), ("02", "sometimes_true"),
    # number words, both languages whatever the screening language
    ("two", "sometimes_true"), ("TWO", "sometimes_true"), ("dos", "sometimes_true"),
    ("second", "sometimes_true"), ("segundo", "sometimes_true"), ("la segunda", "sometimes_true"),
    ("the second one", "sometimes_true"), ("one", "often_true"), ("uno", "often_true"),
    ("first", "often_true"), ("primera", "often_true"), ("three", "never_true"),
    ("tres", "never_true"), ("third", "never_true"), ("tercero", "never_true"),
    ("number one", "often_true"),
    # out of range
    ("0", None), ("4", None), ("four", None), ("cuatro", None), ("10", None), ("99", None),
    ("- 1", "often_true"), ("-1", "often_true"),  # a leading dash reads as a list bullet
    ("999999", None), ("#4", None), ("4th", None),
    # the option's words exactly
    ("Often true", "often_true"), ("often", "often_true"), ("Sometimes", "sometimes_true"),
    ("never true", "never_true"), ("NEVER", "never_true"), ("Never.", "never_true"),
    ("a menudo", "often_true"), ("A veces", "sometimes_true"), ("nunca", "never_true"),
    ("Nunca es cierto", "never_true"), ("sometimes!!!", "sometimes_true"),
    ("sometimesss", "sometimes_true"),
    # inside a longer answer
    ("i'd say sometimes true honestly", "sometimes_true"),
    ("I guess never", "never_true"), ("honestly it's often true for us", "often_true"),
    ("creo que a veces", "sometimes_true"), ("pues nunca", "never_true"),
    ("never ever", "never_true"), ("sometimes, not often", "sometimes_true"),
    ("no, nunca", "never_true"), ("nah never", "never_true"),
    ("2 sometimes", "sometimes_true"), ("2. Sometimes true", "sometimes_true"),
    ("sometimes (2)", "sometimes_true"), ("#3 never", "never_true"),
    # typos
    ("somtimes", "sometimes_true"), ("sometims", "sometimes_true"), ("sumtimes", "sometimes_true"),
    ("nevr", "never_true"), ("ofen", "often_true"),
    ("oftn true", "often_true"), ("nevr tru", "never_true"), ("aveces", "sometimes_true"),
    ("a vezes", "sometimes_true"), ("nunka", "never_true"), ("amenudo", "often_true"),
    ("i'd say somtimes", "sometimes_true"),
    # unsure: ambiguous, negated, conflicting, unrelated
    ("often or sometimes", None), ("sometimes or never", None), ("not often", None),
    ("2 or 3", None), ("2 3", None), ("1-2", None), ("often 2", None), ("3 sometimes", None),
    ("i have 2 kids", None), ("ever", None), ("true", None),
    # a counted frequency is not an option number: twice a week is often (option_sets.yaml)
    ("2 times a week", "often_true"),
    ("idk", None), ("skip", None), ("yes", None), ("maybe", None),
    # decision: "no" / "nope" mean the one option with a no-word phrase ("Never", "Nunca")
    ("no", "never_true"), ("nope", "never_true"), ("no nunca", "never_true"),
    ("that one", None), ("hello", None), ("food", None), ("a lot", None),
    # odd input never raises
    ("", None), ("   ", None), ("?!?", None), ("👍", None), ("🤷", None), ("😀😀😀", None),
    ("\x00\x07\x1b[31m", None), ("a\x00b", None), (SQL, None), (LONG_TEXT, None),
    ("2" * 5000, None), ("<script>alert(1)</script>", None), ("null", None),
])
def test_match_single_food(text, expected):
    assert match_single(text, FOOD, "en") == expected


@pytest.mark.parametrize("text, expected", [
    ("never", "never"), ("1", "never"), ("rarely", "rarely"), ("rarly", "rarely"),
    ("almost never", "rarely"), ("hardly ever", "rarely"), ("not often", "rarely"),
    ("casi nunca", "rarely"), ("rara vez", "rarely"), ("pocas veces", "rarely"),
    ("sometimes", "sometimes"), ("occasionally", "sometimes"), ("de vez en cuando", "sometimes"),
    ("every now and then", "sometimes"), ("fairly often", "fairly_often"),
    ("often", "fairly_often"), ("pretty often", "fairly_often"), ("seguido", "fairly_often"),
    ("con frecuencia", "fairly_often"), ("very often", "frequently"),
    ("muy seguido", "frequently"), ("all the time", "frequently"), ("every day", "frequently"),
    ("daily", "frequently"), ("always", "frequently"), ("siempre", "frequently"),
    ("todo el tiempo", "frequently"), ("todos los dias", "frequently"),
    ("frequently", "frequently"), ("frequntly", "frequently"), ("five", "frequently"),
    ("cinco", "frequently"), ("5", "frequently"), ("6", None), ("jamas", "never"),
    # decisions
    ("a lot", None),                      # between fairly often and frequently: ask again
    ("infrequently", None),               # first-letter rule: not "frequently"
    ("not frequently", None),             # negated
    ("sometimes, not always", "sometimes"),
    ("often or always", None), ("not very often", None), ("not that often", None),
    ("never, sometimes", None), ("sometimes never", None),
])
def test_match_single_frequency(text, expected):
    assert match_single(text, FREQUENCY, "en") == expected


@pytest.mark.parametrize("text, expected", [
    ("yes", "yes"), ("Yes", "yes"), ("YES!", "yes"), ("yeah", "yes"), ("yep", "yes"),
    ("yup", "yes"), ("y", "yes"), ("sure", "yes"), ("ok", "yes"), ("okay", "yes"),
    ("si", "yes"), ("sí", "yes"), ("Sí!!", "yes"), ("claro", "yes"), ("claro que sí", "yes"),
    ("dale", "yes"), ("👍", "yes"), ("👍👍", "yes"), ("✅", "yes"), ("yesss", "yes"),
    ("yes please", "yes"), ("yes i do", "yes"), ("I'd say yes", "yes"), ("1", "yes"),
    ("one", "yes"), ("uno", "yes"), ("sí por favor", "yes"),
    ("no", "no"), ("No.", "no"), ("nah", "no"), ("nope", "no"), ("n", "no"), ("no thanks", "no"),
    ("no gracias", "no"), ("👎", "no"), ("❌", "no"), ("nooo", "no"), ("no no", "no"),
    ("not really", "no"), ("2", "no"), ("two", "no"), ("dos", "no"),
    ("3", None), ("yes no", None), ("no idea", None), ("no one helps me", None),
    ("maybe", None), ("idk", None), ("🤷", None), ("yes but not now", None), ("", None),
    ("nose", None), ("no se", None), (SQL, None),
])
def test_match_single_yes_no(text, expected):
    assert match_single(text, YES_NO, "en") == expected


@pytest.mark.parametrize("text, expected", [
    ("yes", "yes"), ("yeah", "yes"), ("no", "no"), ("nope", "no"), ("not sure", "not_sure"),
    ("no estoy segura", "not_sure"), ("3", "not_sure"), ("no estoy seguro", "not_sure"),
])
def test_match_single_yes_no_unsure(text, expected):
    assert match_single(text, YES_NO_UNSURE, "es") == expected


@pytest.mark.parametrize("text, expected", [
    ("not at all", "not_at_all"), ("Not at all.", "not_at_all"), ("para nada", "not_at_all"),
    ("nada", "not_at_all"), ("never", "not_at_all"), ("nunca", "not_at_all"),
    ("nope", "not_at_all"),  # a no-word maps to the one option with a "no" phrase
    ("1", "not_at_all"), ("several days", "several_days"), ("sevral days", "several_days"),
    ("varios dias", "several_days"), ("some days", "several_days"), ("a few days", "several_days"),
    ("more than half the days", "more_than_half"), ("more than half", "more_than_half"),
    ("mas de la mitad de los dias", "more_than_half"), ("most days", "more_than_half"),
    ("most days but not every day", "more_than_half"),
    ("nearly every day", "nearly_every_day"), ("almost every day", "nearly_every_day"),
    ("every day", "nearly_every_day"), ("daily", "nearly_every_day"),
    ("casi todos los días", "nearly_every_day"), ("todos los dias", "nearly_every_day"),
    ("nearly evry day", "nearly_every_day"), ("4", "nearly_every_day"),
    ("four", "nearly_every_day"), ("cuatro", "nearly_every_day"), ("5", None),
    ("yes", None), ("some days, most days", None),
    # a count of days in the 2 weeks, not option 2 or 3
    ("2 days", "several_days"), ("3 days", "several_days"), ("10 days", "more_than_half"),
    ("7 days", None),                     # exactly half: neither "several" nor "more than half"
])
def test_match_single_phq(text, expected):
    assert match_single(text, PHQ, "en") == expected


def test_yes_no_words_only_choose_options_labelled_yes_or_no():
    paying = (O("very_hard", 1, ("Very hard",)), O("somewhat_hard", 2, ("Somewhat hard",)),
              O("not_hard", 3, ("Not hard at all", "fine", "easy")))
    assert match_single("yes", paying, "en") is None        # "fine" is not a yes label
    assert match_single("fine", paying, "en") == "not_hard"
    benefits = (O("benefits", 1, ("Benefits", "SSI", "seguro")), O("other", 2, ("Other",)))
    assert match_single("si", benefits, "es") is None         # "SSI" squeezed is not "sí"
    assert match_single("ssi", benefits, "es") == "benefits"
    help_wanted = (O("finding", 1, ("Yes, help finding work",)),
                   O("keeping", 2, ("Yes, help keeping work",)),
                   O("no_help", 3, ("I do not need or want help", "nope", "no thanks")))
    assert match_single("nah", help_wanted, "en") == "no_help"
    assert match_single("yes", help_wanted, "en") is None     # which "yes"? ask again


def test_match_single_without_options_or_text():
    assert match_single("2", (), "en") is None
    assert match_single(None, FOOD, "en") is None
    assert match_single(2, FOOD, "en") == "sometimes_true"      # not a str: still read
    assert match_single("x", (O("a", 1, ("",)), O("b", 2, ("!!!",))), "en") is None


# --- match_multi ------------------------------------------------------------

def _multi(text, none_id="none", options=HOUSING_PROBLEMS):
    return match_multi(text, options, "en", none_id)


@pytest.mark.parametrize("text, expected", [
    ("1 3 5", ("pests", "lead", "oven")), ("1,3", ("pests", "lead")), ("1, 3", ("pests", "lead")),
    ("1 and 3", ("pests", "lead")), ("1 y 3", ("pests", "lead")), ("1&3", ("pests", "lead")),
    ("1/3", ("pests", "lead")), ("3 1", ("pests", "lead")), ("3 3 3", ("lead",)),
    ("#1 #3", ("pests", "lead")), ("1st and 3rd", ("pests", "lead")),
    ("one and three", ("pests", "lead")), ("uno y tres", ("pests", "lead")),
    ("first and third", ("pests", "lead")), ("the first one and the third one", ("pests", "lead")),
    ("2", ("mold",)), ("mold", ("mold",)),
    ("mold and pests", ("pests", "mold")), ("moho y plagas", ("pests", "mold")),
    ("Mold, pests, roaches", ("pests", "mold")), ("mold n pests", ("pests", "mold")),
    ("I have mold and roaches", ("pests", "mold")), ("tengo moho y cucarachas", ("pests", "mold")),
    ("no heat and mold", ("mold", "heat")), ("leaks and no heat", ("heat", "water")),
    ("mold and also the stove", ("mold", "oven")), ("smoke detectors and lead", ("lead", "smoke")),
    ("2 and roaches", ("pests", "mold")), ("mod and psts", ("pests", "mold")),
    ("goteras, estufa", ("oven", "water")), ("only mold", ("mold",)), ("solo moho", ("mold",)),
    ("heat, no mold", None), ("pests not mold", None), ("no mold and pests", None),
    ("all of the above", ("pests", "mold", "lead", "heat", "oven", "smoke", "water")),
    ("todos", ("pests", "mold", "lead", "heat", "oven", "smoke", "water")),
    # none
    ("none", ("none",)), ("None.", ("none",)), ("ninguno", ("none",)), ("nothing", ("none",)),
    ("nada", ("none",)), ("no", ("none",)), ("nope", ("none",)), ("8", ("none",)),
    ("none of these", ("none",)), ("ninguno de estos", ("none",)), ("0", ("none",)),
    # none cannot combine; anything not understood is unsure
    ("1 and 8", None), ("mold and none", None), ("none of these and mold", None),
    ("9", None), ("1 9", None), ("13", None), ("135", None), ("1-3", None), ("1 - 3", None),
    ("mold but not pests", None), ("everything except mold", None), ("no mold", None),
    ("mold and a broken window", None), ("stuff", None), ("yes", None), ("idk", None),
    ("", None), ("👍", None), ("a", None), (SQL, None), (LONG_TEXT, None),
    # words that only say more about a named problem pass; a problem that is over does not
    ("no heat since november", ("heat",)), ("ceiling leaks when it rains", ("water",)),
    ("we had mice, they are gone now", None), ("mice but the landlord fixed it", None),
])
def test_match_multi(text, expected):
    assert _multi(text) == expected


@pytest.mark.parametrize("text, language, expected", [
    ("heat barely works and the smoke alarm is missing", "en", ("heat", "smoke_detectors")),
    ("old building, lead paint on the windows", "en", ("lead",)),
    ("la casa es vieja y tiene pintura con plomo", "es", ("lead",)),
    ("mold and a broken window", "en", None),
])
def test_the_housing_item_reads_details_beside_a_named_problem(text, language, expected):
    from screening.dialogue.reading import read_item_answer
    from screening.instrument import default_instrument
    assert read_item_answer(default_instrument().item("ahc_2"), text, language) == expected


def test_match_multi_none_without_a_none_option():
    options = HOUSING_PROBLEMS[:-1]
    assert _multi("none", None, options) == ()
    assert _multi("ninguno", None, options) == ()
    assert _multi("1 and 3", None, options) == ("pests", "lead")
    assert _multi("8", None, options) is None


def test_match_multi_odd_input():
    assert match_multi(None, HOUSING_PROBLEMS, "en", "none") is None
    assert match_multi("1", (), "en", None) is None


# --- yes_or_no --------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("yes", "yes"), ("yes please", "yes"), ("Yes, please!", "yes"), ("ok", "yes"),
    ("OK", "yes"), ("okay", "yes"), ("k", "yes"), ("sure", "yes"), ("yeah", "yes"),
    ("yep", "yes"), ("y", "yes"), ("yess", "yes"), ("yes yes", "yes"), ("of course", "yes"),
    ("si", "yes"), ("sí", "yes"), ("Sí!!", "yes"), ("siii", "yes"), ("claro", "yes"),
    ("claro que sí", "yes"), ("dale", "yes"), ("está bien", "yes"), ("👍", "yes"),
    ("👌", "yes"), ("ok thanks", "yes"), ("sí, gracias", "yes"), ("yes sir", "yes"),
    ("no", "no"), ("No.", "no"), ("no thanks", "no"), ("no thank you", "no"), ("nah", "no"),
    ("nope", "no"), ("n", "no"), ("no gracias", "no"), ("nel", "no"), ("👎", "no"),
    ("no, no", "no"), ("noooo", "no"), ("not really", "no"), ("never", "no"),
    ("para nada", "no"), ("no please", "no"), ("sí 👍", "yes"), ("ok sure", "yes"),
    ("yes ok", "yes"), ("y", "yes"), ("no nope", "no"), ("nah no", "no"), ("no ok", None),
    ("claro q si", "yes"), ("cool", "yes"), ("sure thing", "yes"),
    ("maybe", None), ("idk", None), ("no se", None), ("no sé", None), ("no idea", None),
    ("no one helps me", None), ("yes but not now", None), ("yes no", None), ("yeah no", None),
    ("why", None), ("1", None), ("", None), (None, None), ("🤷", None), (SQL, None),
    (LONG_TEXT, None), ("I need help", None),
])
def test_yes_or_no(text, expected):
    assert yes_or_no(text, "en") == expected
    assert yes_or_no(text, "es") == expected  # both languages' words, whatever the language


# --- detect_command ---------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    # skip
    ("skip", "skip"), ("Skip.", "skip"), ("pass", "skip"), ("next", "skip"),
    ("prefer not to say", "skip"), ("rather not say", "skip"), ("I'd rather not say", "skip"),
    ("i don't want to answer", "skip"), ("I don’t want to answer", "skip"), ("paso", "skip"),
    ("prefiero no decir", "skip"), ("skip please", "skip"), ("siguiente", "skip"),
    # don't know
    ("idk", "dont_know"), ("IDK", "dont_know"), ("dunno", "dont_know"), ("not sure", "dont_know"),
    ("no sé", "dont_know"), ("no se", "dont_know"), ("i don't know", "dont_know"),
    ("🤷", "dont_know"), ("ni idea", "dont_know"), ("i have no idea", "dont_know"),
    # why
    ("why?", "why"), ("Why", "why"), ("why are you asking", "why"),
    ("why do you need this", "why"), ("¿por qué?", "why"), ("por que", "why"),
    ("para qué", "why"), ("why are you asking?", "why"),
    # pause
    ("I'll finish later", "pause"), ("brb", "pause"), ("pause", "pause"), ("gotta go", "pause"),
    ("luego sigo", "pause"), ("después", "pause"), ("mas tarde", "pause"),
    # stop
    ("stop", "stop"), ("STOP", "stop"), ("Stop!", "stop"), ("stopp", "stop"), ("quit", "stop"),
    ("i want to stop", "stop"), ("ya no quiero", "stop"), ("parar", "stop"),
    ("please stop", "stop"), ("stop please", "stop"), ("ok stop please", "stop"),
    ("unsubscribe", "stop"), ("stop stop stop", "stop"), ("stop it", "stop"),
    ("not now", "pause"), ("ahora no", "pause"),
    ("can i skip this", "skip"),
    # help
    ("help", "help"), ("Help!", "help"), ("ayuda", "help"), ("¡Ayuda!", "help"),
    ("what can i say", "help"), ("por favor ayuda", "help"),
    # human
    ("talk to a person", "human"), ("real person", "human"), ("human", "human"),
    ("agent", "human"), ("quiero hablar con alguien", "human"), ("una persona", "human"),
    ("can i talk to someone?", "human"), ("can i talk to a real person", "human"),
    ("quiero hablar con una persona real", "human"),
    # back
    ("back", "back"), ("go back", "back"), ("change my answer", "back"),
    ("i made a mistake", "back"), ("volver", "back"), ("cambiar mi respuesta", "back"),
    ("me equivoqué", "back"),
    # languages
    ("english", "english"), ("inglés", "english"), ("in english please", "english"),
    ("English pls", "english"), ("español", "spanish"), ("spanish", "spanish"),
    ("en español", "spanish"), ("Español por favor", "spanish"),
])
def test_detect_command(text, expected):
    assert detect_command(text, "en") == expected
    assert detect_command(text, "es") == expected


@pytest.mark.parametrize("text", [
    "I need help with housing", "the bus stop is far", "help me find food",
    "can you help me with rent", "I want to stop using", "i need help", "stop sign",
    "back pain", "i'm out of food", "english class", "spanish speaking lawyer",
    "human services", "I don't know where to go", "no se nada de eso", "next week",
    "skip school", "why not", "ok so stop please thanks", "please please stop now",
    "call me", "text me", "llámame",  # answers at the contact step, not a request for a person
    "Ayuda con la renta", "necesito ayuda con vivienda", "my back hurts", "yes", "no", "2",
    "never", "sometimes", "", "   ", "😀", SQL, LONG_TEXT, None,
])
def test_not_a_command(text):
    assert detect_command(text, "en") is None


def test_command_filler_limit_both_ways():
    assert detect_command("ok stop please", "en") == "stop"          # 2 fillers
    assert detect_command("ok well stop please", "en") is None       # 3 fillers
    assert detect_command("por favor stop", "en") == "stop"          # "por favor" is one


def test_unexpected_errors_become_not_understood(monkeypatch, caplog):
    def broken(*_args, **_kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(interpret, "_words", broken)
    assert match_single("2 private words", FOOD, "en") is None
    assert match_multi("1", HOUSING_PROBLEMS, "en", "none") is None
    assert looks_spanish("hola") is False
    assert "private words" not in caplog.text  # what a person wrote is never logged
