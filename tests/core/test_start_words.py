"""The insert's start words (INSERT_KEYWORD*): checked when the program's settings load, and a
first message that is one starts the screening in its language."""
from __future__ import annotations

import pytest

from screening.dialogue.catalog import LANGUAGES
from screening.dialogue.engine import ScreeningEngine
from screening.program import Program, ProgramSettingsError, load_program
from screening.start_keywords import DEFAULT_KEYWORDS, StartKeywordError, language_of, load_start_keywords

from .person import Person
from .test_conversation import exported

CARRIER_KEYWORDS = ("STOP", "START", "HELP", "INFO", "UNSTOP", "CANCEL", "END", "QUIT", "UNSUBSCRIBE",
                    "STOPALL", "AYUDA", "PARAR", "Stop", "stop!", "Parar", "Cancelar")


def test_every_language_has_its_own_word_by_default():
    keywords = dict(load_program({}).start_keywords)
    assert keywords == DEFAULT_KEYWORDS
    assert set(keywords) == {"en", "es", "pt", "ht", "zh", "vi", "kea"}


def test_a_program_sets_its_own_words_and_empty_means_the_default():
    program = load_program({"INSERT_KEYWORD": " needs ", "INSERT_KEYWORD_ES": "chequeo", "INSERT_KEYWORD_PT": ""})
    assert program.start_keyword("en") == "NEEDS"
    assert program.start_keyword("es") == "CHEQUEO"
    assert program.start_keyword("pt") == "AVALIAR"


@pytest.mark.parametrize("word", CARRIER_KEYWORDS)
def test_a_carrier_keyword_is_refused_naming_the_setting(word):
    with pytest.raises(ProgramSettingsError, match=r"INSERT_KEYWORD_ES .* carrier keyword"):
        load_program({"INSERT_KEYWORD_ES": word})


@pytest.mark.parametrize("word", ["PAUSE", "EXIT", "SALIR", "SKIP", "WHY", "BACK", "YES", "NO", "SI"])
def test_an_answer_or_one_of_the_assistants_own_words_is_refused(word):
    with pytest.raises(ProgramSettingsError, match="INSERT_KEYWORD"):
        load_program({"INSERT_KEYWORD": word})


@pytest.mark.parametrize("word", ["TWO WORDS", "SCREEN1", "SCREEN!", "A" * 21])
def test_a_start_word_is_one_short_word_of_letters(word):
    with pytest.raises(ProgramSettingsError, match="one word of letters only"):
        load_program({"INSERT_KEYWORD": word})


def test_two_languages_cannot_share_a_word_even_spelled_differently():
    with pytest.raises(StartKeywordError, match="INSERT_KEYWORD_PT .EVALUAR. is already the start word for es"):
        load_start_keywords({"INSERT_KEYWORD_PT": "Evaluar"})
    with pytest.raises(ProgramSettingsError, match="already the start word"):
        load_program({"INSERT_KEYWORD_VI": "ĐÁNH", "INSERT_KEYWORD_KEA": "danh"})


@pytest.mark.parametrize("text, language", [
    ("SCREEN", "en"), ("screen", "en"), (" Screen. ", "en"), ("EVALUAR", "es"), ("evaluar por favor", "es"),
    ("Avaliar", "pt"), ("evalye", "ht"), ("中文", "zh"), ("DANHGIA", "vi"), ("Đánh giá", "vi"), ("kriolu", "kea"),
    ("screen this is a long sentence about it", None), ("screens", None), ("hi", None),
])
def test_a_message_is_a_start_word_when_it_says_the_word(text, language):
    assert language_of(text, load_program({}).start_keywords) == language


def spoken_language_not(*excluded: str) -> str:
    return next(code for code in LANGUAGES if code not in excluded)


def test_texting_the_spanish_word_starts_in_spanish_without_asking_the_language(engine, repository):
    person = Person(engine, channel="sms")
    assert "Hola. Este es el chequeo de necesidades" in person.send("EVALUAR")
    reply = person.send("sí")
    assert "¿Podemos enviarle un texto para recordarle" in reply     # by text: reminders, then the date
    assert "idioma" not in person.send("no")
    [record] = exported(repository)
    assert record["language"] == "es"


def test_texting_the_english_word_starts_in_english_without_asking_the_language(engine, repository):
    person = Person(engine)
    assert "This is the needs check" in person.send("Screen")
    reply = person.send("yes")
    assert "Which language" not in reply and "What date is on your ticket?" in reply
    [record] = exported(repository)
    assert record["language"] == "en"


def test_a_programs_own_word_starts_the_screening(repository, clock):
    program = load_program({"INSERT_KEYWORD_ES": "CHEQUEO"})
    engine = ScreeningEngine(repository, clock=clock, program=program)
    assert "Hola. Este es el chequeo" in Person(engine, sender="a").send("chequeo")
    # The default word is no longer this program's start word: a start like any other word.
    assert "Hi. This is the needs check" in Person(engine, sender="b").send("EVALUAR")
    assert sorted(r["language"] for r in exported(repository)) == ["en", "es"]


def test_a_word_for_a_language_the_assistant_does_not_speak_yet_starts_in_english_and_asks(engine, repository):
    unspoken = [code for code in DEFAULT_KEYWORDS if code not in LANGUAGES]
    if not unspoken:
        pytest.skip("the assistant speaks every language of the insert")
    person = Person(engine)
    assert "This is the needs check" in person.send(DEFAULT_KEYWORDS[unspoken[0]])
    assert "Which language" in person.send("yes")


def test_the_other_languages_word_mid_way_switches_and_keeps_every_answer(engine, repository):
    person = Person(engine)
    person.send("Screen")
    person.send("yes")
    person.send("skip")
    person.send("skip")
    assert "What is your living situation today?" in person.last
    person.send("1")
    reply = person.send("EVALUAR")
    assert "seguimos en español" in reply and "Piense en el lugar donde vive" in reply
    [record] = exported(repository)
    assert record["language"] == "es"
    assert record["answers"]["ahc_1"]["option_ids"] == ["steady"]


def test_a_first_message_in_a_sentence_starts_in_its_language(engine, repository):
    other = spoken_language_not("en")
    sentences = {"es": "Me dieron una citación y no sé qué tengo que hacer",
                 "pt": "Recebi uma multa e não sei o que tenho que fazer",
                 "ht": "Yo ban m yon tikè epi m pa konn kisa pou m fè",
                 "zh": "我收到了一张罚单，不知道该怎么办",
                 "vi": "Tôi bị phạt và không biết phải làm gì",
                 "kea": "Es da-m un multa i N ka sabe kuze ki N debe faze"}
    Person(engine, sender="a").send(sentences[other])
    Person(engine, sender="b").send("I got a ticket and I do not know what to do")
    languages = sorted(r["language"] for r in exported(repository))
    assert languages == sorted(["en", other])


def test_a_greeting_still_starts_in_english_with_the_language_menu(engine):
    person = Person(engine)
    person.send("hi")
    reply = person.send("yes")
    assert "Which language" in reply and "1" in reply and "Español" in reply


def test_the_default_program_has_the_default_words():
    assert dict(Program().start_keywords) == DEFAULT_KEYWORDS
