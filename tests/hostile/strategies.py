"""Text a person, a phone or an attacker could send: any Unicode, and the words the
assistant reads, mixed with noise, so generated messages reach deep into the readers."""
from __future__ import annotations

from functools import lru_cache

from hypothesis import strategies as st

from screening.instrument import default_instrument
from screening.interpret import load_lexicon


@lru_cache(maxsize=1)
def vocabulary() -> tuple[str, ...]:
    """Option phrases in both languages, commands, numbers and yes/no words."""
    words: set[str] = set()
    for item in default_instrument().items.values():
        for option in item.options:
            for language in ("en", "es"):
                words.update(option.phrases(language))
    words.update(load_lexicon().commands)
    words.update(["yes", "no", "sí", "nah", "idk", "1", "2", "3", "4", "5", "0", "12", "-1", "1.5", "2/3",
                  "never", "sometimes", "but", "not", "don't", "ya", "pero", "no sé", "skip", "why", "back"])
    return tuple(sorted(w for w in words if w))


NOISE = st.sampled_from([" ", "  ", ",", ".", "!", "?", "\n", "\t", "...", "😀", "👍🏽", "\u200b", "\u202e", "\x00",
                         "'", '"', "-", ":", ";", "/", "(", ")", "&", "<script>", "%s", "{}", "\\", "\r\n", "İ", "ß"])

# Lone surrogates are what JSON's "\ud800" escapes and broken clients produce.
ANY_CHARACTER = st.characters(codec=None, exclude_categories=())


def messages() -> st.SearchStrategy[str]:
    """Any text at all, or the assistant's own words with noise between them."""
    worded = st.lists(st.one_of(st.sampled_from(vocabulary()), NOISE, st.text(max_size=4)), max_size=12).map("".join)
    return st.one_of(st.text(max_size=300), st.text(ANY_CHARACTER, max_size=60), worded,
                     st.text(max_size=5000).filter(lambda t: len(t) > 400))
