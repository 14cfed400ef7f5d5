"""One place that turns what a person typed into comparable text.

Everything that interprets a message (answers, commands, needs, crisis words)
works on `normalize(text)`, so "Sí!!", "si" and " SI " compare equal.
"""
from __future__ import annotations

import re
import unicodedata

# What the person may send at most; longer text is cut before anything else sees it.
MAX_MESSAGE_CHARS = 1000

_EMOJI_WORDS = {
    "👍": " yes ", "👌": " yes ", "✅": " yes ", "✔": " yes ", "🙂": " ", "😊": " ",
    "👎": " no ", "❌": " no ", "🚫": " no ", "🤷": " idk ",
}
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Half of a UTF-16 pair on its own (JSON's "\ud800" escape allows it): not text, cannot be stored.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_SPACES = re.compile(r"\s+")
_PUNCT = re.compile(r"[^\w\s#/'-]")
# Chinese is written without spaces: each Han character is read as a word, so a phrase
# ("跳过", "想死") is found inside a longer message ("我想跳过这个").
_HAN = re.compile(r"([\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff])")
# Vietnamese đ is a letter of its own, not an accented d; people often type it as d.
_LETTERS_TYPED_PLAIN = str.maketrans({"đ": "d"})


def clean_message(text: str | None) -> str:
    """The message as we store and show it: control characters removed, capped, trimmed."""
    if not text:
        return ""
    text = _CONTROL.sub(" ", str(text))
    text = _LONE_SURROGATE.sub("\ufffd", text)
    text = unicodedata.normalize("NFC", text)
    return _SPACES.sub(" ", text).strip()[:MAX_MESSAGE_CHARS]


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")


def normalize(text: str | None) -> str:
    """Lower-case, accent-free, punctuation-free words separated by single spaces.

    Emoji that carry an answer (thumbs up, thumbs down, shrug) become words.
    """
    text = clean_message(text)
    for emoji, word in _EMOJI_WORDS.items():
        text = text.replace(emoji, word)
    text = text.replace("\u2019", "'").replace("\u2018", "'")   # phone keyboards' curly apostrophes
    text = strip_accents(text.casefold()).translate(_LETTERS_TYPED_PLAIN)
    text = _HAN.sub(r" \1 ", text)
    text = _PUNCT.sub(" ", text)
    return _SPACES.sub(" ", text).strip()
