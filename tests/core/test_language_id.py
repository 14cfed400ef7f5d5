"""Which language a first message is in (screening/language_id.py).

These are the development examples the identifier's settings were chosen on; the held-out
measurement is bench/language_id.py over bench/data/language_first_messages.yaml.
"""
from __future__ import annotations

import pytest

from screening.language_id import ALL_LANGUAGES, guess_language

DEVELOPMENT = [
    ("en", "I got a paper from the police today"),
    ("en", "what should I do now"),
    ("en", "my probation officer said to send this"),
    ("es", "Recibí un papel de la policía hoy"),
    ("es", "que debo hacer ahora"),
    ("es", "no tengo casa ni comida"),
    ("pt", "Recebi um papel da polícia hoje"),
    ("pt", "o que eu devo fazer agora"),
    ("pt", "estou com fome e não tenho casa"),
    ("ht", "Mwen resevwa yon papye nan men polis la"),
    ("ht", "ki sa m dwe fè kounye a"),
    ("ht", "mwen grangou e mwen pa gen kote pou m dòmi"),
    ("ht", "m vle pale ak yon moun"),
    ("zh", "我收到了警察的纸"),
    ("zh", "现在该怎么办"),
    ("vi", "Tôi nhận được giấy của cảnh sát"),
    ("vi", "tôi cần giúp đỡ"),
    ("vi", "toi nhan duoc giay cua canh sat"),
    ("kea", "kuze ki N debe faze gosi"),
    ("kea", "N sta ku fomi i N ka ten kaza"),
    ("kea", "N krê papia ku algen"),
    ("kea", "modi ki N ta kumesa"),
]


@pytest.mark.parametrize("language, text", DEVELOPMENT)
def test_a_first_message_is_read_in_its_language(language, text):
    guess = guess_language(text)
    assert guess is not None and guess[0] == language, (text, guess)
    assert 0 < guess[1] <= 1


@pytest.mark.parametrize("text", ["hi", "hello there", "Hola", "bonjou", "xin chào", "你好", "ok", "12345", "",
                                  "   ", "👍", "Boa tarde!", "yes please"])
def test_a_greeting_a_number_or_a_word_or_two_is_not_enough(text):
    assert guess_language(text) is None


def test_creoles_are_not_read_as_the_languages_they_borrow_from():
    # Without the creole step these read as English or French, and as Spanish or Portuguese.
    assert guess_language("m vle pale ak yon moun", ("en", "es", "ht"))[0] == "ht"
    assert guess_language("N krê papia ku algen", ("en", "es", "pt", "kea"))[0] == "kea"


def test_french_alone_is_no_language_the_assistant_speaks():
    assert guess_language("Bonjour, j'ai reçu une contravention de la police hier soir") is None


def test_only_the_languages_asked_about_are_returned():
    # A Portuguese message while the assistant speaks English and Spanish: no guess, not "es".
    assert guess_language("estou com fome e não tenho casa", ("en", "es")) is None
    assert guess_language("Recibí un papel de la policía hoy", ("en", "es")) == \
        guess_language("Recibí un papel de la policía hoy")


def test_a_mixed_or_unclear_message_gets_no_guess_rather_than_a_wrong_one():
    assert guess_language("N resebe un papel di polisia") is None      # Kriolu, Spanish or Portuguese?


def test_every_code_is_one_the_project_names():
    assert set(ALL_LANGUAGES) == {"en", "es", "pt", "ht", "zh", "vi", "kea"}
    for _, text in DEVELOPMENT:
        assert guess_language(text)[0] in ALL_LANGUAGES


def test_hostile_text_never_raises():
    for text in ("\x00\x01", "\ud800", "a" * 5000, "🙂" * 50, "-- -- --", "N N N N", "ｓｃｒｅｅｎ ｍｅ ｐｌｅａｓｅ"):
        result = guess_language(text)
        assert result is None or result[0] in ALL_LANGUAGES
