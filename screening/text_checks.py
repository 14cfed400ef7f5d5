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
def _entries(language: str) -> tuple[dict, ...]:
    return tuple(yaml.safe_load(WORDS_FILE.read_text(encoding="utf-8"))[language])


@lru_cache(maxsize=None)
def _avoid_patterns(language: str) -> tuple[tuple[str, re.Pattern], ...]:
    return tuple((e["avoid"], re.compile(_bounded(strip_accents(e["avoid"].casefold()))))
                 for e in _entries(language))


_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


def _bounded(term: str) -> str:
    """The term as a whole word; Chinese has no spaces between words, so there it is found
    anywhere in the text."""
    escaped = re.escape(term)
    return escaped if _HAN.search(term) else rf"\b{escaped}\b"


@lru_cache(maxsize=None)
def _drop_in_rewordings(language: str) -> tuple[tuple[re.Pattern, list[str]], ...]:
    """The list's pairs where only the last word changes ("<x> abuse" -> "<x> use"), so the
    better words fit into a name or sentence as they stand."""
    found = []
    for entry in _entries(language):
        avoid, instead = entry["avoid"].split(), entry["instead"].split()
        if len(avoid) > 1 and len(avoid) == len(instead) and avoid[:-1] == instead[:-1]:
            found.append((re.compile(rf"\b{re.escape(entry['avoid'])}\b", re.I), instead))
    return tuple(found)


def _with_case_of(original: str, words: list[str]) -> str:
    def cased(old: str, word: str) -> str:
        if old.isupper() and len(old) > 1:
            return word.upper()
        return word.capitalize() if old[:1].isupper() else word
    return " ".join(cased(old, word) for old, word in zip(original.split(), words))


def person_first_rewording(text: str, language: str) -> str:
    """`text` with each avoided phrase that has a drop-in replacement reworded, keeping the
    capitals of the words it replaces; other wording is left for a person to change."""
    for pattern, instead in _drop_in_rewordings(language):
        text = pattern.sub(lambda found: _with_case_of(found.group(0), instead), text)
    return text


def stigma_terms_in(text: str, language: str) -> list[str]:
    folded = strip_accents(text.casefold())
    return [term for term, pattern in _avoid_patterns(language) if pattern.search(folded)]
