"""What date is on the person's citation? Turn a free-text answer into a date.

Answers come in English or Spanish, in many shapes: "11/3", "11-3-26",
"2026-11-03", "Nov 3", "november 3rd", "3 de noviembre", "el 3 de nov",
"yesterday", "ayer", "last friday", "el viernes pasado", "3 days ago",
"hace 3 días". Numeric dates are read month first (US order). A date without
a year is the most recent such date on or before `today`.

How it works: we first *find* the date-like part of the answer with a few
strict patterns (so "2", "12", a ZIP like "02118", "idk" or a long message with
no date in it are never read as dates), rewrite it in one plain English form
("November 3 2026", "3 days ago"), and let `dateparser` *interpret* that,
with `RELATIVE_BASE=today` and `PREFER_DATES_FROM="past"`. The result depends
only on `text` and `today`: never on the real clock or the machine timezone.

Weekdays ("last friday", "el viernes pasado") are worked out here, not by
dateparser: with `REQUIRE_PARTS` it refuses bare weekdays, and it does not know
"last friday" or "viernes pasado" at all (dateparser 1.2.0).

Other dateparser 1.2.0 behaviour this module works around:
* "12/28/26" with a November 2026 base gives 1926-12-28 (it pushes a future
  two-digit-year date back a century); we expand two-digit years ourselves.
* Without REQUIRE_PARTS, "2" is Feb 24, "12" Dec 24, "one" and "a" Jan 24,
  "november" Nov 24 and "2026" Nov 24 2026 (today's day filled in).
* "3 ago" is read as "3 agosto" (August 3); "hace dos dias" and "hace tres
  semanas" are not understood (Spanish number words); "el 3 de nov",
  "it was 11/3" and "like 3 days ago" are not understood (extra words).

Pure Python: no Rasa, no web imports.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import dateparser
from rapidfuzz import fuzz

from screening.text_normalize import clean_message, normalize, strip_accents

__all__ = ["CitationDate", "parse_citation_date"]


@dataclass(frozen=True)
class CitationDate:
    value: date | None    # the date read; kept for "future" and "too_old" too
    problem: str | None   # None, "unreadable", "future", "too_old"


UNREADABLE = "unreadable"
FUTURE = "future"
TOO_OLD = "too_old"
MAX_AGE_DAYS = 365  # more than this many days before today is "too_old"
_MIN_YEAR, _MAX_YEAR = 1900, 2099  # a written year outside this is unreadable

_LANGUAGES = ("en", "es")

_MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3,
    "april": 4, "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7,
    "august": 8, "aug": 8, "september": 9, "sept": 9, "sep": 9,
    "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
    "enero": 1, "ene": 1, "febrero": 2, "marzo": 3, "abril": 4, "abr": 4,
    "mayo": 5, "junio": 6, "julio": 7, "agosto": 8, "ago": 8,
    "septiembre": 9, "setiembre": 9, "octubre": 10, "noviembre": 11,
    "diciembre": 12, "dic": 12,
}
_MONTH_NAMES = ("", "January", "February", "March", "April", "May", "June", "July",
                "August", "September", "October", "November", "December")
# Full month names, for typos ("novemeber", "novienbre", "febuary").
_FULL_MONTHS = {k: v for k, v in _MONTHS.items() if len(k) >= 5}
# A typo must keep the first letter and score this high (rapidfuzz ratio):
# one wrong letter in "noviembre" is 88.9, "member" -> December is refused.
_MONTH_TYPO_SCORE = 85.0

_WEEKDAYS = {
    "monday": 0, "mon": 0, "tuesday": 1, "tue": 1, "tues": 1, "wednesday": 2,
    "wed": 2, "weds": 2, "thursday": 3, "thu": 3, "thur": 3, "thurs": 3,
    "friday": 4, "fri": 4, "saturday": 5, "sat": 5, "sunday": 6, "sun": 6,
    "lunes": 0, "martes": 1, "miercoles": 2, "jueves": 3, "viernes": 4,
    "sabado": 5, "domingo": 6,
}
_PAST_WORDS = frozenset({"last", "past", "previous", "pasado", "pasada", "anterior"})
_NEXT_WORDS = frozenset({"next", "coming", "proximo", "proxima", "viene"})
_WEEK_WORDS = frozenset({"week", "semana"})

_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "fifteen": 15, "twenty": 20, "thirty": 30,
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6,
    "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10,
    "uno": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6,
    "siete": 7, "ocho": 8, "nueve": 9, "diez": 10, "once": 11, "doce": 12,
    "quince": 15, "veinte": 20, "treinta": 30, "primero": 1, "primer": 1,
}

_UNITS = {
    "day": "days", "days": "days", "dia": "days", "dias": "days",
    "week": "weeks", "weeks": "weeks", "wk": "weeks", "wks": "weeks",
    "semana": "weeks", "semanas": "weeks",
    "month": "months", "months": "months", "mes": "months", "meses": "months",
    "year": "years", "years": "years", "yr": "years", "yrs": "years",
    "ano": "years", "anos": "years",
}
_UNIT_RE = "|".join(sorted(_UNITS, key=len, reverse=True))
_COUNT_RE = r"\d{1,4}|a|an|un|una|uno"

# Said instead of a date: time-of-day phrases, rewritten before matching.
# "mañana" alone is tomorrow, but "esta mañana" / "en la mañana" is morning.
_REWRITES = (
    (r"\bpasado manana\b", "in 2 days"),
    (r"\b(?:last night|late last night)\b", "yesterday"),
    (r"\banoche\b", "ayer"),
    (r"\b(?:antier|antes de ayer|before yesterday)\b", "anteayer"),
    (r"\bday anteayer\b", "anteayer"),
    (r"\b(?:this|earlier this) (?:morning|afternoon|evening)\b", "today"),
    (r"\b(?:tonight|earlier today)\b", "today"),
    (r"\besta (?:manana|tarde|noche)\b", "hoy"),
    (r"\b(?:en|por|de|a) la (?:manana|tarde|noche)\b", " "),
    (r"\b(?:in the )?(?:morning|afternoon|evening|night)\b", " "),
)

# Numeric dates. Separators are "/" or "-" ("." is turned into "/" first).
_ISO_RE = re.compile(r"(?<![\d/-])(\d{4})\s*([/-])\s*(\d{1,2})\s*\2\s*(\d{1,2})(?![\d/-])")
# Not followed by a unit: "1-2 days ago" is a range, not January 2.
_MDY_RE = re.compile(
    r"(?<![\d/-])(\d{1,2})\s*([/-])\s*(\d{1,2})(?:\s*\2\s*(\d{4}|\d{2}))?(?![\d/-])"
    r"(?!\s*(?:" + _UNIT_RE + r")\b)")
_YEAR = r"(?:(?:de|del|of)\s+)?'?(\d{4}|\d{2})"
# "nov 3", "november the 3 2026", "noviembre 3 de 2026"
_MONTH_DAY_RE = re.compile(
    r"\b([a-z]{3,10})\s+(?:the\s+)?(\d{1,2})\b(?:\s+" + _YEAR + r"\b)?")
# "3 nov", "3 de noviembre de 2026", "3 of november"
_DAY_MONTH_RE = re.compile(
    r"\b(\d{1,2})\s+(de\s+|of\s+)?([a-z]{3,10})\b(?:\s+" + _YEAR + r"\b)?")
_AGO_RE = re.compile(r"\b(" + _COUNT_RE + r")\s+(" + _UNIT_RE + r")\s+ago\b")
_HACE_RE = re.compile(
    r"\bhace\s+(?:como\s+|unos\s+|unas\s+|casi\s+)?(" + _COUNT_RE + r")\s+(" + _UNIT_RE + r")\b")
_IN_RE = re.compile(
    r"\b(?:in|dentro de|en)\s+(" + _COUNT_RE + r")\s+(" + _UNIT_RE + r")\b")
_DAY_WORDS = (
    (re.compile(r"\b(?:anteayer|day before yesterday)\b"), "day before yesterday"),
    (re.compile(r"\b(?:yesterday|ayer)\b"), "yesterday"),
    (re.compile(r"\b(?:today|hoy)\b"), "today"),
    (re.compile(r"\b(?:tomorrow|tmrw|manana)\b"), "tomorrow"),
)
_WEEKDAY_RE = re.compile(r"\b(" + "|".join(sorted(_WEEKDAYS, key=len, reverse=True)) + r")\b")


def parse_citation_date(text: str, today: date, language: str = "en") -> CitationDate:
    """The citation date in `text`, read relative to `today`. Never raises on text.

    `language` ("en" or "es") is the person's language; both are always
    understood, it only decides which one dateparser tries first.
    """
    if isinstance(today, datetime):
        today = today.date()
    if not isinstance(today, date):
        raise TypeError("today must be a datetime.date")
    try:
        value = _read_date(text, today, language)
    except Exception:  # noqa: BLE001 - a bad answer must never break the chat
        value = None
    if value is None:
        return CitationDate(value=None, problem=UNREADABLE)
    if value > today:
        return CitationDate(value=value, problem=FUTURE)
    if (today - value).days > MAX_AGE_DAYS:
        return CitationDate(value=value, problem=TOO_OLD)
    return CitationDate(value=value, problem=None)


# --- Reading -------------------------------------------------------------------

def _prepare(text: str) -> str:
    """Lower-case, accent-free words; "11.3" -> "11/3", "3rd" -> "3", "two" -> "2"."""
    text = clean_message(text if isinstance(text, str) else None)
    text = strip_accents(text.casefold())
    text = re.sub(r"(?<=\d)\s*\.\s*(?=\d)", "/", text)       # 11.3.26 -> 11/3/26
    text = normalize(text)
    text = re.sub(r"(?<=[a-z])[-/](?=\d)|(?<=\d)[-/](?=[a-z])", " ", text)  # 3-nov
    text = re.sub(r"\b(\d{1,2})(?:st|nd|rd|th|ro|ero|er|do|to|vo|no|mo|o|a)\b", r"\1", text)
    text = re.sub(r"(?<=\d)(?=[a-z])|(?<=[a-z])(?=\d)", " ", text)  # nov3, 03nov
    text = re.sub(r"\b[a-z]+\b", lambda m: str(_NUMBER_WORDS.get(m.group(), m.group())), text)
    for pattern, replacement in _REWRITES:
        text = re.sub(pattern, replacement, text)
    return re.sub(r"\s+", " ", text).strip()


def _read_date(text: str, today: date, language: str) -> date | None:
    t = _prepare(text)
    if not t or re.fullmatch(r"[\d\s'/-]*", t) and not re.search(r"\d\s*[/-]\s*\d", t):
        # Nothing, or only numbers: "2", "12", "02118" answer something else.
        return None
    for reader in (_numeric, _month_phrase, _relative, _weekday):
        found = reader(t, today, language)
        if found is not _NOT_FOUND:
            return found
    return None


_NOT_FOUND = object()  # "no such phrase here", as opposed to "found but invalid" (None)


def _full_year(two_digits: str, today: date) -> int:
    # "26" -> 2026. Years more than 20 years ahead are last century ("99" -> 1999).
    year = 2000 + int(two_digits)
    return year if year <= today.year + 20 else year - 100


def _year(raw: str | None, today: date) -> int | None:
    if not raw:
        return None
    return int(raw) if len(raw) == 4 else _full_year(raw, today)


def _plausible(year: int | None) -> bool:
    # "12/28/0000" or "9999-12-31" is a typo, not a date to act on.
    return year is None or _MIN_YEAR <= year <= _MAX_YEAR


def _numeric(t: str, today: date, language: str):
    m = _ISO_RE.search(t)
    if m:
        if not _plausible(int(m.group(1))):
            return None
        return _dateparser(f"{m.group(1)}-{int(m.group(3)):02d}-{int(m.group(4)):02d}",
                           today, language)
    m = _MDY_RE.search(t)
    if m:
        month, day, year = m.group(1), m.group(3), _year(m.group(4), today)
        if not _plausible(year):
            return None
        # Month first (US). dateparser reads "24/11" as November 24, since
        # there is no month 24.
        return _dateparser(f"{month}/{day}" + (f"/{year}" if year else ""), today, language)
    return _NOT_FOUND


def _month(word: str, allow_ago: bool = True) -> int | None:
    if word == "ago" and not allow_ago:
        return None
    if word in _MONTHS:
        return _MONTHS[word]
    if len(word) >= 5:
        best = max(((fuzz.ratio(word, name), name) for name in _FULL_MONTHS
                    if name[0] == word[0]), default=(0.0, ""))
        if best[0] >= _MONTH_TYPO_SCORE:
            return _FULL_MONTHS[best[1]]
    return None


def _month_phrase(t: str, today: date, language: str):
    for m in _MONTH_DAY_RE.finditer(t):
        month = _month(m.group(1), allow_ago=False)
        if month:
            return _from_parts(month, m.group(2), m.group(3), today, language)
    for m in _DAY_MONTH_RE.finditer(t):
        # "3 ago" is "3 [days] ago", not August 3; "3 de ago" is August.
        month = _month(m.group(3), allow_ago=bool(m.group(2)) or bool(m.group(4)))
        if month:
            return _from_parts(month, m.group(1), m.group(4), today, language)
    return _NOT_FOUND


def _from_parts(month: int, day: str, year: str | None, today: date, language: str):
    full_year = _year(year, today)
    if not _plausible(full_year):
        return None
    phrase = f"{_MONTH_NAMES[month]} {int(day)}" + (f" {full_year}" if full_year else "")
    return _dateparser(phrase, today, language)


def _count(raw: str) -> int:
    return 1 if raw in ("a", "an", "un", "una", "uno") else int(raw)


def _relative(t: str, today: date, language: str):
    m = _AGO_RE.search(t) or _HACE_RE.search(t)
    if m:
        return _dateparser(f"{_count(m.group(1))} {_UNITS[m.group(2)]} ago", today, language)
    m = _IN_RE.search(t)
    if m:
        return _dateparser(f"in {_count(m.group(1))} {_UNITS[m.group(2)]}", today, language)
    for pattern, phrase in _DAY_WORDS:
        if pattern.search(t):
            return _dateparser(phrase, today, language)
    return _NOT_FOUND


def _weekday(t: str, today: date, language: str):
    m = _WEEKDAY_RE.search(t)
    if not m:
        return _NOT_FOUND
    target = _WEEKDAYS[m.group(1)]
    words = set(t.split())
    if words & _NEXT_WORDS or "que viene" in t:
        # "next friday", "el viernes que viene": the next one after today.
        return today + timedelta(days=(target - today.weekday() - 1) % 7 + 1)
    if words & _PAST_WORDS and words & _WEEK_WORDS:
        # "friday last week", "el viernes de la semana pasada": that day in
        # the previous Monday-to-Sunday week.
        monday = today - timedelta(days=today.weekday())
        return monday - timedelta(days=7) + timedelta(days=target)
    if words & _PAST_WORDS:
        # "last friday", "el viernes pasado": the most recent one before today.
        return today - timedelta(days=(today.weekday() - target - 1) % 7 + 1)
    # "friday", "el viernes": the most recent one, today included.
    return today - timedelta(days=(today.weekday() - target) % 7)


def _dateparser(phrase: str, today: date, language: str) -> date | None:
    """dateparser's reading of one clean phrase, relative to `today` only."""
    languages = [language] + [x for x in _LANGUAGES if x != language] \
        if language in _LANGUAGES else list(_LANGUAGES)
    settings = {
        "RELATIVE_BASE": datetime(today.year, today.month, today.day),
        "PREFER_DATES_FROM": "past",
        "DATE_ORDER": "MDY",
        # Naive datetimes in a fixed zone: the machine timezone never matters.
        "TIMEZONE": "UTC",
        "TO_TIMEZONE": "UTC",
        "RETURN_AS_TIMEZONE_AWARE": False,
        # A day and a month, or nothing: no "12" -> December 24.
        "REQUIRE_PARTS": ["day", "month"],
        # No Unix timestamps ("1700000000") or digit runs ("02118").
        "PARSERS": ["relative-time", "absolute-time"],
    }
    try:
        parsed = dateparser.parse(phrase, languages=languages, settings=settings)
    except (ValueError, OverflowError, TypeError):
        return None
    return parsed.date() if parsed is not None else None
