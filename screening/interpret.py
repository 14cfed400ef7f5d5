"""Reading a person's reply: which option, yes or no, a command, a crisis, Spanish or not.

Pure Python (no Rasa, no web framework). The word lists are data in
`content/lexicon/en.yaml` and `content/lexicon/es.yaml`; both are always read together,
so English and Spanish yes/no words, number words and commands are understood whatever
the screening's language. (The `language` arguments are accepted for the dialogue
engine's convenience and for future use; no word in the lists means one thing in one
language and another thing in the other as a whole answer. The one overlap handled by
position: Spanish "y" ("and") joins choices in a list, while "y" alone is English
shorthand for yes.)

Every rule below answers "not sure" (None) rather than guess: the engine then asks again,
which costs a person one more text, while a wrong guess would save a wrong answer.

Text. Comparisons use `normalize(text)` (lower case, no accents, no punctuation, emoji as
words), split into words, with apostrophes dropped ("don't" = "dont", curly phone
apostrophes too), hyphens and slashes read as spaces, and a letter typed 3+ times in a row
shortened ("yesss" -> "yes"). Yes/no words and commands also ignore doubled letters
("yess", "stopp"). Lexicon entries go through the same steps.

Answers to a question (match_single, match_multi) are read a little further:
  - Parts: a comma, full stop, semicolon, !, ? or line break (not between digits: "1,3")
    ends a part of the answer; so does a yes or no said on its own before a new statement
    ("no I have a car": clause_starters), and a clear yes before anything but another
    yes/no word (`yes_alone`: "yes the bus is always late"; "yeah no" stays mixed; "no
    money for gas" is a lack, not a "no"), and a yes or no that closes the answer after a
    `conclusion` word ("utilities come with the apartment so no", "entonces sí").
  - Spellings: texting spellings and contractions are read as the lexicon's `spellings`
    say ("alot" -> "a lot", "everyday" -> "every day", "do not" -> "dont", "q" -> "que"),
    in the answer and in the option phrases alike; "3x" is "3 x" (three times).
  - Small words: a phrase of 2+ other words matches with or without `light_words` ("a",
    "the", "my", "la", "mi") inside it: "can't pay rent" = "can't pay my rent".
  - Option sets: `content/lexicon/option_sets.yaml` says, for a set of option ids, how to
    map counted frequencies (bands) and what a negated option phrase means ("I don't
    have a steady place" -> not steady).

match_single, in order:
  1. A number: the whole answer, after filler such as "option", "the", "I'd say",
     "please", is a digit ("2", "#2", "2.", "2nd", "2do") or a number word ("two", "dos",
     "second", "segundo", "the second one"). Out of range -> None.
  2. What the answer names, found everywhere in it:
     - an option's phrase, word for word and never across a part break ("i'd say
       sometimes true honestly"; "bastantes veces, sí" is not "a veces sí"). Phrases
       shorter than 4 characters ("No", "Sí", "Yes", "guy") count only as the whole
       answer or a whole part (after filler and small words: "im a guy"), so "no idea"
       is not "No" but "no, I have a car" is.
     - on a frequency scale, a counted frequency ("two or three times a month", "every
       other day", "weekends", "dos veces al mes"; see screening/frequency.py) turned
       into times within the item's period and placed by the set's bands; a range across
       two bands, or in a gap, is unsure. A count is not an option number there ("2 days"
       in the PHQ's 2 weeks is several days); counts inside a vague idiom do not count
       ("once" in "once in a while").
     - a yes or no said as the first part ("nah, i drive") or closing it after a
       conclusion word ("... so no"), when exactly one option is labelled yes / no (see 3);
       a plain yes beside an option of the set's `with_yes` agrees with it ("sí, ya nos
       cortaron la luz" is already shut off).
     - on a set with `stopped_long_ago` (the AHC substance items): a `stopped` phrase
       ("quit", "clean", "lo dejé"), not negated, with a time longer ago than the item's
       period in the same part (`long_ago` phrases such as "years ago", "hace años";
       "since" + a year; a count of years: "sober 3 years") names that option (never).
     - on a set with `denied_acts` (the AHC safety items): what the questions ask about,
       negated ("he doesn't hit me", "no yelling in my house", "no me pegan"), names that
       option (never); it is unsure when another act is said without a negator in the
       same part ("no hitting, just yelling"). An act said plainly names nothing.
     A phrase or frequency inside a longer one does not count ("fairly often" beats
     "often", "once or twice a week" beats "once or twice"); when a phrase and a frequency
     cover the same words, the phrase (the instrument's own words) wins.
     Negation: a phrase with a negator up to NEGATION_REACH (2) words before it, not
     counting `negation_skip` words ("have", "a", "really", "tengo", "un") nor words of
     other option phrases, and never across a part break or a contrast word, is negated
     (a negator inside another option phrase of 2+ words that ends before this one is
     that phrase's own: "si no pago ... me la cortan")
     ("not very often", "I don't have a steady place", "not worried about losing it"),
     unless the phrase is itself negative ("no, nunca", "not at all", "not a problem").
     On a frequency scale, a negative phrase followed by a `limiters` phrase says less
     than it seems and keeps the answer unsure ("I don't drink much", "I don't smoke
     anymore", "no fumo tanto"). A phrase after a `doubters` phrase is unsure too ("I
     wouldn't say never", "no diría que nunca").
     A negated phrase means the option set's `negated` option if it has one (and the
     phrase is not in `not_flipped`), otherwise it chooses nothing.
     Contrast: the answer is cut at `contrast` words ("but", "pero"): the part after
     decides ("renting but behind and might have to leave" -> worried). A `concessive`
     word ("though", "aunque") makes its own part give way ("though I rent, I might
     have to leave"; "I rent, scared tho"). From the last part back: a part naming one
     option decides; naming two, or a frequency between two options, is unsure; a part
     with only negated phrases gives way to the part before ("most days but not every
     day"); a last part that names nothing but says something, a bare negator included
     ("I have a car but it's old", "yes but not now"), is unsure. Without contrast words the answer is one part: two different
     options named -> None.
  3. Nothing named: yes/no words ("yeah", "nope", "claro", "👍") when exactly one option
     has a phrase from the lexicon's narrow yes_labels / no_labels ("Yes", "Sí" / "No",
     "Never", "Nunca", "Not at all"...). So "no" / "nope" choose "Never true" or PHQ "Not
     at all"; "yes" chooses nothing there, nor an option whose synonym is "fine" or "SSI".
  4. Typos (rapidfuzz `fuzz.ratio`, 0-100) between option phrases of at most
     FUZZY_MAX_WORDS (3) words and windows of the answer's words: best score >=
     FUZZY_MIN_SCORE (80) and at least FUZZY_MIN_MARGIN (10) points above the next option,
     the window starting with the phrase's first letter and each of its words with the
     phrase's word's first letter (or words joined or split, keeping the first word, with
     at most one typo besides: "amenudo", "some times true"), phrases of 4+
     characters only, never inside a vague
     idiom; the margin is measured against every other option's loosest score (any phrase
     length, any window), so a near-miss of another option keeps it unsure. 80 accepts one wrong,
     missing or extra letter in a 5-letter word ("nevr", "nunka", "ofen") and two in
     longer phrases ("somtims"); the first-letter rules keep real words out ("ever" is not
     "never", "infrequently" is not "frequently", "on elm street" is not "on the street"),
     and a word the lexicon knows as something else (a number, yes/no word, filler,
     negator, function or small word, one listed under `not_typos`, or a real word in
     `content/lexicon/real_words.txt`, made by scripts/real_words.py from word lists) is
     never a typo of another ("one" is not "once", "non stop" is not "none", "relapsed"
     is not "relaxed"; in a list answer, where every leftover must be a typo of some
     choice, only the lexicon's words count: "mod and psts"); the margin keeps an answer
     between two options unsure.
  Finally, a digit at the start or end of a longer answer ("2 sometimes", "often (1)")
  must name the same option as the words, otherwise None ("2 or 3", "3 sometimes");
  digits inside a counted frequency or an option phrase are not option numbers ("3
  times a week", "section 8").

match_multi: the whole answer may be a "none" or "all" phrase, or a `none_lead` ("I don't
need", "no tengo") followed by a none word or one of `none_any` ("any of those", "nada de
eso"); otherwise every part must be understood: option numbers, option phrases (as above,
any length; negated ones do not count), joining and filler words ("and", "y", "also", "I
have", where in the home: "on the walls", "en la cocina"), `list_phrases` ignored only
whole ("doesn't work", "no funciona": "not" alone is never ignored), and leftover words that
match one option by typo. An option set's `lacking` options are named by their negation
("no smoke alarms", "sin calefacción": that lack is the problem, and the "no" is not the
none option), and said after a `have_words` word ("we have smoke detectors") the answer is
unsure. No words beside the none option alone are fine ("nope, all good"). A part after a comma that names nothing and starts a new statement ("mold, the
landlord knows"; a clause starter or a small word first) is a remark and left out when
another part names an option, unless it holds a number, a negator, a contrast word, a
none or all word, or a word one typo from an option's word. Any other word -> None
("everything except mold", "not pests"). "1-3" (a range or two numbers?) -> None. "13" is
option 13, not 1 and 3. The none option cannot be combined. "none" when the question has
no none option -> () (understood: nothing chosen).

yes_or_no: the whole answer, after politeness filler, is a yes or no phrase, or is made
only of yes words ("sí 👍", "ok sure") or only of no words ("no nope"). Longer answers
("no one helps me", "yes but not now") and mixed ones ("yeah no") -> None.

detect_command: the whole message is a command phrase, with at most MAX_COMMAND_FILLERS
(2) filler phrases around it ("ok stop please", "en español por favor"; `command_filler`
words such as "this", "that", "y" count as filler here only: "why are you asking this").
Texting spellings are read first ("why r u asking" = "why are you asking"). Or the first
part (up to a comma, full stop ...) is a command and every later part says the same
command again somewhere ("go back, I answered that one wrong", "luego sigo, ahorita no
puedo"). "I need help with housing" and "the bus stop is far" are not commands. "I need
help" alone is not the help command either (it may be a need; the language model decides).

Crisis reading is its own module (`screening/crisis.py`), with its own phrase data.

looks_spanish: Spanish score = marker words in es.yaml (strong 2, weak 1) + 1 for ¿ ¡ or ñ
+ 1 for an accented vowel; English score = marker words in en.yaml. Spanish when the
Spanish score >= SPANISH_MIN_SCORE (2) and above the English score. So "hola" (strong),
"¿qué es esto?" and "no tengo donde vivir" are Spanish; "no", "sí", "2", "dos", "José",
"San Juan", "Los Angeles" and mixed "I need ayuda" are not.

Messages longer than `text_normalize.MAX_MESSAGE_CHARS` are cut before reading, as
everywhere else in the project.
"""
from __future__ import annotations

import functools
import logging
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence, TypeVar

import yaml
from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

from screening.languages import LANGUAGE_COMMANDS, LANGUAGES
from screening.frequency import Frequency, FrequencyWords, find_frequencies, years_at
from screening.text_normalize import clean_message, normalize

log = logging.getLogger(__name__)

LEXICON_DIR = Path(__file__).resolve().parent / "content" / "lexicon"
LEXICON_LANGUAGES = LANGUAGES

COMMANDS = ("skip", "dont_know", "why", "pause", "stop", "help", "human", "back",
            *LANGUAGE_COMMANDS, "more", "town", "bot_question", "reminders_off", "reminders_on")

FUZZY_MIN_SCORE = 80      # rapidfuzz fuzz.ratio, 0-100
FUZZY_MIN_MARGIN = 10     # points the best option must lead the next one by
FUZZY_MIN_CHARS = 4       # shorter phrases ("no", "sí", "yes") must be typed exactly
FUZZY_MAX_WORDS = 3       # longer phrases are matched word for word only (a typo is in a word,
                          # and a window one word short of "i take the bus fine" is another answer)
MAX_COMMAND_FILLERS = 2   # "ok stop please" is a command; a sentence is not
NEGATION_REACH = 2        # words before a phrase that may negate it ("not very often")
SPANISH_MIN_SCORE = 2

Words = tuple[str, ...]  # a message or phrase as normalized words


@dataclass(frozen=True)
class OptionChoice:
    id: str                    # e.g. "often_true"
    number: int                # shown to the person, from 1
    phrases: tuple[str, ...]   # label, short label and synonyms (any language)


class LexiconError(ValueError):
    """A lexicon file is missing, malformed or contradicts itself."""


# ---------------------------------------------------------------------------
# Text into words

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"})
_ELONGATED = re.compile(r"([^\W\d_])\1{2,}")
_DOUBLED = re.compile(r"([^\W\d_])\1+")
_DIGIT_NUMBER = re.compile(
    r"#?(\d{1,3})(?:st|nd|rd|th|ro|ra|do|da|er|to|ta|vo|va|no|na|mo|ma|o|a|º|ª)?")
_RANGE = re.compile(r"\d\s*-\s*\d")
_SPANISH_SIGNS = re.compile(r"[¿¡ñÑ]")
_ACCENTED_VOWEL = re.compile(r"[áéíóúüÁÉÍÓÚÜ]")


def _words(text: Any, keep_apostrophes: bool = False) -> Words:
    if text is None:
        return ()
    norm = normalize(str(text).translate(_APOSTROPHES))
    norm = _ELONGATED.sub(r"\1", norm).replace("-", " ").replace("/", " ")
    if not keep_apostrophes:
        norm = norm.replace("'", "")
    return tuple(norm.split())


def _squeeze(words: Iterable[str]) -> Words:
    """Doubled letters ignored and repeated words collapsed: "yess yes" -> ("yes",)."""
    out: list[str] = []
    for word in (_DOUBLED.sub(r"\1", w) for w in words):
        if not out or out[-1] != word:
            out.append(word)
    return tuple(out)


def _strip_ends(words: Words, phrases: Sequence[Words]) -> tuple[Words, int]:
    """Remove filler phrases from both ends; return what is left and how many went."""
    removed = 0
    while words:
        for phrase in phrases:
            if words[:len(phrase)] == phrase:
                words = words[len(phrase):]
                break
            if words[-len(phrase):] == phrase:
                words = words[:-len(phrase)]
                break
        else:
            break
        removed += 1
    return words, removed


def _occurrences(words: Words, phrase: Words) -> Iterator[int]:
    size = len(phrase)
    return (i for i in range(len(words) - size + 1) if words[i:i + size] == phrase)


# ---------------------------------------------------------------------------
# The lexicon

@dataclass(frozen=True)
class Lexicon:
    yes: frozenset[str]                       # squeezed whole answers
    no: frozenset[str]
    yes_labels: frozenset[str]                # option phrases that make it the yes option
    no_labels: frozenset[str]
    none: frozenset[str]
    all: frozenset[str]
    numbers: Mapping[str, int]
    number_suffix: frozenset[str]
    answer_filler: tuple[Words, ...]          # filler + answer_filler, longest first
    yes_no_filler: tuple[Words, ...]          # squeezed filler that is not a yes/no word
    command_filler: tuple[Words, ...]         # squeezed filler
    list_skip: frozenset[str]                 # words ignored between choices
    list_phrases: tuple[Words, ...]           # phrases ignored between choices ("doesn't work")
    list_words_not_aside: frozenset[str]      # "none", "all", "todo": never a remark
    resolved: frozenset[str]                  # "fixed", "used", "arreglaron": a problem that is over
    conjunctions: frozenset[str]              # "and", "y", "plus": a new choice follows
    have: frozenset[str]                      # "have", "tengo": "we have smoke detectors"
    none_lead: tuple[Words, ...]              # "i don't need" + none_any: nothing chosen
    none_any: frozenset[str]                  # "any of those", "nada de eso"
    negators: frozenset[str]
    commands: Mapping[str, str]               # squeezed phrase -> command
    markers: Mapping[str, Mapping[str, int]]  # language -> word -> weight
    # Reading an answer's parts (options only; commands and crisis words do not use these)
    negation_skip: frozenset[str]             # words a negator reaches over ("have", "a")
    contrast: tuple[Words, ...]               # "but", "pero": the part after decides
    concessive: tuple[Words, ...]             # "though", "aunque": the part they mark gives way
    conclusion: tuple[Words, ...]             # "so", "entonces": "... so no" answers on its own
    limiters: tuple[Words, ...]               # "much", "anymore": "I don't drink much"
    doubters: tuple[Words, ...]               # "wouldn't say": "I wouldn't say never"
    stopped: tuple[Words, ...]                # "quit", "clean", "lo dejé"
    long_ago: tuple[Words, ...]               # "years ago", "hace años"
    since: frozenset[str]                     # "since", "desde" (+ a year)
    clause_starters: frozenset[str]           # "no I have a car": "no" answers on its own
    yes_alone: frozenset[str]                 # "yes the bus...": always answers on its own
    light: frozenset[str]                     # "a", "the", "mi": optional inside phrases
    function_words: frozenset[str]            # words that add nothing to an answer part
    known: frozenset[str]                     # lexicon words never read as a typo of an option
    real_words: frozenset[str]                # real words never read as a typo of one choice
    spellings: Mapping[Words, Words]          # "alot" -> ("a", "lot"), "do not" -> ("dont",)
    spelling_longest: int
    frequency: FrequencyWords


def _read(language: str) -> dict:
    path = LEXICON_DIR / f"{language}.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise LexiconError(f"cannot read {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise LexiconError(f"{path}: expected a mapping at the top")
    return data


def _get(data: dict, path: Sequence[str], where: str) -> Any:
    for key in path:
        if data is None:
            return None
        if not isinstance(data, dict):
            raise LexiconError(f"{where}: expected a mapping above {key!r}")
        data = data.get(key)
    return data


def _strings(value: Any, where: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise LexiconError(f"{where}: expected a list of quoted strings")
    return value


def _longest_first(phrases: Iterable[Words]) -> tuple[Words, ...]:
    return tuple(sorted({p for p in phrases if p}, key=lambda p: (-len(p), p)))


@functools.lru_cache(maxsize=None)
def load_lexicon() -> Lexicon:
    """Read both lexicon files once and prepare them for matching."""
    raw = {language: _read(language) for language in LEXICON_LANGUAGES}

    def entries(*path: str) -> list[Any]:
        """The list under `path`, both languages together."""
        out: list[Any] = []
        for language, data in raw.items():
            where = f"{language}.yaml: {'.'.join(path)}"
            out.extend(_strings(_get(data, path, where), where))
        return out

    def phrases(*path: str) -> tuple[Words, ...]:
        return _longest_first(_words(p) for p in entries(*path))

    def joined(*path: str, squeeze: bool = False) -> frozenset[str]:
        return frozenset(" ".join(_squeeze(p) if squeeze else p) for p in phrases(*path))

    def single_words(*path: str) -> frozenset[str]:
        words = phrases(*path)
        if any(len(w) != 1 for w in words):
            raise LexiconError(f"{'.'.join(path)}: single words only")
        return frozenset(w[0] for w in words)

    yes, no = joined("yes_words", squeeze=True), joined("no_words", squeeze=True)
    if yes & no:
        raise LexiconError(f"both yes and no: {sorted(yes & no)}")

    numbers: dict[str, int] = {}
    for language, data in raw.items():
        table = _get(data, ["numbers"], language) or {}
        if not isinstance(table, dict) or not all(isinstance(n, int) for n in table):
            raise LexiconError(f"{language}.yaml: numbers must map 1, 2, ... to word lists")
        for number, words in table.items():
            for word in _strings(words, f"{language}.yaml: numbers.{number}"):
                numbers[" ".join(_words(word))] = number

    filler = phrases("filler")
    answer_filler = _longest_first(filler + phrases("answer_filler"))
    list_skip = frozenset(w for key in ("filler", "answer_filler", "conjunctions", "list_filler")
                          for p in phrases(key) for w in p)
    if list_skip & numbers.keys():
        raise LexiconError(f"filler words that are numbers: {sorted(list_skip & numbers.keys())}")
    negator_words = frozenset(p[-1] for p in phrases("negators"))
    if list_skip & negator_words:       # "no mold" must never read as "mold"
        raise LexiconError(f"filler words that are negators: {sorted(list_skip & negator_words)}")

    spellings: dict[Words, Words] = {}
    for language, data in raw.items():
        mapping = _get(data, ["spellings"], language) or {}
        if not isinstance(mapping, dict):
            raise LexiconError(f"{language}.yaml: spellings must be a mapping")
        for typed, meant in mapping.items():
            key = _words(str(typed))
            if key:
                spellings[key] = _words(str(meant))
    spelling_longest = max(map(len, spellings), default=1)

    commands: dict[str, str] = {}
    for language, data in raw.items():
        for command in _get(data, ["commands"], language) or {}:
            if command not in COMMANDS:
                raise LexiconError(f"{language}.yaml: unknown command {command!r}")
    for command in COMMANDS:
        for phrase in phrases("commands", command):
            key = " ".join(_squeeze(_apply_spellings(phrase, spellings, spelling_longest)))
            if commands.setdefault(key, command) != command:
                raise LexiconError(f"{key!r} is both {commands[key]} and {command}")

    markers = {}
    for language, data in raw.items():
        weights: dict[str, int] = {}
        for level, weight in (("weak", 1), ("strong", 2)):
            where = f"{language}.yaml: markers.{level}"
            for word in _strings(_get(data, ["markers", level], where), where):
                for w in _words(word):
                    weights[w] = max(weights.get(w, 0), weight)
        markers[language] = weights


    return Lexicon(
        yes=yes, no=no, yes_labels=joined("yes_labels"), no_labels=joined("no_labels"),
        none=joined("none_words"), all=joined("all_words"),
        numbers=numbers, number_suffix=single_words("number_suffix"),
        answer_filler=answer_filler,
        yes_no_filler=_longest_first(_squeeze(p) for p in filler
                                     if " ".join(_squeeze(p)) not in yes | no),
        command_filler=_longest_first(_squeeze(p) for p in filler + phrases("command_filler")),
        list_skip=list_skip,
        list_phrases=phrases("list_phrases"),
        list_words_not_aside=frozenset(w for w in joined("none_words") | joined("all_words")
                                       if " " not in w),
        resolved=frozenset(w for p in phrases("resolved_words") for w in p),
        conjunctions=frozenset(w for p in phrases("conjunctions") for w in p),
        have=frozenset(w for p in phrases("have_words") for w in p),
        none_lead=_longest_first(_apply_spellings(p, spellings, spelling_longest)
                                 for p in phrases("none_lead")),
        none_any=joined("none_any"),
        negators=frozenset(p[-1] for p in phrases("negators")),
        commands=commands,
        markers=markers,
        negation_skip=frozenset(w for p in phrases("negation_skip") for w in p),
        contrast=phrases("contrast"),
        concessive=phrases("concessive"),
        conclusion=phrases("conclusion"),
        limiters=_longest_first(_apply_spellings(p, spellings, spelling_longest)
                                for p in phrases("limiters")),
        doubters=_longest_first(_apply_spellings(p, spellings, spelling_longest)
                                for p in phrases("doubters")),
        stopped=_longest_first(_apply_spellings(p, spellings, spelling_longest)
                               for p in phrases("stopped")),
        long_ago=phrases("long_ago"),
        since=frozenset(w for p in phrases("since") for w in p),
        clause_starters=frozenset(w for p in phrases("clause_starters") for w in p),
        yes_alone=frozenset(" ".join(_squeeze(p)) for p in phrases("yes_alone")),
        light=frozenset(w for p in phrases("light_words") for w in p),
        function_words=frozenset(w for p in phrases("function_words") for w in p),
        known=frozenset(w for key in ("function_words", "light_words", "negators", "filler",
                                      "not_typos") for p in phrases(key) for w in p)
        | frozenset(numbers) | frozenset(w for w in yes | no if " " not in w),
        real_words=_real_words(),
        spellings=spellings,
        spelling_longest=spelling_longest,
        frequency=_frequency_words(raw),
    )


REAL_WORDS_FILE = LEXICON_DIR / "real_words.txt"


def _real_words() -> frozenset[str]:
    """Real words never read as a typo of an option (real_words.txt, made by
    scripts/real_words.py from word lists): one word a line, # comments."""
    try:
        lines = REAL_WORDS_FILE.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return frozenset()
    return frozenset(w for line in lines if (w := line.strip()) and not w.startswith("#"))


def _frequency_words(raw: Mapping[str, dict]) -> FrequencyWords:
    """The `frequency:` sections of both lexicon files, for screening.frequency."""
    def section(language: str) -> dict:
        found = raw[language].get("frequency") or {}
        if not isinstance(found, dict):
            raise LexiconError(f"{language}.yaml: frequency must be a mapping")
        return found

    def listed(key: str) -> tuple[Words, ...]:
        out = []
        for language in raw:
            where = f"{language}.yaml: frequency.{key}"
            out += [_words(p) for p in _strings(section(language).get(key), where)]
        return _longest_first(out)

    def table(key: str) -> dict[Words, Any]:
        out: dict[Words, Any] = {}
        for language in raw:
            mapping = section(language).get(key) or {}
            if not isinstance(mapping, dict):
                raise LexiconError(f"{language}.yaml: frequency.{key} must be a mapping")
            for phrase, value in mapping.items():
                values = value if isinstance(value, list) else [value]
                if not values or not all(isinstance(v, (int, float)) for v in values):
                    raise LexiconError(f"{language}.yaml: frequency.{key}.{phrase}: numbers only")
                out[_words(str(phrase))] = tuple(float(v) for v in values)
        return out

    def single(key: str) -> dict[str, float]:
        found = table(key)
        if any(len(k) != 1 for k in found):
            raise LexiconError(f"frequency.{key}: single words only")
        return {k[0]: v[0] for k, v in found.items()}

    def words_of(key: str) -> frozenset[str]:
        return frozenset(w for p in listed(key) for w in p)

    amounts = table("amounts")
    fixed = table("fixed")
    if any(len(v) != 2 for v in amounts.values()) or any(len(v) != 3 for v in fixed.values()):
        raise LexiconError("frequency: amounts are [low, high], fixed are [low, high, per_days]")
    return FrequencyWords(
        numbers=single("numbers"), amounts={k: (v[0], v[1]) for k, v in amounts.items()},
        once=single("once"), times=words_of("times"), per=listed("per"), every=listed("every"),
        other=words_of("other"), ordinals={k: int(v) for k, v in single("ordinals").items()},
        hedges=listed("hedges"), range_words=words_of("range_words"),
        range_start=words_of("range_start"),
        units={k: v[0] for k, v in table("units").items()},
        day_units=frozenset(listed("day_units")), weekends=listed("weekends"),
        adverbs={k: v[0] for k, v in table("adverbs").items()},
        fixed={k: (v[0], v[1], v[2]) for k, v in fixed.items()},
        not_counts=listed("not_counts"), almost=words_of("almost"),
        every_skip=words_of("every_skip"), things=listed("things"), some=listed("some"),
        vocabulary=words_of("typo_targets"), one=words_of("one"),
        not_typos=words_of("not_typos"),
    )


_T = TypeVar("_T")


def _never_raise(fallback: _T) -> Callable[[Callable[..., _T]], Callable[..., _T]]:
    """A message we cannot read is "not understood", never a crash of the conversation.

    A broken lexicon file still raises (it must be fixed, not hidden). What the person
    wrote is never logged.
    """
    def wrap(func: Callable[..., _T]) -> Callable[..., _T]:
        @functools.wraps(func)
        def safe(*args: Any, **kwargs: Any) -> _T:
            load_lexicon()  # outside the try: any lexicon problem is loud
            try:
                return func(*args, **kwargs)
            except Exception as exc:  # noqa: BLE001 - see docstring
                log.error("%s failed (%s); reply treated as not understood",
                          func.__name__, type(exc).__name__)
                return fallback
        return safe
    return wrap


# ---------------------------------------------------------------------------
# Options

OPTION_SETS_FILE = LEXICON_DIR / "option_sets.yaml"


@dataclass(frozen=True)
class OptionSetRules:
    """How one set of answer options relates (content/lexicon/option_sets.yaml)."""
    period_days: float | None = None                       # for counted frequencies
    bands: tuple[tuple[str, float, float], ...] = ()       # option id, low, high
    negated: Mapping[str, str] = field(default_factory=dict)     # negated option -> option meant
    not_flipped: frozenset[Words] = frozenset()                 # phrases that never flip
    lacking: frozenset[str] = frozenset()      # options that are a lack: "no heat" names them
    stopped_long_ago: str | None = None        # "quit years ago": the option it means
    denied: str | None = None                  # "he doesn't hit me": the option it means
    with_yes: frozenset[str] = frozenset()     # options a plain "yes" beside them agrees with
    acts: tuple[Words, ...] = ()               # what the items ask about: "hit", "grita"


@functools.lru_cache(maxsize=None)
def load_option_sets() -> Mapping[frozenset[str], OptionSetRules]:
    """Option ids (as a set) -> how to read frequencies and negations for them."""
    try:
        data = yaml.safe_load(OPTION_SETS_FILE.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise LexiconError(f"cannot read {OPTION_SETS_FILE}: {exc}") from exc
    rules: dict[frozenset[str], OptionSetRules] = {}
    for name, entry in data.items():
        where = f"option_sets.yaml: {name}"
        if not isinstance(entry, dict):
            raise LexiconError(f"{where}: expected a mapping")
        ids = frozenset(str(i) for i in _strings([str(i) for i in entry.get("options") or []], where))
        frequency = entry.get("frequency") or {}
        bands = []
        for option_id, band in (frequency.get("bands") or {}).items():
            if (str(option_id) not in ids or not isinstance(band, list) or len(band) != 2
                    or not all(isinstance(b, (int, float)) for b in band)):
                raise LexiconError(f"{where}: band {option_id!r} must be [low, high] of an option")
            bands.append((str(option_id), float(band[0]), float(band[1])))
        negated = {str(k): str(v) for k, v in (entry.get("negated") or {}).items()}
        lacking = frozenset(_strings([str(i) for i in entry.get("lacking") or []], where))
        negated.update({option_id: option_id for option_id in lacking})
        if not set(negated) | set(negated.values()) <= ids:
            raise LexiconError(f"{where}: negated or lacking names an unknown option")
        period = frequency.get("period_days")
        if bands and not isinstance(period, (int, float)):
            raise LexiconError(f"{where}: frequency needs period_days")
        not_flipped = frozenset(_phrase_key(p) for p in _strings(entry.get("not_flipped"), where))
        stopped = entry.get("stopped_long_ago")
        if stopped is not None and (str(stopped) not in ids or not bands):
            raise LexiconError(f"{where}: stopped_long_ago must name an option, with bands")
        denied = entry.get("denied_acts") or {}
        if denied and (not isinstance(denied, dict) or str(denied.get("option")) not in ids):
            raise LexiconError(f"{where}: denied_acts needs the option it means and its acts")
        rules[ids] = OptionSetRules(
            period_days=float(period) if bands else None, bands=tuple(bands), negated=negated,
            not_flipped=not_flipped, lacking=lacking,
            stopped_long_ago=None if stopped is None else str(stopped),
            denied=str(denied["option"]) if denied else None,
            acts=_longest_first(_phrase_key(p) for p in _strings(denied.get("acts"), where)),
            with_yes=frozenset(_strings([str(i) for i in entry.get("with_yes") or []], where)))
    return rules


def _rules_for(options: Sequence[OptionChoice]) -> OptionSetRules:
    return load_option_sets().get(frozenset(o.id for o in options)) or OptionSetRules()


@dataclass(frozen=True)
class Answer:
    """An answer as words, with where its parts break."""
    words: Words
    breaks: frozenset[int]      # a comma, full stop ... (or a yes/no said alone) before words[i]
    verdict: int | None = None  # where a closing yes or no starts ("... so no")

    def clauses(self) -> list[tuple[int, int]]:
        """(start, end) of each punctuation part."""
        edges = sorted({0, len(self.words), *(b for b in self.breaks if 0 < b < len(self.words))})
        return list(zip(edges, edges[1:]))


# A comma, full stop, semicolon, !, ? or line break ends a part, except between digits
# ("1,3", "2.5"); so does a dash with spaces around it.
_CLAUSE_BREAK = re.compile(r"(?<!\d)[,;.!?\n]+|[,;.!?\n]+(?!\d)|\s[-\u2013\u2014]+(?:\s|$)")


def _spell(words: Words, lex: Lexicon) -> Words:
    """Texting spellings and contractions as the lexicon writes them ("alot" -> "a lot")."""
    return _apply_spellings(words, lex.spellings, lex.spelling_longest)


def _apply_spellings(words: Words, spellings: Mapping[Words, Words], longest: int) -> Words:
    out: list[str] = []
    i = 0
    while i < len(words):
        for size in range(min(longest, len(words) - i), 0, -1):
            meant = spellings.get(words[i:i + size])
            if meant is not None:
                out.extend(meant)
                i += size
                break
        else:
            out.append(words[i])
            i += 1
    return tuple(out)


_TIMES_X = re.compile(r"(\d{1,4})x")


def _split_times(words: Words) -> Words:
    """ "3x" -> "3", "x" (three times), so "2-3x a week" reads as a range."""
    out: list[str] = []
    for word in words:
        match = _TIMES_X.fullmatch(word)
        out.extend((match.group(1), "x") if match else (word,))
    return tuple(out)


def _answer(text: Any, lex: Lexicon) -> Answer:
    words: list[str] = []
    breaks: set[int] = set()
    for part in _CLAUSE_BREAK.split(clean_message(None if text is None else str(text))):
        part_words = _spell(_split_times(_words(part)), lex)
        if part_words:
            if words:
                breaks.add(len(words))
            words.extend(part_words)
    # "no I have a car", "yeah it does": a yes or no that answers on its own
    first = 0
    while first < len(words) and _squeeze(words[first:first + 1]) in lex.yes_no_filler:
        first += 1
    for size in (3, 2, 1):
        said = " ".join(_squeeze(words[first:first + size]))
        after = first + size
        following = " ".join(_squeeze(words[after:after + 1]))
        if after < len(words) and ((said in lex.yes or said in lex.no)
                                   and words[after] in lex.clause_starters
                                   or said in lex.yes_alone and following not in lex.yes | lex.no):
            breaks.add(after)
            break
    # "utilities come with the apartment so no": a yes or no that closes the answer
    verdict = None
    for phrase in lex.conclusion:
        for at in _occurrences(tuple(words), phrase):
            end = at + len(phrase)
            rest = _squeeze(_strip_ends(_squeeze(words[end:]), lex.yes_no_filler)[0])
            if at > 0 and rest and (" ".join(rest) in lex.yes or " ".join(rest) in lex.no):
                breaks.update((at, end))
                verdict = end
    return Answer(tuple(words), frozenset(breaks), verdict)


@functools.lru_cache(maxsize=4096)
def _phrase_key(phrase: str) -> Words:
    return _spell(_words(phrase), load_lexicon())


def _option_keys(option: OptionChoice) -> list[Words]:
    return [k for k in dict.fromkeys(_phrase_key(str(p)) for p in option.phrases) if k]


def _digit_number(word: str) -> int | None:
    match = _DIGIT_NUMBER.fullmatch(word)
    return int(match.group(1)) if match else None


def _number(word: str, lex: Lexicon) -> int | None:
    number = _digit_number(word)
    return number if number is not None else lex.numbers.get(word)


def _only_number(core: Words, lex: Lexicon) -> int | None:
    """The answer is just a number: "2", "#2", "two", "segundo", "2nd one"."""
    if len(core) == 2 and core[1] in lex.number_suffix and _number(core[0], lex) is not None:
        core = core[:1]
    return _number(core[0], lex) if len(core) == 1 else None


def _core_bounds(words: Words, lex: Lexicon) -> tuple[int, int]:
    """Where the answer is once filler at both ends is left out ("I'd say 2" -> "2")."""
    start, end = 0, len(words)
    changed = True
    while changed and start < end:
        changed = False
        for phrase in lex.answer_filler:
            if words[start:start + len(phrase)] == phrase and start + len(phrase) <= end:
                start += len(phrase)
                changed = True
                break
            if end - len(phrase) >= start and words[end - len(phrase):end] == phrase:
                end -= len(phrase)
                changed = True
                break
    return (start, end) if start < end else (0, len(words))


def _negated(answer: Answer, start: int, key: Words, lex: Lexicon,
             phrases: Mapping[int, int] | None = None) -> bool:
    """ "not often", "not very often", "I don't have a steady place", "no tengo un lugar
    estable", "not worried about losing it" - unless the phrase is itself negative ("no,
    nunca", "not at all"). A negator reaches NEGATION_REACH words back, not counting
    negation_skip words nor words of other option phrases (`phrases`: word index -> where
    the furthest phrase over it ends), never past a part break or a contrast word; a
    negator inside another option phrase of 2+ words that ends before this one belongs to
    that phrase ("si no pago ... me la cortan"; but "not looking" still negates "looking
    for work", and a phrase that is only "no" owns nothing)."""
    return _negator_at(answer, start, key, lex, phrases) is not None


def _negator_at(answer: Answer, start: int, key: Words, lex: Lexicon,
                phrases: Mapping[int, int] | None = None) -> int | None:
    """Where the negator of the phrase at `start` is (see _negated), or None."""
    phrases = phrases or {}
    if key and (key[0] in lex.negators or " ".join(_squeeze(key)) in lex.no):
        return None
    counted = 0
    i = start - 1
    while i >= 0 and counted < NEGATION_REACH:
        if i + 1 in answer.breaks:
            return None
        word = answer.words[i]
        if word in lex.negators and phrases.get(i, start + 1) > start:   # not "si no pago"
            return i
        if (word,) in lex.contrast:
            return None
        if word not in lex.negation_skip and i not in phrases:
            counted += 1
        i -= 1
    return None


@dataclass(frozen=True)
class _Span:
    start: int
    end: int
    option: str | None          # None: a frequency between two options (unsure)
    negated: bool = False
    frequency: bool = False
    lead: int | None = None     # a negated phrase read as another option: where its negator is


def _reduced(words: Words, lex: Lexicon) -> tuple[Words, list[int]]:
    kept = [i for i, w in enumerate(words) if w not in lex.light]
    return tuple(words[i] for i in kept), kept


def _clause_is(answer: Answer, key: Words, lex: Lexicon) -> list[tuple[int, int]]:
    """Parts of the answer that are exactly `key` once filler is left out ("no, i have a car")."""
    found = []
    for start, end in answer.clauses():
        part = answer.words[start:end]
        inner = _strip_ends(part, lex.answer_filler)[0] or part
        while len(inner) > 1 and inner[0] in lex.light:       # "im a guy"
            inner = inner[1:]
        if inner == key:
            found.append((start, end))
    return found


@functools.lru_cache(maxsize=4096)
def _count_phrase(key: Words) -> bool:
    lex = load_lexicon()
    found = find_frequencies(key, lex.frequency)
    return len(found) == 1 and (found[0].start, found[0].end) == (0, len(key))


def _is_count(key: Words, lex: Lexicon) -> bool:
    """The phrase is itself a counted frequency ("once", "twice", "one time")."""
    return _count_phrase(key)


def _frequency_option(freq: Frequency, rules: OptionSetRules) -> str | None:
    low, high = freq.times_in(rules.period_days or 0.0)
    fits = [o for o, b_low, b_high in rules.bands if b_low - 1e-3 <= low and high <= b_high + 1e-3]
    return fits[0] if len(fits) == 1 else None


def _option_spans(answer: Answer, core: Words, options: Sequence[OptionChoice], lex: Lexicon,
                  short_ok: bool, rules: OptionSetRules | None = None,
                  yes_no: bool = True) -> list[_Span]:
    """Where options are named: their phrases word for word (small words such as "a",
    "the", "mi" optional inside phrases of 2+ other words), counted frequencies mapped by
    the option set's bands, a yes or no said on its own; minus nested ones, and minus
    counts inside a vague idiom ("once" in "once in a while"). A negated
    phrase means the option set's `negated` option (unless listed in `not_flipped`), or
    is kept as negated."""
    words = answer.words
    reduced, kept = _reduced(words, lex)
    spans: list[_Span] = []
    found: list[tuple[OptionChoice, Words, int, int]] = []
    for option in options:
        for key in _option_keys(option):
            if len(" ".join(key)) < FUZZY_MIN_CHARS and not short_ok:
                if key == core:
                    spans.append(_Span(0, len(words), option.id))
                else:
                    spans += [_Span(s, e, option.id) for s, e in _clause_is(answer, key, lex)]
                continue
            places = {(i, i + len(key)) for i in _occurrences(words, key)}
            small = tuple(w for w in key if w not in lex.light)
            if len(small) >= 2:
                places |= {(kept[i], kept[i + len(small) - 1] + 1)
                           for i in _occurrences(reduced, small)}
            found += [(option, key, s, e) for s, e in places      # never across a part break
                      if not any(s < b < e for b in answer.breaks)]
    vague = [(i, i + len(idiom)) for idiom in lex.frequency.not_counts
             for i in _occurrences(words, idiom)]
    found = [f for f in found if not (_is_count(f[1], lex) and any(
        v_start <= f[2] and f[3] <= v_end for v_start, v_end in vague))]  # "once" in "once in a while"
    phrases: dict[int, int] = {}        # a one-word phrase ("no") owns no negator
    for _, _, s, e in found:
        for i in range(s, e):
            phrases[i] = max(phrases.get(i, 0), e if e - s > 1 else len(words) + 1)
    for option, key, s, e in found:
        if rules and rules.bands and any(w in lex.negators for w in key) and any(
                words[e:e + len(limit)] == limit for limit in lex.limiters):
            spans.append(_Span(s, e, None))       # "I don't drink much": not never, unsure
            continue
        if any(words[max(0, s - len(doubt)):s] == doubt for doubt in lex.doubters):
            spans.append(_Span(s, e, None))       # "I wouldn't say never"
            continue
        flipped = rules.negated.get(option.id) if rules and key not in rules.not_flipped else None
        negator = _negator_at(answer, s, key, lex, phrases)
        negated = negator is not None
        spans.append(_Span(s, e, flipped, False, lead=negator) if negated and flipped
                     else _Span(s, e, option.id, negated))
    if rules and rules.bands:
        for freq in find_frequencies(words, lex.frequency):
            spans.append(_Span(freq.start, freq.end, _frequency_option(freq, rules),
                               _negated(answer, freq.start, words[freq.start:freq.end], lex, phrases),
                               frequency=True))
    if rules and rules.stopped_long_ago:
        spans += _stopped_long_ago(answer, rules, lex)
    if rules and rules.denied:
        spans += _denied_acts(answer, rules, lex, phrases)
    if rules is not None and yes_no and len(answer.clauses()) > 1:
        said = [answer.clauses()[0]] + [c for c in answer.clauses()[1:] if c[0] == answer.verdict]
        for clause in said:
            yes_no_option = _yes_no_option(words[slice(*clause)], (), options, lex)
            if yes_no_option:
                spans.append(_Span(*clause, yes_no_option))
    spans = list(dict.fromkeys(spans))
    if rules and any(s.option in rules.with_yes and not s.negated for s in spans):
        yes_ids = {o.id for o in options if any(" ".join(k) in lex.yes_labels for k in _option_keys(o))}
        spans = [s for s in spans if not (      # "sí, ya nos cortaron la luz": the yes agrees
            s.option in yes_ids and " ".join(_squeeze(words[s.start:s.end])) in lex.yes)]
    spans = [s for s in spans
             if not any(t.start <= s.start and s.end <= t.end and t.end - t.start > s.end - s.start
                        for t in spans)
             and not (s.frequency and any(not t.frequency and (t.start, t.end) == (s.start, s.end)
                                          for t in spans))]
    return spans


def _denied_acts(answer: Answer, rules: OptionSetRules, lex: Lexicon,
                 phrases: Mapping[int, int]) -> list[_Span]:
    """ "he doesn't hit me", "no yelling in my house", "en mi casa no se grita": what the
    question asks about, negated, means the set's `denied_acts` option (never); unsure when
    another act is said without a negator in the same part ("no hitting, just yelling")."""
    words = answer.words
    places: list[tuple[int, int]] = []
    for act in rules.acts:
        for i in _occurrences(words, act):
            if not any(s <= i < e for s, e in places):
                places.append((i, i + len(act)))
    denied = [(s, e) for s, e in places if _negator_at(answer, s, words[s:e], lex, phrases) is not None]
    said = [(s, e) for s, e in places if (s, e) not in denied]
    parts = _parts(answer, lex)
    spans = []
    for s, e in denied:
        p_start, p_end = next(((a, b) for a, b in parts if a <= s < b), (0, len(words)))
        mixed = any(p_start <= t < p_end for t, _ in said)
        spans.append(_Span(s, e, None if mixed else rules.denied))
    return spans


_YEAR = re.compile(r"(19|20)\d\d")


def _stopped_long_ago(answer: Answer, rules: OptionSetRules, lex: Lexicon) -> list[_Span]:
    """ "quit smoking years ago", "clean since 2019", "sober 3 years", "lo dejé hace años":
    a `stopped` word and a time longer ago than the item's period, in one part, and the
    stopped word not negated ("never quit") -> the option set's `stopped_long_ago` option."""
    words = answer.words
    period_years = (rules.period_days or 0.0) / 365
    found = []
    for start, end in answer.clauses():
        part = words[start:end]
        stops = [i for phrase in lex.stopped for i in _occurrences(part, phrase)
                 if phrase[0] in lex.negators or not (i and part[i - 1] in lex.negators)]
        if not stops:
            continue
        for i in range(len(part)):
            size = next((len(p) for p in lex.long_ago if part[i:i + len(p)] == p), 0)
            if not size and part[i] in lex.since and i + 1 < len(part) \
                    and _YEAR.fullmatch(part[i + 1]) \
                    and date.today().year - int(part[i + 1]) >= 1 + period_years:
                size = 2                                        # "since 2019"
            if not size:
                years = years_at(part, i, lex.frequency)        # "for 3 years", "hace 3 años"
                if years and years[0] > period_years:
                    size = years[1] - i
            if size:
                first = min(stops + [i])
                last = max(i + size, max(stops) + 1)
                found.append(_Span(start + first, start + last, rules.stopped_long_ago))
                break
    return found


def _parts(answer: Answer, lex: Lexicon) -> list[tuple[int, int]]:
    """The answer cut where it turns: "X but Y" -> X, Y; "though X, Y" -> X, Y; "X, Y tho"
    -> X, Y. The contrast words themselves belong to no part."""
    words, n = answer.words, len(answer.words)
    clauses = answer.clauses()
    cuts: set[tuple[int, int]] = set()
    for phrase in lex.contrast:
        cuts |= {(i, i + len(phrase)) for i in _occurrences(words, phrase)}
    for phrase in lex.concessive:
        for i in _occurrences(words, phrase):
            c_start, c_end = next((s, e) for s, e in clauses if s <= i < e)
            cuts.add((i, i + len(phrase)))
            if i == c_start and c_end < n:
                cuts.add((c_end, c_end))          # "though I rent, I'm worried"
            elif i + len(phrase) == c_end and c_start > 0:
                cuts.add((c_start, c_start))      # "I rent, worried tho"
    parts, start = [], 0
    for cut_start, cut_end in sorted(cuts):
        if cut_start >= start:
            parts.append((start, cut_start))
            start = cut_end
    parts.append((start, n))
    return [(s, e) for s, e in parts if s < e]


_UNSURE = object()


def _decide(answer: Answer, spans: list[_Span], lex: Lexicon) -> Any:
    """The option the answer's deciding part names; None when no part names one; _UNSURE.

    From the last part back: a part naming one option decides; two options, or a
    frequency between two options, is unsure; a part with only negated phrases ("but
    not every day") gives way to the part before; a last part that names nothing but
    says something, a bare negator included ("I have a car but it's old", "yes but not
    now"), is unsure.
    """
    parts = _parts(answer, lex)
    quiet = (lex.function_words | lex.light | lex.negation_skip | frozenset(
        w for p in lex.answer_filler for w in p)) - lex.negators      # "yes but not now": unsure
    for number, (start, end) in reversed(list(enumerate(parts))):
        inside = [s for s in spans if start <= s.start and s.end <= end]
        if any(s.option is None and not s.negated for s in inside):
            return _UNSURE
        named = {s.option for s in inside if not s.negated}
        if len(named) > 1:
            return _UNSURE
        if named:
            return named.pop()
        if any(s.negated for s in inside):
            continue
        covered = {i for s in inside for i in range(s.start, s.end)}
        said = [w for i, w in enumerate(answer.words[start:end], start) if i not in covered
                and w not in quiet and not w.isdigit()]
        if number == len(parts) - 1 and len(parts) > 1 and said:
            return _UNSURE
    return None


def _fuzzy_choice(words: Words, options: Sequence[OptionChoice], lex: Lexicon,
                  answer: Answer | None = None, real_words: bool = True) -> str | None:
    """The one option whose phrase is close to some words of the answer (typos).

    The winner must match word by word (each word starting with the phrase's word's
    first letter), or with two words joined or one split, keeping the first word and
    at most one typo besides ("amenudo", "some times true"; not "necesito" for "no
    necesito", nor "struggling lol" for "struggling a lot"); every option's loosest score counts against its margin, so a near-miss
    of another option still keeps the answer unsure.
    """
    answer = answer or Answer(words, frozenset())
    idioms = [(i, i + len(idiom)) for idiom in lex.frequency.not_counts
              for i in _occurrences(words, idiom)]
    strict: dict[str, float] = {}
    loose: dict[str, float] = {}
    for option in options:
        for key in _option_keys(option):
            target = " ".join(key)
            if len(target) < FUZZY_MIN_CHARS:
                continue
            for size in {max(1, len(key) - 1), len(key), len(key) + 1}:
                for i in range(len(words) - size + 1):
                    window = words[i:i + size]
                    text = " ".join(window)
                    if text[0] != target[0] or _negated(answer, i, key, lex) or any(
                            start <= i and i + size <= end for start, end in idioms):
                        continue
                    score = fuzz.ratio(text, target)
                    loose[option.id] = max(loose.get(option.id, 0.0), score)
                    if len(key) > FUZZY_MAX_WORDS:
                        continue
                    if size == len(key):
                        if any(w[0] != k[0] or (w != k and not _may_be_typo(w, lex, real_words))
                               for w, k in zip(window, key)):
                            continue
                    else:       # words joined or split: "amenudo", "some times true"
                        fewer, more = (window, key) if size < len(key) else (key, window)
                        joined, whole = "".join(window), "".join(key)
                        if not fewer[0].startswith(more[0]) or OSA.distance(joined, whole) > 1:
                            continue
                        score = fuzz.ratio(joined, whole)
                    strict[option.id] = max(strict.get(option.id, 0.0), score)
    if not strict:
        return None
    best = max(strict, key=strict.__getitem__)
    rival = max([v for k, v in loose.items() if k != best] + [0.0])
    if strict[best] < FUZZY_MIN_SCORE or strict[best] - rival < FUZZY_MIN_MARGIN:
        return None
    return best


def _may_be_typo(word: str, lex: Lexicon, real_words: bool = True) -> bool:
    """A typed word that may be a typo of another: not a word the lexicon knows as something
    else ("one" is a number, not "once"; "non" is listed under `not_typos`, not "none")."""
    return word not in lex.known and not (real_words and word in lex.real_words)


def _yes_no(words: Words, lex: Lexicon) -> str | None:
    squeezed = _squeeze(words)
    for candidate in (squeezed, _squeeze(_strip_ends(squeezed, lex.yes_no_filler)[0])):
        phrase = " ".join(candidate)
        if phrase in lex.yes or (candidate and all(w in lex.yes for w in candidate)):
            return "yes"
        if phrase in lex.no or (candidate and all(w in lex.no for w in candidate)):
            return "no"
    return None


def _yes_no_option(words: Words, core: Words, options: Sequence[OptionChoice],
                   lex: Lexicon) -> str | None:
    answer = _yes_no(words, lex) or (_yes_no(core, lex) if core else None)
    if answer is None:
        return None
    labels = lex.yes_labels if answer == "yes" else lex.no_labels
    ids = [o.id for o in options if any(" ".join(k) in labels for k in _option_keys(o))]
    return ids[0] if len(ids) == 1 else None


@_never_raise(None)
def match_single(text: str, options: Sequence[OptionChoice], language: str) -> str | None:
    """The id of the option the person chose, or None when unsure (see module docstring)."""
    lex = load_lexicon()
    options = tuple(options or ())
    answer = _answer(text, lex)
    words = answer.words
    if not words or not options:
        return None
    by_number = {o.number: o.id for o in options}
    core_start, core_end = _core_bounds(words, lex)
    core = words[core_start:core_end]
    number = _only_number(core, lex)
    if number is not None:
        return by_number.get(number)

    rules = _rules_for(options)
    spans = _option_spans(answer, core, options, lex, short_ok=False, rules=rules)
    choice = _decide(answer, spans, lex)
    if choice is _UNSURE:
        return None
    if choice is None:
        choice = _yes_no_option(words, core, options, lex) or _fuzzy_choice(words, options, lex, answer)

    counted = {i for s in spans if (s.frequency or s.option) and not s.negated
               for i in range(s.start, s.end)}            # "3 times", "section 8"
    edges = {i for i in (core_start, core_end - 1) if i not in counted}
    edge_numbers = {_digit_number(words[i]) for i in edges} - {None}
    if edge_numbers and {by_number.get(n) for n in edge_numbers} != {choice}:
        return None
    return choice


def _multi_choices(answer: Answer, options: Sequence[OptionChoice], lex: Lexicon,
                   none_option_id: str | None) -> set[str] | None:
    words = answer.words
    by_number = {o.number: o.id for o in options}
    rules = _rules_for(options)
    listed = [(start, start + len(phrase)) for phrase in lex.list_phrases
              for start in _occurrences(words, phrase)]
    spans = [s for s in _option_spans(answer, words, options, lex, short_ok=True, rules=rules,
                                      yes_no=False) if not s.negated
             and not any(a <= s.start and s.end <= b for a, b in listed)]   # "no" in "no prende"
    lacks = [s for s in spans if s.lead is not None]      # "no smoke alarms": that lack is the problem
    spans = [s for s in spans if not (s.option == none_option_id and any(
        t.lead <= s.start and s.end <= t.start for t in lacks))]
    if len({(s.start, s.end) for s in spans}) < len(spans):      # one phrase, two options
        return None
    for s in spans:                     # "we have smoke detectors": not a problem, so unsure
        before = s.start - 1
        while before >= 0 and words[before] in lex.light:
            before -= 1
        if s.option in rules.lacking and s.lead is None and before >= 0 and words[before] in lex.have:
            return None
    picked = {s.option for s in spans}
    covered = {i for s in spans for i in range(s.start if s.lead is None else s.lead, s.end)}
    named = set(covered)
    covered |= {i for a, b in listed for i in range(a, b)}
    chunks: list[tuple[int, list[str]]] = [(0, [])]   # runs of words neither phrases nor numbers
    after_number = False
    for i, word in enumerate(words):
        if i in covered or word in lex.list_skip or (after_number and word in lex.number_suffix):
            chunks.append((i + 1, []))
            after_number = False
            continue
        number = _number(word, lex)
        if number is None:
            chunks[-1][1].append(word)
            after_number = False
            continue
        if number not in by_number:
            return None
        picked.add(by_number[number])
        named.add(i)
        chunks.append((i + 1, []))
        after_number = True
    named_parts = {n for n, (start, end) in enumerate(answer.clauses())
                   if any(start <= i < end for i in named)}
    span_ends = {s.end for s in spans}
    span_starts = {s.start if s.lead is None else s.lead for s in spans}
    for start, chunk in chunks:      # leftovers must each be one option, typed with typos
        if not chunk:
            continue
        if none_option_id and picked == {none_option_id} and all(w in lex.no for w in chunk):
            continue            # "nope, all good"
        choice = _fuzzy_choice(tuple(chunk), options, lex, real_words=False)
        if choice is None and picked and _aside(answer, start, named_parts, options, lex):
            continue            # "lead in the pipes, the city sent a letter"
        beside_a_named_one = _beside(words, start, start + len(chunk), span_ends, span_starts, lex)
        if choice is None and picked and beside_a_named_one and _detail(tuple(chunk), options, picked, lex):
            continue            # "no heat since november", "heat barely works" (not "mold and a broken window")
        if choice is None:
            return None
        picked.add(choice)
    return picked


def _aside(answer: Answer, at: int, named_parts: set[int], options: Sequence[OptionChoice],
           lex: Lexicon) -> bool:
    """The words at `at` are in a part of a list answer that names no option and only says
    more about it, as a new statement ("mold, the landlord knows", "mice, they're
    everywhere"): it starts with a clause starter or a small word, and has no number,
    negator, contrast, none or all word, and nothing close to an option's phrase."""
    clauses = answer.clauses()
    number = next(n for n, (start, end) in enumerate(clauses) if start <= at < end)
    if number in named_parts:
        return False
    start, end = clauses[number]
    part = answer.words[start:end]
    if part[0] not in lex.clause_starters | lex.light:
        return False
    if any(_number(w, lex) is not None or w in lex.negators or w in lex.list_words_not_aside
           for w in part):
        return False
    if any(_occurs(part, phrase) for phrase in lex.contrast + lex.concessive):
        return False
    return _fuzzy_choice(part, options, lex) is None and not any(
        _loosely_named(part, option, lex) for option in options)


def _beside(words: Words, start: int, end: int, span_ends: set[int], span_starts: set[int],
            lex: Lexicon) -> bool:
    """Words start..end follow or precede a named option with only small words between
    ("the smoke alarm is missing"), not a joining word ("mold and a broken window")."""
    before = start
    while before > 0 and before not in span_ends and words[before - 1] in lex.list_skip \
            and words[before - 1] not in lex.conjunctions:
        before -= 1
    after = end
    while after < len(words) and after not in span_starts and words[after] in lex.list_skip \
            and words[after] not in lex.conjunctions:
        after += 1
    return before in span_ends or after in span_starts


def _detail(chunk: Words, options: Sequence[OptionChoice], picked: set[str], lex: Lexicon) -> bool:
    """Leftover words beside a named problem that only say more about it ("since november",
    "when it rains", "barely works"): no number, negator, none or all word, nothing that
    says the problem is over ("fixed", "used to"), and nothing close to an option not named."""
    if any(_number(w, lex) is not None or w in lex.negators or w in lex.list_words_not_aside
           or w in lex.resolved for w in chunk):
        return False
    if any(_occurs(chunk, phrase) for phrase in lex.contrast + lex.concessive + lex.long_ago):
        return False
    return not any(_loosely_named(chunk, option, lex) for option in options if option.id not in picked)


def _loosely_named(part: Words, option: OptionChoice, lex: Lexicon) -> bool:
    """Some word of the part is one typo or a plural away from a word of the option's phrases."""
    for key in _option_keys(option):
        for k in key:
            if len(k) < FUZZY_MIN_CHARS or k in lex.light or k in lex.function_words \
                    or k in lex.list_skip:
                continue
            if any(w[0] == k[0] and w not in lex.known and OSA.distance(w, k) <= 1 + (len(k) > 7)
                   for w in part):
                return True
    return False


def _none_after_lead(words: Words, lex: Lexicon) -> bool:
    """ "I don't need any of those", "no tengo nada de eso": a lead that denies, then "any"."""
    core = _strip_ends(words, lex.answer_filler)[0] or words
    for lead in lex.none_lead:
        if core[:len(lead)] == lead:
            rest = _strip_ends(core[len(lead):], lex.answer_filler)[0]
            return " ".join(rest) in lex.none | lex.none_any
    return False


@_never_raise(None)
def match_multi(text: str, options: Sequence[OptionChoice], language: str,
                none_option_id: str | None) -> tuple[str, ...] | None:
    """The ids chosen, in option order, or None when unsure (see module docstring)."""
    lex = load_lexicon()
    options = tuple(options or ())
    answer = _answer(text, lex)
    words = answer.words
    if not words or not options or _RANGE.search(normalize(str(text))):
        return None
    order = [o.id for o in options]
    whole = " ".join(_strip_ends(words, lex.answer_filler)[0] or words)
    if whole in lex.none or _none_after_lead(words, lex):
        return (none_option_id,) if none_option_id else ()
    if whole in lex.all:
        picked = {i for i in order if i != none_option_id}
    else:
        picked = _multi_choices(answer, options, lex, none_option_id) or set()
    if not picked or (none_option_id in picked and len(picked) > 1):
        return None
    return tuple(i for i in order if i in picked)


@_never_raise(True)
def recognizes_anything(text: str, options: Sequence[OptionChoice], language: str) -> bool:
    """True when the word lists see something in the answer that bears on the choice: a number
    or a frequency, a negator, a yes or no, a contrast, an option's words negated, or words of
    two options. An answer they could not read *despite* such words is
    unsure for a reason ("3 times this year" between two bands, "often or sometimes"): it is asked
    again, never guessed. Words of one option beside words the lists do not know ("in a tent
    behind the mall") are left to the learned reader."""
    lex = load_lexicon()
    answer = _answer(text, lex)
    words = answer.words
    if any(_number(w, lex) is not None or w in lex.negators for w in words):
        return True
    if any(w in lex.yes or w in lex.no for w in words):
        return True
    if any(_occurs(words, phrase) for phrase in lex.contrast + lex.concessive):
        return True
    if find_frequencies(words, lex.frequency) or any(_occurs(words, p) for p in lex.frequency.not_counts):
        return True         # "once in a while": a frequency too vague for a band
    options = tuple(options or ())
    if not options:
        return False
    named = {s.option for s in _option_spans(answer, words, options, lex, short_ok=True,
                                             rules=_rules_for(options), yes_no=False)}
    return len(named) > 1 or any(s.negated for s in _option_spans(
        answer, words, options, lex, short_ok=True, rules=_rules_for(options), yes_no=False))


@_never_raise(None)
def yes_or_no(text: str, language: str) -> str | None:
    """ "yes", "no", or None when the whole answer is not a yes or no phrase."""
    return _yes_no(_words(text), load_lexicon())


# ---------------------------------------------------------------------------
# Commands

def _command_words(text: str, lex: Lexicon) -> Words:
    return _squeeze(_spell(_words(text), lex))


def _command_of(words: Words, lex: Lexicon) -> str | None:
    """The command these words are, with at most MAX_COMMAND_FILLERS fillers around it
    (taken off one at a time from either end: "and why do you need that")."""
    frontier = {words} if words else set()
    for _ in range(MAX_COMMAND_FILLERS + 1):
        for candidate in frontier:
            if " ".join(candidate) in lex.commands:
                return lex.commands[" ".join(candidate)]
        frontier = {trimmed for candidate in frontier for phrase in lex.command_filler
                    for trimmed in (candidate[len(phrase):] if candidate[:len(phrase)] == phrase else None,
                                    candidate[:-len(phrase)] if candidate[-len(phrase):] == phrase else None)
                    if trimmed}
    return None


def _says_command(words: Words, command: str, lex: Lexicon) -> bool:
    """Some phrase of `command` is said somewhere in `words` ("i answered that one wrong")."""
    return any(said == command and _occurs(words, tuple(phrase.split()))
               for phrase, said in lex.commands.items())


def _occurs(words: Words, phrase: Words) -> bool:
    return next(_occurrences(words, phrase), None) is not None


@_never_raise(None)
def detect_command(text: str, language: str) -> str | None:
    """One of COMMANDS when the message is that command and nothing more, else None; or
    when its first part is that command and every later part says it again in other
    words ("go back, I answered that wrong", "luego sigo, ahorita no puedo")."""
    lex = load_lexicon()
    command = _command_of(_command_words(text, lex), lex)
    if command:
        return command
    parts = [words for words in (_command_words(part, lex) for part in
                                 _CLAUSE_BREAK.split(clean_message(None if text is None else str(text))))
             if words]
    first = _command_of(parts[0], lex) if len(parts) > 1 else None
    if first and all(_says_command(part, first, lex) for part in parts[1:]):
        return first
    return None


# ---------------------------------------------------------------------------
# Language

@_never_raise(False)
def looks_spanish(text: str) -> bool:
    """True when the message is clearly Spanish (see module docstring)."""
    lex = load_lexicon()
    raw = clean_message(None if text is None else str(text))
    words = _words(raw)
    spanish = sum(lex.markers["es"].get(w, 0) for w in words)
    spanish += bool(_SPANISH_SIGNS.search(raw)) + bool(_ACCENTED_VOWEL.search(raw))
    english = sum(lex.markers["en"].get(w, 0) for w in words)
    return spanish >= SPANISH_MIN_SCORE and spanish > english
