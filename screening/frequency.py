"""How often, said in words: "two or three times a month", "every other day", "weekends".

Pure Python. `find_frequencies(words, vocabulary)` finds every frequency expression in
an answer that is already split into normalized words (see `interpret`), and gives each
as a range: `low`..`high` times per `per_days` days, or, when no period is said ("twice",
"a couple of times", "3 days"), `low`..`high` times in all (`per_days` is None).
`Frequency.times_in(period_days)` turns either into times within an item's own period
(12 months for the AHC items, 2 weeks for the PHQ items); a rate above once a day counts
as every day. `interpret` then maps that range onto the item's options by the bands in
`content/lexicon/option_sets.yaml`; a range that does not fit inside one band is unsure.

The words are data in the `frequency:` section of `content/lexicon/en.yaml` and
`es.yaml` (both languages always together). The expressions, in both languages:

  count         a number (digit or word), a range ("2 or 3", "2-3", "2 to 3", "dos o tres",
                "entre 2 y 3"), or an amount ("a couple", "a few", "several", "un par",
                "unas cuantas"), after optional hedges ("like", "about", "como", "unas").
  times         count + a times word ("3 times", "2x", "dos veces"), or "once", "twice",
                "once or twice", or one + a times word or a day unit + "or" + a number ("a
                time or two", "a day or two", "un día o dos"); then optionally per + unit
                ("3 times a week", "twice a month", "una vez al mes", "2 times in the past
                year").
  days          count + a day unit ("3 days", "2 nights", "a couple days"), optionally per
                + unit ("3 days a week", "4 días a la semana").
  count per     count + per + unit without a times word ("2 a day", "1 por semana").
  every         every / each / cada / todos los + unit ("every day", "cada mes", "todos los
                días"), with "other" or an ordinal ("every other day", "cada tercer día"),
                or a count ("every 2 weeks", "every few months", "cada dos semanas").
  adverbs       "daily", "weekly", "monthly", "a diario", "semanalmente" ...
  weekends      "weekends", "on the weekend", "every weekend", "los fines de semana":
                1 or 2 days a week.
  fixed         listed idioms with their rate ("un día sí y otro no" = every other day).
  almost        "almost", "nearly", "casi" before any of these widen it downward to 70%.
  consumption   some + a thing used + per + unit ("a pack a day", "2 beers a week", "half a
                pack a day", "un paquete al día"): at least once per unit, at most the number
                said or the days in the unit.
  typos         a word of 5+ letters one typo from one of the `typo_targets` (distinctive
                frequency words only), first letter right, is read as that word ("twise",
                "monht", "semnaa"); `not_typos` lists real words kept ("mouth", "weeds").

Phrases that only look like counts ("once in a while", "every now and then", "at once")
are listed under `not_counts` and never read as numbers; their meaning, where it is
clear, is an option synonym in the instrument instead.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping, Sequence

from rapidfuzz.distance import OSA

Words = tuple[str, ...]

ALMOST_FACTOR = 0.7            # "almost every day": 70% to 100% of every day
WEEKEND_DAYS = (1.0, 2.0)      # "weekends": 1 or 2 days a week
WEEK_DAYS = 7.0
_DIGITS = re.compile(r"\d{1,4}")
_DIGITS_X = re.compile(r"(\d{1,4})x")       # "3x" = 3 times


@dataclass(frozen=True)
class Frequency:
    start: int                  # first word of the expression
    end: int                    # one past its last word
    low: float
    high: float
    per_days: float | None      # None: a count in all, not a rate

    def times_in(self, period_days: float) -> tuple[float, float]:
        """Times within `period_days` days (a rate above once a day counts as every day)."""
        if self.per_days is None:
            return min(self.low, period_days), min(self.high, period_days)
        scale = period_days / self.per_days
        return min(self.low * scale, period_days), min(self.high * scale, period_days)


@dataclass(frozen=True)
class FrequencyWords:
    numbers: Mapping[str, float]                 # "two" -> 2, "dos" -> 2, "una" -> 1
    amounts: Mapping[Words, tuple[float, float]]  # "a couple" -> (2, 2), "a few" -> (2, 4)
    once: Mapping[str, float]                    # "once" -> 1, "twice" -> 2
    times: frozenset[str]                        # "times", "x", "veces", "vez"
    per: tuple[Words, ...]                       # "a", "per", "al", "a la", "in the past"
    every: tuple[Words, ...]                     # "every", "each", "cada", "todos los"
    other: frozenset[str]                        # "other", "otro"
    ordinals: Mapping[str, int]                  # "second" -> 2, "tercer" -> 3
    hedges: tuple[Words, ...]                    # "like", "about", "at least", "como"
    range_words: frozenset[str]                  # "or", "to", "o", "y"
    range_start: frozenset[str]                  # "between", "entre"
    units: Mapping[Words, float]                 # "week" -> 7, "mes" -> 30.4
    day_units: frozenset[Words]                  # units a count of which is days
    weekends: tuple[Words, ...]                  # "weekends", "fines de semana"
    adverbs: Mapping[Words, float]               # "daily" -> 1, "weekly" -> 7
    fixed: Mapping[Words, tuple[float, float, float]]  # idiom -> (low, high, per_days)
    not_counts: tuple[Words, ...]                # "once in a while"
    almost: frozenset[str]
    every_skip: frozenset[str]                   # "every single day"
    things: tuple[Words, ...]                    # "pack", "beers", "cigarrillos": "a pack a day"
    some: tuple[Words, ...]                      # "a", "half a", "un": "a pack a day"
    vocabulary: frozenset[str]                   # words a typo may be corrected to ("twice")
    not_typos: frozenset[str]                    # real words never corrected ("mouth")
    one: frozenset[str] = frozenset()            # "a", "one", "un": "a day or two"



def _phrase_at(words: Words, i: int, phrases: Sequence[Words]) -> int:
    """Length of the longest of `phrases` starting at words[i] (0: none)."""
    best = 0
    for phrase in phrases:
        if len(phrase) > best and words[i:i + len(phrase)] == phrase:
            best = len(phrase)
    return best


def _number(word: str, vocab: FrequencyWords) -> float | None:
    if _DIGITS.fullmatch(word):
        return float(int(word))
    return vocab.numbers.get(word)


def _count(words: Words, i: int, vocab: FrequencyWords) -> tuple[float, float, int] | None:
    """A number, a range of numbers or an amount at words[i]: (low, high, next index)."""
    n = len(words)
    while i < n and _phrase_at(words, i, vocab.hedges):
        i += _phrase_at(words, i, vocab.hedges)
    if i < n and words[i] in vocab.range_start:         # "between 2 and 3"
        i += 1
    size = _phrase_at(words, i, tuple(vocab.amounts))
    if size:
        low, high = vocab.amounts[words[i:i + size]]
        return low, high, i + size
    if i >= n:
        return None
    low = _number(words[i], vocab)
    if low is None:
        return None
    j = i + 1
    if j + 1 < n and words[j] in vocab.range_words:
        high = _number(words[j + 1], vocab)
        if high is not None and high > low:
            return low, high, j + 2
    if j < n:
        high = _number(words[j], vocab)         # "2 3 times" ("2-3" after hyphens became spaces)
        if high is not None and high > low:
            return low, high, j + 1
    return low, low, j


def years_at(words: Words, i: int, vocab: FrequencyWords) -> tuple[float, int] | None:
    """A count of years at words[i] ("2 years", "a few years", "tres años"): (at least how
    many years, next index)."""
    counted = _count(words, i, vocab)
    if counted is None or counted[2] >= len(words):
        return None
    unit = _unit(words, counted[2], vocab)
    if unit is None or unit[2] or unit[0] < 365:
        return None
    return counted[0] * unit[0] / 365, unit[1]


def _times(words: Words, i: int, vocab: FrequencyWords) -> tuple[float, float, int] | None:
    """ "once", "twice", "once or twice", "3 times", "2 or 3 times", "3x", "dos veces"."""
    n = len(words)
    if words[i] in vocab.once:
        low = high = vocab.once[words[i]]
        j = i + 1
        if j + 1 < n and words[j] in vocab.range_words and words[j + 1] in vocab.once:
            high = max(high, vocab.once[words[j + 1]])
            j += 2
        return low, high, j
    match = _DIGITS_X.fullmatch(words[i])
    if match:
        value = float(int(match.group(1)))
        return value, value, i + 1
    counted = _count(words, i, vocab)
    if counted and counted[2] < n and words[counted[2]] in vocab.times:
        return counted[0], counted[1], counted[2] + 1
    return None


def _one_or_more(words: Words, i: int, vocab: FrequencyWords) -> tuple[float, float, int] | None:
    """ "a day or two", "a time or two", "a night or 3", "un día o dos": 1 to N times."""
    n = len(words)
    if words[i] not in vocab.one or i + 3 >= n:
        return None
    j = i + 1
    size = 1 if j < n and words[j] in vocab.times else 0
    if not size:
        unit = _unit(words, j, vocab) if j < n else None
        if unit is None or words[j:unit[1]] not in vocab.day_units:
            return None
        size = unit[1] - j
    j += size
    if j + 1 < n and words[j] in vocab.range_words:
        high = _number(words[j + 1], vocab)
        if high is not None and high > 1:
            return 1.0, high, j + 2
    return None


def _unit(words: Words, i: int, vocab: FrequencyWords) -> tuple[float, int, bool] | None:
    """A unit at words[i]: (days, next index, is it weekends)."""
    size = _phrase_at(words, i, vocab.weekends)
    if size:
        return WEEK_DAYS, i + size, True
    size = _phrase_at(words, i, tuple(vocab.units))
    if size:
        return vocab.units[words[i:i + size]], i + size, False
    return None


def _per_unit(words: Words, i: int, vocab: FrequencyWords, need_per: bool) -> tuple[float, int] | None:
    """ "a week", "per month", "al mes", "in the past year", "in the last 12 months": (days, next)."""
    size = _phrase_at(words, i, vocab.per)
    if not size and need_per:
        return None
    j = i + size
    many = 1.0
    if size and j < len(words):
        number = _number(words[j], vocab)
        if number:                                  # "in the last 12 months"
            many, j = number, j + 1
    unit = _unit(words, j, vocab) if j < len(words) else None
    if unit is None:
        return None
    return unit[0] * many, unit[1]


def _every(words: Words, i: int, vocab: FrequencyWords) -> Frequency | None:
    """ "every day", "every other week", "every 2 weeks", "every few months", "cada mes"."""
    size = _phrase_at(words, i, vocab.every)
    if not size:
        return None
    j = i + size
    n = len(words)
    while j < n and words[j] in vocab.every_skip:
        j += 1
    low_gap = high_gap = 1.0
    if j < n and words[j] in vocab.other:
        low_gap = high_gap = 2.0
        j += 1
    elif j < n and words[j] in vocab.ordinals:
        low_gap = high_gap = float(vocab.ordinals[words[j]])
        j += 1
    else:
        counted = _count(words, j, vocab)
        if counted and counted[2] < n and _unit(words, counted[2], vocab):
            low_gap, high_gap, j = counted
    if j >= n or low_gap <= 0:
        return None
    unit = _unit(words, j, vocab)
    if unit is None:
        return None
    days, end, weekend = unit
    if weekend:
        return Frequency(i, end, WEEKEND_DAYS[0] / low_gap, WEEKEND_DAYS[1] / low_gap, WEEK_DAYS)
    return Frequency(i, end, 1.0 / high_gap, 1.0 / low_gap, days)


def _expression(words: Words, i: int, vocab: FrequencyWords) -> Frequency | None:
    """The frequency expression starting at words[i], if any."""
    size = _phrase_at(words, i, tuple(vocab.fixed))
    if size:
        low, high, per = vocab.fixed[words[i:i + size]]
        return Frequency(i, i + size, low, high, per)
    found = _every(words, i, vocab)
    if found:
        return found
    size = _phrase_at(words, i, tuple(vocab.adverbs))
    if size:
        return Frequency(i, i + size, 1.0, 1.0, vocab.adverbs[words[i:i + size]])
    size = _phrase_at(words, i, vocab.weekends)
    if size:
        return Frequency(i, i + size, *WEEKEND_DAYS, WEEK_DAYS)
    times = _one_or_more(words, i, vocab) or _times(words, i, vocab)
    if times:
        low, high, j = times
        rate = _per_unit(words, j, vocab, need_per=False) if j < len(words) else None
        if rate:
            return Frequency(i, rate[1], low, high, rate[0])
        return Frequency(i, j, low, high, None)
    used = _consumption(words, i, vocab)
    if used:
        return used
    counted = _count(words, i, vocab)
    if counted is None or counted[2] >= len(words):
        return None
    low, high, j = counted
    unit = _unit(words, j, vocab)
    if unit and words[j:unit[1]] in vocab.day_units:          # "3 days", "3 days a week"
        rate = _per_unit(words, unit[1], vocab, need_per=True) if unit[1] < len(words) else None
        if rate:
            return Frequency(i, rate[1], low, high, rate[0])
        return Frequency(i, unit[1], low, high, None)
    rate = _per_unit(words, j, vocab, need_per=True)          # "2 a day"
    if rate:
        return Frequency(i, rate[1], low, high, rate[0])
    return None


def _consumption(words: Words, i: int, vocab: FrequencyWords) -> Frequency | None:
    """ "a pack a day", "2 beers a week", "half a pack a day": some every unit, so at least
    once and at most as many times as there are days in the unit (or as many as said)."""
    j = i + _phrase_at(words, i, vocab.some)
    if j == i:
        counted = _count(words, i, vocab)
        if counted is None:
            return None
        high, j = counted[1], counted[2]
    else:
        high = None
    size = _phrase_at(words, j, vocab.things)
    if not size:
        return None
    rate = _per_unit(words, j + size, vocab, need_per=True) if j + size < len(words) else None
    if rate is None:
        return None
    most = rate[0] if high is None else min(high, rate[0])
    return Frequency(i, rate[1], 1.0, max(1.0, most), rate[0])


TYPO_MIN_LETTERS = 5


def _corrected(word: str, vocab: FrequencyWords) -> str:
    """One typo (optimal string alignment) in a word of 5+ letters, first letter right:
    "twise" -> "twice", "monht" -> "month", "semanna" -> "semana"."""
    if len(word) < TYPO_MIN_LETTERS or word in vocab.vocabulary or word in vocab.not_typos \
            or not word.isalpha():
        return word
    close = [v for v in vocab.vocabulary if v[0] == word[0] and abs(len(v) - len(word)) <= 1
             and len(v) >= TYPO_MIN_LETTERS and OSA.distance(word, v, score_cutoff=1) <= 1]
    return close[0] if len(close) == 1 else word


def find_frequencies(words: Words, vocab: FrequencyWords) -> list[Frequency]:
    """Every frequency expression in `words`, left to right, not overlapping."""
    words = tuple(_corrected(w, vocab) for w in words)
    blocked: set[int] = set()
    for i in range(len(words)):
        size = _phrase_at(words, i, vocab.not_counts)
        blocked.update(range(i, i + size))
    found: list[Frequency] = []
    i = 0
    while i < len(words):
        if i in blocked:
            i += 1
            continue
        start = i + 1 if words[i] in vocab.almost else i
        expression = _expression(words, start, vocab) if start < len(words) else None
        if expression and not blocked.intersection(range(expression.start, expression.end)):
            if start != i:
                expression = Frequency(i, expression.end, expression.low * ALMOST_FACTOR,
                                       expression.high, expression.per_days)
            found.append(expression)
            i = expression.end
            continue
        i += 1
    return found
