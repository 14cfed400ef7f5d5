"""Which needs a person named, from their own words or numbers from the list.

The words live in `content/lexicon/needs_<lang>.yaml` (edited by screeners and
translators); this module only reads them. How a message is read:

1. `normalize()` it (lower case, no accents, no punctuation except # / ' -),
   then split into words; ' / - # also separate words ("he's" = "he s",
   "housing/food", "#3", "shut-off").
2. Each word is brought to the word the lexicon uses, if it is close:
   a plural ("lawyers" -> "lawyer", "facturas" -> "factura") or a small typo
   (see `_max_typos`). Words the lexicon knows exactly are never changed.
3. From left to right, the longest lexicon entry starting at each word wins
   ("fentanyl test strips" -> harm_reduction, not substance_use) and its words
   are used up ("section 8" is housing, not list number 8). A word that starts
   no entry may be a number from the list.
4. What is left decides between "nothing" () and "something else" ("other",).

Both lexicons are always used, whatever language the person chose.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Sequence

import yaml
from rapidfuzz import process
from rapidfuzz.distance import OSA

from screening.needs import NEED_CATEGORIES
from screening.text_normalize import clean_message, normalize

LEXICON_DIR = Path(__file__).parent / "content" / "lexicon"
LEXICON_LANGUAGES = ("en", "es")

# Typo tolerance, kept conservative because a wrong need is worse than a missed
# one (the person can still say it in their own words):
# - only typed words of 5+ letters are corrected, and only toward lexicon words
#   of 5+ letters; in shorter words one letter changes the word ("rent"/"rest");
# - the typed word must start with the same letter as the lexicon word (people
#   rarely get the first letter wrong; this keeps "later" from becoming "water");
# - Optimal String Alignment distance, where a missing, extra or wrong letter or
#   two neighbouring letters swapped each count as one typo: at most 1 typo in
#   words of 5-9 letters ("housng", "lawer", "rehba", "metadone"), at most 2 in
#   words of 10+ letters ("transportaion", "desintoxicasion"). 2 typos in 9-letter
#   words turned too many real words into keywords ("intencion" -> "infeccion");
# - words the lexicon lists under fillers, no_need, keep_order, numbers or
#   not_typos are never corrected ("fine" must not become "fines").
FUZZY_MIN_LETTERS = 5


def _max_typos(word: str) -> int:
    return 1 if len(word) <= 9 else 2


_SEPARATORS = re.compile(r"[#'/-]+")
_DATE = re.compile(r"^\d+(?:/\d+)+$")         # 3/12, 3/12/2025, and 9/30 from 9:30
_TIME = re.compile(r"(?<=\d):(?=\d\d)")       # 9:30 is read like 9/30: one token
_MONEY = re.compile(r"\$\s*\d[\d,.]*")         # "$5 for the bus" is not list number 5


def _phrase_words(text: str) -> tuple[str, ...]:
    return tuple(w for token in normalize(text).split() for w in _SEPARATORS.split(token) if w)


class _WordsLoader(yaml.SafeLoader):
    """SafeLoader that reads yes/no/on/off as words, not as YAML 1.1 booleans."""


_WordsLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@lru_cache(maxsize=None)
def load_lexicon(language: str) -> dict[str, Any]:
    """The parsed lexicon file for one language ("en", "es"), as written."""
    path = LEXICON_DIR / f"needs_{language}.yaml"
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_WordsLoader) or {}


@dataclass(frozen=True)
class _Lexicon:
    entries: dict[tuple[str, ...], tuple[str, ...]]  # entry words -> category ids
    keep_order: frozenset[tuple[str, ...]]           # "that order", "asi esta bien"
    longest: int                                     # words in the longest entry
    numbers: dict[str, int]                          # "three" -> 3
    connectors: frozenset[str]
    not_number_after: frozenset[str]
    fillers: frozenset[str]
    ignorable: frozenset[str]   # words that are not a request on their own
    never_corrected: frozenset[str]
    vocabulary: frozenset[str]  # every word used in a category entry
    by_letter: dict[str, tuple[str, ...]]  # vocabulary words of 5+ letters by first letter


@lru_cache(maxsize=1)
def _lexicon() -> _Lexicon:
    entries: dict[tuple[str, ...], tuple[str, ...]] = {}
    lists: dict[str, set[tuple[str, ...]]] = {}
    numbers: dict[str, int] = {}
    for language in LEXICON_LANGUAGES:
        data = load_lexicon(language)
        for category, phrases in (data.get("needs") or {}).items():
            if category not in NEED_CATEGORIES:
                raise ValueError(f"needs_{language}.yaml: unknown need category {category!r}")
            for phrase in phrases or ():
                words = _phrase_words(str(phrase))
                if words and category not in entries.get(words, ()):
                    entries[words] = entries.get(words, ()) + (category,)
        for word, value in (data.get("numbers") or {}).items():
            numbers["".join(_phrase_words(str(word)))] = int(value)
        for key in ("connectors", "not_number_after", "no_need", "keep_order", "fillers", "not_typos"):
            lists.setdefault(key, set()).update(_phrase_words(str(p)) for p in data.get(key) or ())
    # One phrase under several categories gives them in the list order.
    entries = {w: tuple(c for c in NEED_CATEGORIES if c in cats) for w, cats in entries.items()}

    def words_of(*keys: str) -> frozenset[str]:
        return frozenset(w for key in keys for phrase in lists[key] for w in phrase)

    ignorable = words_of("connectors", "no_need", "keep_order", "fillers")
    vocabulary = frozenset(w for words in entries for w in words)
    by_letter: dict[str, list[str]] = {}
    for word in sorted(vocabulary):
        if len(word) >= FUZZY_MIN_LETTERS and word.isalpha():
            by_letter.setdefault(word[0], []).append(word)
    return _Lexicon(
        entries=entries,
        keep_order=frozenset(lists["keep_order"]),
        longest=max(map(len, [*entries, *lists["keep_order"]]), default=1),
        numbers=numbers,
        connectors=words_of("connectors"),
        not_number_after=words_of("not_number_after"),
        fillers=words_of("fillers"),
        ignorable=ignorable,
        never_corrected=ignorable | words_of("not_number_after", "not_typos") | frozenset(numbers),
        vocabulary=vocabulary,
        by_letter={letter: tuple(words) for letter, words in by_letter.items()},
    )


@lru_cache(maxsize=8192)
def _as_lexicon_word(word: str) -> str:
    """The lexicon's spelling of `word` if it is a plural or small typo of one."""
    lex = _lexicon()
    if word in lex.vocabulary or word in lex.never_corrected or not word.isalpha():
        return word
    for suffix in ("es", "s"):
        stem = word[: -len(suffix)]
        if word.endswith(suffix) and len(stem) >= 3 and stem in lex.vocabulary:
            return stem
    if len(word) < FUZZY_MIN_LETTERS:
        return word
    best = process.extractOne(
        word, lex.by_letter.get(word[0], ()), scorer=OSA.distance, score_cutoff=_max_typos(word)
    )
    return best[0] if best else word


def _message_words(text: object) -> list[str]:
    raw = _TIME.sub("/", _MONEY.sub(" ", clean_message(text if isinstance(text, str) else str(text or ""))))
    words: list[str] = []
    for token in normalize(raw).split():
        words.extend([token] if _DATE.match(token) else [w for w in _SEPARATORS.split(token) if w])
    return [_as_lexicon_word(w) for w in words]


def _is_number(word: str | None) -> bool:
    return word is not None and (word.isdigit() or word in _lexicon().numbers or bool(_DATE.match(word)))


def _list_number(words: list[str], i: int, strict: bool) -> int | None:
    """The list number words[i] stands for, or None if it is not a pick from the list.

    strict (a free answer): a number counts only when nothing but a connector or
    another number follows it ("1 and 6", "3 please"); "2 kids", "3 days" are
    amounts. Number words also never count after "no", "the", "any" ("no one").
    """
    lex = _lexicon()
    word = words[i]
    if word.isdigit():
        value = int(word)
    elif word in lex.numbers:
        if i and words[i - 1] in lex.not_number_after:
            return None
        value = lex.numbers[word]
    else:
        return None
    following = words[i + 1] if i + 1 < len(words) else None
    if strict and following is not None and following not in lex.connectors and not _is_number(following):
        return None
    return value


def _longest_at(words: list[str], i: int, table: dict | frozenset) -> int:
    """How many words from words[i] on form the longest entry of `table` (0: none)."""
    for size in range(min(_lexicon().longest, len(words) - i), 0, -1):
        if tuple(words[i : i + size]) in table:
            return size
    return 0


def _mentions(words: list[str], strict: bool) -> tuple[list[str | int], bool]:
    """Category ids and list numbers, in the order written; and whether other words remain.

    A date-like token (3/12, 9:30) is read as list numbers only when the message
    is nothing but numbers ("1/6"); in a sentence it is a date or a time
    ("court 3/12"). In ranking answers (not strict) it is always numbers.
    """
    lex = _lexicon()
    only_numbers = all(_is_number(w) or w in lex.ignorable for w in words)
    found: list[str | int] = []
    other_words = False
    i = 0
    while i < len(words):
        size = _longest_at(words, i, lex.entries)
        if size:
            found.extend(lex.entries[tuple(words[i : i + size])])
            i += size
            continue
        word, number = words[i], _list_number(words, i, strict)
        if _DATE.match(word):
            if only_numbers or not strict:
                found.extend(int(part) for part in word.split("/"))
        elif number is not None:
            found.append(number)
        elif word not in lex.ignorable and any(ch.isalpha() for ch in word):
            other_words = True
        i += 1
    return found, other_words


def _unique(items: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def needs_from_text(text: str, language: str) -> tuple[str, ...]:
    """The need categories named in `text`, in the order mentioned, without repeats.

    Words from both lexicons and numbers from the list (1 = housing ... 12 =
    other; out of range ignored) may be mixed. "idk", "nothing", "nada", "no",
    "skip" or an empty message give (); a request that names no known category
    gives ("other",). `language` is accepted for the caller's convenience: both
    lexicons are always used, because people mix languages.
    """
    found, other_words = _mentions(_message_words(text), strict=True)
    ids = _unique([
        item if isinstance(item, str) else NEED_CATEGORIES[item - 1]
        for item in found
        if isinstance(item, str) or 1 <= item <= len(NEED_CATEGORIES)
    ])
    if ids:
        return ids
    return ("other",) if other_words else ()


def _is_keep_order(words: list[str]) -> bool:
    """True if the words say "that order is fine": keep_order entries and fillers only."""
    lex = _lexicon()
    i, said_ok = 0, False
    while i < len(words):
        size = _longest_at(words, i, lex.keep_order)
        if size:
            i, said_ok = i + size, True
        elif words[i] in lex.fillers:
            i += 1
        else:
            return False
    return said_ok


def parse_ranking(text: str, current: Sequence[str]) -> tuple[str, ...] | None:
    """The person's needs reordered by their answer to "which matters most?".

    They were shown `current` numbered from 1. Numbers ("2 1 3", "2 then 1")
    and category words ("housing first") name the needs to put first, in that
    order; the rest keep their order. "ok", "that order", "sí", "👍" keep
    `current`. Returns None when the answer is not understood, including a number
    outside 1..len(current) or only categories that are not in `current`.
    """
    current = tuple(current)
    words = _message_words(text)
    found, _ = _mentions(words, strict=False)
    picks: list[str] = []
    for item in found:
        if isinstance(item, int):
            if not 1 <= item <= len(current):
                return None
            picks.append(current[item - 1])
        elif item in current:
            picks.append(item)
    if picks:
        return _unique([*picks, *current])
    if words and _is_keep_order(words):
        return current
    return None
