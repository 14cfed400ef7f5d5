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
   are used up ("section 8" is housing, not list number 8). A `not_needs` phrase
   longer than any entry there is used up as naming nothing (who or where a need is
   for: "mercado pa la casa" is food only, "groceries for the house"). A word that
   starts no entry may be a number from the list.
4. What a named need is doing in the sentence (`read_needs`), within its part of the
   message (parts end at , . ; ! ? and at contrast words such as "but", "pero"):
   - negated: after a negator in the same part ("I don't need food, I need work", "no
     necesito comida ni ropa"); a request verb ("I need", "necesito") ends the negator's
     reach. `not_before` words ("not") negate only a need right after them ("not food",
     but "I do not feel safe" is a need). Plain "no" is a lack: "no food" is a need.
   - had: right after a have-word ("I have a car", "tengo trabajo"), with only small
     words between, for the categories listed under `had_is_not_needed`; a have-word
     after a `lack` word is a lack, so a need ("no tengo casa", "I don't have a car").
   - fine: right before "is fine", "is ok", "está bien" ("food is fine").
   - context: after a context marker in the same part ("because", "so I can",
     "porque", "para pagar"; where a ride goes: "a ride to work", "rides to the
     methadone clinic"; what a wanted thing is like: "a job that'll hire someone with a
     record"), or a place to sleep named by a vehicle ("in my car").
   - in Spanish (the screening's language), a need said as "no" + the need alone in its
     part, when another part names a need plainly, is negated ("no comida, vivienda":
     not food, housing), and the reading is unsure.
   These are left out. Context is left out only when something else is needed; then
   the reading is unsure. When every need is context, those after the first marker are
   the needs and later ones stay context ("ayuda para pagar la luz porque no tengo
   trabajo": utilities, unsure).
5. What is left decides between "nothing" () and "something else" ("other",). A need
   right after or before a priority word ("first", "mostly", "sobre todo") moves to
   the front; otherwise needs keep the order written.
6. A reading is unsure (the assistant asks the person to confirm) when it is "other"
   only because of words the lexicon does not know, when context was left out, or when
   a need rests only on `weak` entries (words often said in passing: "car", "money").

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

from screening.languages import LANGUAGES
from screening.needs import NEED_CATEGORIES
from screening.text_normalize import clean_message, normalize

LEXICON_DIR = Path(__file__).parent / "content" / "lexicon"
LEXICON_LANGUAGES = LANGUAGES

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
class NeedReading:
    """The needs named, in order, and whether the reading is sure (see module docstring)."""
    needs: tuple[str, ...]
    sure: bool


@dataclass(frozen=True)
class _Mention:
    start: int
    end: int
    value: str | int            # a category id, or a number from the list
    entry: tuple[str, ...]      # the lexicon entry's words (() for numbers)


@dataclass(frozen=True)
class _Lexicon:
    entries: dict[tuple[str, ...], tuple[str, ...]]  # entry words -> category ids
    keep_order: frozenset[tuple[str, ...]]           # "that order", "asi esta bien"
    not_needs: frozenset[tuple[str, ...]]            # "pa la casa", "for the kids": no need
    longest: int                                     # words in the longest entry
    numbers: dict[str, int]                          # "three" -> 3
    connectors: frozenset[str]
    not_number_after: frozenset[str]
    fillers: frozenset[str]
    ignorable: frozenset[str]   # words that are not a request on their own
    never_corrected: frozenset[str]
    vocabulary: frozenset[str]  # every word used in a category entry
    by_letter: dict[str, tuple[str, ...]]  # vocabulary words of 5+ letters by first letter
    negators: frozenset[tuple[str, ...]]     # "don't need", "no necesito": to the part's end
    not_before: frozenset[tuple[str, ...]]   # "not": only right before ("not food")
    need_verbs: frozenset[tuple[str, ...]]   # "need", "necesito": end a negator's reach
    contrast: frozenset[tuple[str, ...]]     # "but", "pero": end a part
    have: frozenset[tuple[str, ...]]         # "i have", "tengo"
    have_before_small: frozenset[tuple[str, ...]]  # "got": only with "a", "my"... between
    lack: frozenset[tuple[str, ...]]         # "no", "don't": "no tengo casa" is a need
    had_is_not_needed: frozenset[str]        # categories a have-word cancels
    small: frozenset[str]                    # "a", "my", "un": may stand between
    fine_after: frozenset[tuple[str, ...]]   # "is fine", "esta bien"
    context: frozenset[tuple[str, ...]]      # "because", "so i can", "porque"
    first: frozenset[tuple[str, ...]]        # "first", "mostly", "sobre todo"
    weak: frozenset[tuple[str, ...]]         # entries often said in passing: "car"
    markers_longest: int


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
        for key in ("connectors", "not_number_after", "no_need", "keep_order", "fillers", "not_typos",
                    "not_needs", *_MARKER_KEYS):
            lists.setdefault(key, set()).update(_phrase_words(str(p)) for p in data.get(key) or ())
        for category in data.get("had_is_not_needed") or ():
            if category not in NEED_CATEGORIES:
                raise ValueError(f"needs_{language}.yaml: unknown need category {category!r}")
            lists.setdefault("had_is_not_needed", set()).add((str(category),))
    # One phrase under several categories gives them in the list order.
    entries = {w: tuple(c for c in NEED_CATEGORIES if c in cats) for w, cats in entries.items()}

    def words_of(*keys: str) -> frozenset[str]:
        return frozenset(w for key in keys for phrase in lists[key] for w in phrase)

    ignorable = words_of("connectors", "no_need", "keep_order", "fillers")
    unknown_weak = {w for w in lists["weak"] if w not in entries}
    if unknown_weak:
        raise ValueError(f"weak entries that are not need entries: {sorted(unknown_weak)}")
    vocabulary = frozenset(w for words in entries for w in words)
    by_letter: dict[str, list[str]] = {}
    for word in sorted(vocabulary):
        if len(word) >= FUZZY_MIN_LETTERS and word.isalpha():
            by_letter.setdefault(word[0], []).append(word)
    return _Lexicon(
        entries=entries,
        keep_order=frozenset(lists["keep_order"]),
        longest=max(map(len, [*entries, *lists["keep_order"], *lists["not_needs"]]), default=1),
        not_needs=frozenset(lists["not_needs"]),
        numbers=numbers,
        connectors=words_of("connectors"),
        not_number_after=words_of("not_number_after"),
        fillers=words_of("fillers"),
        ignorable=ignorable,
        never_corrected=ignorable | words_of("not_number_after", "not_typos", *_MARKER_KEYS[:-1])
        | frozenset(numbers),
        vocabulary=vocabulary,
        by_letter={letter: tuple(words) for letter, words in by_letter.items()},
        negators=frozenset(lists["negators"]),
        not_before=frozenset(lists["not_before"]),
        need_verbs=frozenset(lists["need_verbs"]),
        contrast=frozenset(lists["contrast"]),
        have=frozenset(lists["have"]),
        have_before_small=frozenset(lists["have_before_small"]),
        lack=frozenset(lists["lack"]),
        had_is_not_needed=frozenset(w for (w,) in lists.get("had_is_not_needed", ())),
        small=words_of("small"),
        fine_after=frozenset(lists["fine_after"]),
        context=frozenset(lists["context"]),
        first=frozenset(lists["first"]),
        weak=frozenset(lists["weak"]),
        markers_longest=max((len(p) for key in _MARKER_KEYS for p in lists[key]), default=1),
    )


# Lists of phrases that say what a named need is doing in the sentence (module docstring, 4-6).
_MARKER_KEYS = ("negators", "not_before", "need_verbs", "contrast", "have", "have_before_small",
                "lack", "small", "fine_after", "context", "first", "weak")


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


# A comma, full stop, semicolon, !, ? or line break ends a part of the message, except
# between digits ("1,6", "$5.50"); so does a dash with spaces around it.
_PART_BREAK = re.compile(r"(?<!\d)[,;.!?\n]+|[,;.!?\n]+(?!\d)|\s[-\u2013\u2014]+(?:\s|$)")


def _message_parts(text: object) -> tuple[list[str], set[int]]:
    """The message's words (lexicon spellings) and the word indexes where a new part starts."""
    raw = _TIME.sub("/", _MONEY.sub(" ", clean_message(text if isinstance(text, str) else str(text or ""))))
    words: list[str] = []
    breaks: set[int] = set()
    for part in _PART_BREAK.split(raw):
        if words:
            breaks.add(len(words))
        for token in normalize(part).split():
            words.extend([token] if _DATE.match(token) else [w for w in _SEPARATORS.split(token) if w])
    return [_as_lexicon_word(w) for w in words], breaks


def _message_words(text: object) -> list[str]:
    return _message_parts(text)[0]


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


def _scan(words: list[str], strict: bool) -> tuple[list[_Mention], list[int]]:
    """Categories and list numbers where they are written; and where other words are.

    A date-like token (3/12, 9:30) is read as list numbers only when the message
    is nothing but numbers ("1/6"); in a sentence it is a date or a time
    ("court 3/12"). In ranking answers (not strict) it is always numbers.
    """
    lex = _lexicon()
    only_numbers = all(_is_number(w) or w in lex.ignorable for w in words)
    found: list[_Mention] = []
    others: list[int] = []
    i = 0
    while i < len(words):
        size = _longest_at(words, i, lex.entries)
        skip = _longest_at(words, i, lex.not_needs)
        if skip > size:                         # "mercado pa la casa": not a place to live
            i += skip
            continue
        if size:
            entry = tuple(words[i : i + size])
            found.extend(_Mention(i, i + size, c, entry) for c in lex.entries[entry])
            i += size
            continue
        word, number = words[i], _list_number(words, i, strict)
        if _DATE.match(word):
            if only_numbers or not strict:
                found.extend(_Mention(i, i + 1, int(part), ()) for part in word.split("/"))
        elif number is not None:
            found.append(_Mention(i, i + 1, number, ()))
        elif word not in lex.ignorable and any(ch.isalpha() for ch in word):
            others.append(i)
        i += 1
    return found, others


def _mentions(words: list[str], strict: bool) -> tuple[list[str | int], bool]:
    """Category ids and list numbers, in the order written; and whether other words remain."""
    found, others = _scan(words, strict)
    return [m.value for m in found], bool(others)


def _phrase_ending_at(words: list[str], end: int, phrases: frozenset[tuple[str, ...]]) -> int:
    """How many words before `end` form one of `phrases` (0: none)."""
    for size in range(min(_lexicon().markers_longest, end), 0, -1):
        if tuple(words[end - size : end]) in phrases:
            return size
    return 0


def _part_of(i: int, breaks: list[int]) -> int:
    return sum(1 for b in breaks if b <= i)


def _role(m: _Mention, words: list[str], breaks: list[int]) -> str:
    """What a named need is doing: "need", "negated", "had", "fine" or "context"."""
    lex = _lexicon()
    # right before, with only small words between: a have-word ("I have a car") or "not"
    j = m.start
    while j > 0 and words[j - 1] in lex.small and j not in breaks:
        j -= 1
    lead = m.start                       # small words that begin the entry ("a job")
    while lead < m.end - 1 and words[lead] in lex.small:
        lead += 1
    if j not in breaks and isinstance(m.value, str):
        have = _phrase_ending_at(words, j, lex.have) or (
            _phrase_ending_at(words, j, lex.have_before_small) if j < lead else 0)
        if m.value in lex.had_is_not_needed and have and j - have not in breaks \
                and not _phrase_ending_at(words, j - have, lex.lack):   # "no tengo casa"
            return "had"
        if _phrase_ending_at(words, j, lex.not_before):
            return "negated"
    # right after: "is fine", "esta bien"
    if isinstance(m.value, str):
        for size in range(min(lex.markers_longest, len(words) - m.end), 0, -1):
            if m.end not in breaks and tuple(words[m.end : m.end + size]) in lex.fine_after:
                return "fine"
    # before, in the same part: a negator or a context marker, unless a request verb
    # or a contrast word comes between
    part = _part_of(m.start, breaks)
    i = m.start
    while i > 0 and _part_of(i - 1, breaks) == part:
        for phrases, role in ((lex.negators, "negated"), (lex.context, "context")):
            if _phrase_ending_at(words, i, phrases):
                return role
        if _phrase_ending_at(words, i, lex.need_verbs) or _phrase_ending_at(words, i, lex.contrast):
            return "need"
        i -= 1
    return "need"


def _context_start(m: _Mention, words: list[str], breaks: list[int]) -> int:
    """Where the context marker before a context need begins (the nearest one)."""
    lex = _lexicon()
    part = _part_of(m.start, breaks)
    i = m.start
    while i > 0 and _part_of(i - 1, breaks) == part:
        size = _phrase_ending_at(words, i, lex.context)
        if size:
            return i - size
        i -= 1
    return m.start


def _to_category(value: str | int) -> str | None:
    if isinstance(value, str):
        return value
    return NEED_CATEGORIES[value - 1] if 1 <= value <= len(NEED_CATEGORIES) else None


def read_needs(text: str, language: str = "en") -> NeedReading:
    """The needs named in `text` and whether the reading is sure (module docstring 4-6)."""
    words, break_set = _message_parts(text)
    lex = _lexicon()
    for i, word in enumerate(words):            # "but", "pero" end a part too
        if (word,) in lex.contrast:
            break_set.add(i)
    breaks = sorted(break_set)
    found, others = _scan(words, strict=True)
    marker_words = {i + k for key in ("negators", "not_before", "context", "fine_after", "first")
                    for phrase in getattr(lex, key) for i in range(len(words))
                    if tuple(words[i : i + len(phrase)]) == phrase for k in range(len(phrase))}
    other_words = any(i not in marker_words for i in others)
    found = [m for m in found if _to_category(m.value)]
    roles = {m: _role(m, words, breaks) for m in found}
    sure = True
    if language == "es":        # "no comida, vivienda": not food, housing (asked to confirm)
        def bare_no(m: _Mention) -> bool:
            return (m.start > 0 and words[m.start - 1] == "no" and m.start - 1 in {0, *break_set}
                    and m.end in {len(words), *break_set})
        plain = [m for m in found if roles[m] == "need" and not bare_no(m)]
        for m in found:
            if roles[m] == "need" and bare_no(m) and any(
                    _part_of(n.start, breaks) != _part_of(m.start, breaks) for n in plain):
                roles[m], sure = "negated", False
    needed = [m for m in found if roles[m] == "need"]
    context = [m for m in found if roles[m] == "context"]
    if not needed and context:      # only context: the needs after the first marker are meant
        first_marker = min(_context_start(m, words, breaks) for m in context)
        needed = [m for m in context if _context_start(m, words, breaks) == first_marker]
        context = [m for m in context if m not in needed]
    if context and {_to_category(m.value) for m in context} - {_to_category(m.value) for m in needed}:
        sure = False
    # priority words move a need to the front ("housing, but mostly food")
    def first(m: _Mention) -> bool:
        after = any(tuple(words[m.end : m.end + size]) in lex.first and m.end not in break_set
                    for size in range(1, lex.markers_longest + 1))
        j = m.start
        while j > 0 and words[j - 1] in lex.small and j not in break_set:
            j -= 1
        return after or (j not in break_set and bool(_phrase_ending_at(words, j, lex.first)))
    ordered = [m for m in needed if first(m)] + [m for m in needed if not first(m)]
    ids = _unique([c for c in map(lambda m: _to_category(m.value), ordered) if c])
    if not ids:
        if other_words and not found:
            return NeedReading(("other",), False)
        return NeedReading((), True)
    for category in ids:
        evidence = [m for m in needed if _to_category(m.value) == category]
        if all(m.entry in lex.weak for m in evidence if m.entry) and any(m.entry for m in evidence):
            sure = False
    return NeedReading(ids, sure)


def _unique(items: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def needs_from_text(text: str, language: str) -> tuple[str, ...]:
    """The need categories named in `text`, in the order mentioned, without repeats.

    Words from both lexicons and numbers from the list (1 = housing ... 12 =
    other; out of range ignored) may be mixed. "idk", "nothing", "nada", "no",
    "skip" or an empty message give (); a request that names no known category
    gives ("other",). Needs said as negated, had, fine or context are left out (see
    `read_needs`, which also says whether the reading is sure). `language` is accepted
    for the caller's convenience: both lexicons are always used, because people mix
    languages.
    """
    return read_needs(text, language).needs


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
