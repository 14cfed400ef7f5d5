"""Nothing the assistant says uses stigmatizing words (NIDA "Words Matter"), in any language.

Named *stigma_words* because it lists terms to avoid, as the project's checks expect.
"""
from __future__ import annotations

import pytest

from screening.dialogue.catalog import LANGUAGES
from screening.text_checks import person_first_rewording, stigma_terms_in

from .test_content import all_instrument_texts, messages


@pytest.mark.parametrize("language", LANGUAGES)
def test_nothing_the_assistant_says_uses_stigmatizing_words(language):
    found = []
    for key, text in [*messages(language).items(), *all_instrument_texts(language)]:
        found += [(key, term) for term in stigma_terms_in(text, language)]
    assert found == []


@pytest.mark.parametrize("text, language, term", [
    ("He is an addict.", "en", "addict"), ("substance abuse program", "en", "substance abuse"),
    ("stay clean", "en", "clean"), ("es un drogadicto", "es", "drogadicto"),
])
def test_the_stigma_check_catches_what_it_should(text, language, term):
    assert term in stigma_terms_in(text, language)


@pytest.mark.parametrize("published, shown", [
    ("Fenway Health Substance Abuse Treatment Program", "Fenway Health Substance Use Treatment Program"),
    ("McLean Hospital Alcohol and Drug Abuse Treatment", "McLean Hospital Alcohol and Drug Use Treatment"),
    ("outpatient substance abuse services", "outpatient substance use services"),
    ("ALCOHOL ABUSE CLINIC", "ALCOHOL USE CLINIC"),
    # No drop-in wording: left for a person to change (a company's name, a noun for people).
    ("Habit OPCO Lowell", "Habit OPCO Lowell"),
    ("Substance User Health Services", "Substance User Health Services"),
])
def test_names_are_reworded_only_where_the_better_words_drop_in(published, shown):
    assert person_first_rewording(published, "en") == shown
