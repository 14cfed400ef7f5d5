"""Checks over what the assistant says: reading level and non-stigmatizing words."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import textstat
import yaml

from .text_normalize import strip_accents

WORDS_FILE = Path(__file__).parent / "content" / "words" / "stigma_words.yaml"
MAX_READING_GRADE = 6.0


def reading_grade(text: str) -> float:
    """Flesch-Kincaid grade of English text; placeholders and numbers count as short words."""
    plain = re.sub(r"\{[^}]*\}", "it", text)
    return textstat.flesch_kincaid_grade(plain)


@lru_cache(maxsize=None)
def _avoid_patterns(language: str) -> tuple[tuple[str, re.Pattern], ...]:
    entries = yaml.safe_load(WORDS_FILE.read_text(encoding="utf-8"))[language]
    return tuple((e["avoid"], re.compile(rf"\b{re.escape(strip_accents(e['avoid'].casefold()))}\b"))
                 for e in entries)


def stigma_terms_in(text: str, language: str) -> list[str]:
    folded = strip_accents(text.casefold())
    return [term for term, pattern in _avoid_patterns(language) if pattern.search(folded)]
