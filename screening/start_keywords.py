"""The words printed on the citation insert to start the screening by text, one per language.

A person texts SCREEN (English), EVALUAR (Spanish), AVALIAR (Portuguese), EVALYE (Haitian
Creole), 中文 (Chinese), DANHGIA (Vietnamese) or KRIOLU (Cape Verdean Creole) to the program's
number, and the screening starts in that language. A program sets its own words with
INSERT_KEYWORD (English) and INSERT_KEYWORD_<LANG> (INSERT_KEYWORD_ES, ..._PT, ..._HT, ..._ZH,
..._VI, ..._KEA).

A start word is refused when it is a carrier keyword (STOP, START, HELP, INFO, UNSTOP, CANCEL,
END, QUIT, UNSUBSCRIBE, STOPALL, AYUDA, PARAR...: the phone company acts on those first), a word
the assistant reads as one of its own commands (PAUSE, EXIT, SKIP, WHY, BACK, PERSON...) or an
answer (YES, NO), when it has spaces, digits or signs, or when two languages share one.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Mapping

from .sms_text import HELP_WORDS, OPT_IN_WORDS, OPT_OUT_WORDS

LANGUAGE_ORDER = ("en", "es", "pt", "ht", "zh", "vi", "kea")
DEFAULT_KEYWORDS = {"en": "SCREEN", "es": "EVALUAR", "pt": "AVALIAR", "ht": "EVALYE", "zh": "中文",
                    "vi": "DANHGIA", "kea": "KRIOLU"}
MAX_KEYWORD_CHARS = 20
# Every word a carrier may act on, in any of its spellings here (squeezed as `squeeze` does).
CARRIER_KEYWORDS = frozenset(OPT_OUT_WORDS | OPT_IN_WORDS | set(HELP_WORDS) | {
    "stop", "stopall", "start", "help", "info", "unstop", "cancel", "end", "quit", "unsubscribe",
    "revoke", "optout", "optin", "ayuda", "parar", "detener", "cancelar", "comenzar", "arret", "aide"})
# The assistant's own commands and plain answers: a start word must not be read as one of them.
ANSWER_WORDS = frozenset({"yes", "no", "si", "ok", "okay", "nao", "wi", "non"})
NOT_A_START_COMMAND = frozenset({"skip", "dont_know", "why", "pause", "stop", "help", "human", "back",
                                 "more", "town", "bot_question", "reminders_off", "reminders_on"})


class StartKeywordError(ValueError):
    """A start word cannot be used; the message names the setting and says why."""


def env_name(language: str) -> str:
    return "INSERT_KEYWORD" if language == "en" else f"INSERT_KEYWORD_{language.upper()}"


def squeeze(text: str) -> str:
    """Lower-case letters only, accents and signs dropped: " Evaluar! " -> "evaluar", "Đánh giá" -> "danhgia"."""
    decomposed = unicodedata.normalize("NFKD", (text or "").replace("đ", "d").replace("Đ", "D"))
    without_accents = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"[\W_]+", "", without_accents.casefold())


def check_keyword(language: str, keyword: str) -> str:
    """The keyword as it is printed (trimmed, upper-case), or StartKeywordError."""
    from .interpret import detect_command

    name = env_name(language)
    printed = (keyword or "").strip().upper()
    if not printed:
        raise StartKeywordError(f"{name} is empty: set a word people text to start, like "
                                f"{DEFAULT_KEYWORDS.get(language, 'SCREEN')}")
    word = squeeze(printed)
    if word in CARRIER_KEYWORDS:
        raise StartKeywordError(f"{name} {printed!r} is a carrier keyword (STOP, START, HELP, INFO, CANCEL, "
                                "END, QUIT, UNSUBSCRIBE, AYUDA, PARAR...): the phone company acts on it "
                                "before the screening sees it. Choose another word")
    if len(printed) > MAX_KEYWORD_CHARS or not all(ch.isalpha() for ch in printed):
        raise StartKeywordError(f"{name} {printed!r}: use one word of letters only "
                                f"(no spaces, digits or signs), at most {MAX_KEYWORD_CHARS} letters")
    if word in ANSWER_WORDS or any(detect_command(printed, lang) in NOT_A_START_COMMAND for lang in ("en", "es")):
        raise StartKeywordError(f"{name} {printed!r} is a word the screening already reads as an answer or a "
                                "command (like YES, PAUSE, EXIT, SKIP, WHY). Choose another word")
    return printed


def load_start_keywords(env: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """(language, printed keyword) for every language, from INSERT_KEYWORD*; checked."""
    chosen: list[tuple[str, str]] = []
    seen: dict[str, str] = {}
    for language in LANGUAGE_ORDER:
        value = (env.get(env_name(language)) or "").strip()      # unset or empty: the default word
        printed = check_keyword(language, value or DEFAULT_KEYWORDS[language])
        word = squeeze(printed)
        if word in seen:
            raise StartKeywordError(f"{env_name(language)} {printed!r} is already the start word for "
                                    f"{seen[word]}: each language needs its own word")
        seen[word] = language
        chosen.append((language, printed))
    return tuple(chosen)


def language_of(text: str, keywords: tuple[tuple[str, str], ...]) -> str | None:
    """The language whose start word the message is ("evaluar", "Evaluar!", "SCREEN please"), else None."""
    said = squeeze(text)
    first_word = squeeze((text or "").strip().split(" ")[0]) if (text or "").strip() else ""
    for language, printed in keywords:
        word = squeeze(printed)
        if said == word or (first_word == word and len((text or "").split()) <= 3):
            return language
    return None
