"""The languages the screening speaks: one list, used everywhere.

Each language has its code (the one stored with a screening and used for the content
files: `content/messages/<code>.yaml`, `content/lexicon/<code>.yaml`, ...), its own
name (as the language menu shows it) and the lexicon command that switches to it
(`commands.<command>` in the lexicon files: "ESPAÑOL", "PORTUGUÊS", "中文"...).
English is the source language; every other one is a translation.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Language:
    code: str
    own_name: str        # the language's name in itself, as the menu shows it
    command: str         # the lexicon command that switches to it
    # By SMS, the assistant's own words (never validated item wording) go without the accents
    # GSM-7 lacks (screening/sms_text.py, gsm7_folded): one message then costs a third of the
    # segments. Only where readers write and read the language without them every day and the
    # words stay clear; never Vietnamese, whose marks are its tones.
    sms_folds_accents: bool = False


ALL = (
    Language("en", "English", "english"),
    Language("es", "Español", "spanish", sms_folds_accents=True),
    Language("pt", "Português", "portuguese", sms_folds_accents=True),
    Language("ht", "Kreyòl ayisyen", "haitian_creole", sms_folds_accents=True),
    Language("zh", "中文", "chinese"),
    Language("vi", "Tiếng Việt", "vietnamese"),
    Language("kea", "Kriolu kabuverdianu", "cape_verdean_creole", sms_folds_accents=True),
)
SOURCE = "en"
LANGUAGES: tuple[str, ...] = tuple(language.code for language in ALL)
TRANSLATED: tuple[str, ...] = tuple(code for code in LANGUAGES if code != SOURCE)
# The lexicon command that switches to a language -> its code.
LANGUAGE_COMMANDS: dict[str, str] = {language.command: language.code for language in ALL}
OWN_NAMES: dict[str, str] = {language.code: language.own_name for language in ALL}
SMS_FOLDS_ACCENTS: frozenset[str] = frozenset(language.code for language in ALL if language.sms_folds_accents)


def known(code: str | None, default: str = SOURCE) -> str:
    """`code` when the screening speaks it, else `default`."""
    return code if code in LANGUAGES else default
