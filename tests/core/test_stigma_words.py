"""Nothing the assistant says uses stigmatizing words (NIDA "Words Matter"), in any language.

Named *stigma_words* because it lists terms to avoid, as the project's checks expect.
"""
from __future__ import annotations

import pytest

from screening.dialogue.catalog import LANGUAGES
from screening.text_checks import stigma_terms_in

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
