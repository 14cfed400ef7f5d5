"""Which language a first message is in, offline.

`guess_language(text, languages)` returns `(code, confidence)` or None when the message is
too short to tell (a greeting, a number, one word) or no language is clear enough.

How:
  1. Haitian Creole and Cape Verdean Creole first, from their everyday words
     (`content/language_id/words.yaml`): no maintained identifier ships a model for either,
     and without this step they read as French or English, Portuguese or Spanish. A creole
     needs at least CREOLE_MIN_WORDS of its words and more than the other creole has.
  2. Otherwise lingua-language-detector (its models ship inside the package; nothing is
     downloaded), restricted to English, Spanish, Portuguese, Vietnamese and Chinese, plus
     French, which stands for Haitian Creole written the French way: a French reading counts
     as Haitian Creole only when the message also has a Haitian Creole word.
  3. The best reading is returned when it is clear: a confidence of MIN_CONFIDENCE or more,
     or LOW_CONFIDENCE with a lead of MIN_LEAD over the next language. Unaccented
     Vietnamese ("toi can giup") is read, with less confidence, the same way.

Only codes in `languages` are returned (the catalog's languages: a message in a language the
assistant does not speak yet gets None, and the usual start). The model is loaded on first
use (about 0.7 s and 160 MB) and kept for the life of the process.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Iterable

import yaml

from .text_normalize import clean_message, normalize

WORDS_FILE = Path(__file__).resolve().parent / "content" / "language_id" / "words.yaml"
ALL_LANGUAGES = ("en", "es", "pt", "ht", "zh", "vi", "kea")

MIN_WORDS = 3             # words in the message, greetings left out ... at least
MIN_HAN = 2               # or Chinese characters, greetings left out
CREOLE_MIN_WORDS = 2
MIN_CONFIDENCE = 0.5
LOW_CONFIDENCE = 0.35
MIN_LEAD = 0.15

_LETTERS = re.compile(r"[^\W\d_]+")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# lingua's ISO 639-1 names for the languages it is asked about.
_LINGUA = {"EN": "en", "ES": "es", "PT": "pt", "FR": "fr", "VI": "vi", "ZH": "zh"}


@lru_cache(maxsize=1)
def _words() -> dict:
    data = yaml.safe_load(WORDS_FILE.read_text(encoding="utf-8"))
    return {
        "creole": {code: frozenset(words) for code, words in data["creole"].items()},
        "capitals": {code: frozenset(words) for code, words in data["creole_capital_words"].items()},
        "greetings": frozenset(data["greetings"]),
    }


@lru_cache(maxsize=1)
def _detector():
    from lingua import Language, LanguageDetectorBuilder

    return LanguageDetectorBuilder.from_languages(
        Language.ENGLISH, Language.SPANISH, Language.PORTUGUESE, Language.FRENCH,
        Language.VIETNAMESE, Language.CHINESE).build()


def _plain_words(text: str) -> list[str]:
    """Lower-case words without accents; "da-m", "m'ap" split into their words."""
    return _LETTERS.findall(normalize(text).replace("đ", "d"))


def _enough_text(raw: str, words: list[str]) -> bool:
    greetings = _words()["greetings"]
    han = [ch for ch in _HAN.findall(raw)]
    if han:
        without = raw
        for greeting in greetings:
            without = without.replace(greeting, "")
        return len(_HAN.findall(without)) >= MIN_HAN
    return len([w for w in words if w not in greetings]) >= MIN_WORDS - 1 and len(words) >= MIN_WORDS


def _creole_counts(raw: str, words: list[str]) -> dict[str, int]:
    found = _words()
    capitals = re.findall(r"(?<![\w-])[A-Z](?![\w])", raw)
    return {code: sum(w in vocabulary for w in words) + sum(c in found["capitals"].get(code, ()) for c in capitals)
            for code, vocabulary in found["creole"].items()}


def _creole(raw: str, words: list[str]) -> tuple[str, float] | None:
    counts = _creole_counts(raw, words)
    (best, hits), (_, other) = sorted(counts.items(), key=lambda kv: kv[1], reverse=True)[:2]
    if hits < CREOLE_MIN_WORDS or hits <= other:
        return None
    return best, min(0.99, 0.6 + 0.4 * hits / max(len(words), 1))


def _lingua(text: str) -> list[tuple[str, float]]:
    values = _detector().compute_language_confidence_values(text)
    return [(_LINGUA[v.language.iso_code_639_1.name], float(v.value)) for v in values]


def guess_language(text: str, languages: Iterable[str] = ALL_LANGUAGES) -> tuple[str, float] | None:
    """(language code, confidence 0-1) for a message, or None when it cannot be told."""
    allowed = set(languages)
    raw = clean_message(text)
    words = _plain_words(raw)
    if not raw or not _enough_text(raw, words):
        return None
    reading = _creole(raw, words)
    if reading is None:
        ranked = _lingua(unicodedata.normalize("NFC", raw))
        (best, confidence), runner_up = ranked[0], (ranked[1][1] if len(ranked) > 1 else 0.0)
        clear = confidence >= MIN_CONFIDENCE or (confidence >= LOW_CONFIDENCE and confidence - runner_up >= MIN_LEAD)
        if best == "fr":
            best = "ht" if _creole_counts(raw, words).get("ht", 0) >= 1 else ""
        reading = (best, confidence) if clear and best else None
    if reading is None or reading[0] not in allowed:
        return None
    return reading[0], round(reading[1], 3)
