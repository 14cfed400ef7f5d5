"""Tests for screening.citation_date: "What date is on your citation?"."""
from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest

from screening.citation_date import CitationDate, parse_citation_date

TODAY = date(2026, 11, 24)        # a Tuesday
JANUARY = date(2027, 1, 5)        # a Tuesday, early in the year
NOV_3 = date(2026, 11, 3)


def ok(value: date) -> CitationDate:
    return CitationDate(value=value, problem=None)


UNREADABLE = CitationDate(value=None, problem="unreadable")


# --- Every accepted form -----------------------------------------------------------

@pytest.mark.parametrize("text", [
    # numeric, month first
    "11/3", "11/03", "11/03/2026", "11/3/26", "11-3-26", "11-03-2026", "11.3",
    "11.3.26", "11 / 3 / 2026", "2026-11-03", "2026/11/03",
    # English words
    "Nov 3", "nov. 3", "NOV 3", "november 3rd", "November 3, 2026", "nov 3 '26",
    "the 3rd of november", "3rd of November", "november the 3rd", "3 nov", "3-nov",
    "nov3", "03nov", "nov third",
    # Spanish words
    "3 de noviembre", "el 3 de nov", "3 de noviembre de 2026", "3 de noviembre del 2026",
    "noviembre 3", "noviembre 3 de 2026", "el tres de noviembre", "3 de Noviembre",
    # around other words
    "it was 11/3", "i got it on 11/3 at 5pm", "11/3/2026.", "Nov 3rd I think",
    "me la dieron el 3 de noviembre", "11/3 or 11/4",
    # small typos in a month name
    "novemeber 3", "3 de novienbre",
])
def test_forms_of_november_3(text):
    assert parse_citation_date(text, TODAY) == ok(NOV_3)


@pytest.mark.parametrize("text, expected", [
    ("yesterday", date(2026, 11, 23)),
    ("Yesterday!!", date(2026, 11, 23)),
    ("ayer", date(2026, 11, 23)),
    ("fue ayer", date(2026, 11, 23)),
    ("last night", date(2026, 11, 23)),
    ("anoche", date(2026, 11, 23)),
    ("ayer en la mañana", date(2026, 11, 23)),
    ("yesterday morning", date(2026, 11, 23)),
    ("today", TODAY),
    ("hoy", TODAY),
    ("this morning", TODAY),
    ("esta mañana", TODAY),
    ("day before yesterday", date(2026, 11, 22)),
    ("anteayer", date(2026, 11, 22)),
    ("antier", date(2026, 11, 22)),
    ("3 days ago", date(2026, 11, 21)),
    ("like 3 days ago", date(2026, 11, 21)),
    ("three days ago", date(2026, 11, 21)),
    ("a day ago", date(2026, 11, 23)),
    ("hace 3 días", date(2026, 11, 21)),
    ("hace 3 dias", date(2026, 11, 21)),
    ("hace como 3 días", date(2026, 11, 21)),
    ("hace dos días", date(2026, 11, 22)),
    ("a week ago", date(2026, 11, 17)),
    ("hace una semana", date(2026, 11, 17)),
    ("2 weeks ago", date(2026, 11, 10)),
    ("hace tres semanas", date(2026, 11, 3)),
    ("2 months ago", date(2026, 9, 24)),
    ("hace 2 meses", date(2026, 9, 24)),
    ("0 days ago", TODAY),
])
def test_relative_words(text, expected):
    assert parse_citation_date(text, TODAY) == ok(expected)


@pytest.mark.parametrize("text, expected", [
    # TODAY is Tuesday, November 24, 2026.
    ("last friday", date(2026, 11, 20)),
    ("Last Friday", date(2026, 11, 20)),
    ("this past friday", date(2026, 11, 20)),
    ("el viernes pasado", date(2026, 11, 20)),
    ("el pasado viernes", date(2026, 11, 20)),
    ("friday", date(2026, 11, 20)),
    ("el viernes", date(2026, 11, 20)),
    ("fri", date(2026, 11, 20)),
    ("friday last week", date(2026, 11, 20)),
    ("el viernes de la semana pasada", date(2026, 11, 20)),
    ("sunday", date(2026, 11, 22)),
    ("domingo", date(2026, 11, 22)),
    ("monday", date(2026, 11, 23)),
    ("last monday", date(2026, 11, 23)),
    ("tuesday", TODAY),                        # today is Tuesday
    ("last tuesday", date(2026, 11, 17)),      # "last" is never today
    ("el martes pasado", date(2026, 11, 17)),
    ("wednesday", date(2026, 11, 18)),
    ("el miércoles", date(2026, 11, 18)),
    ("sábado", date(2026, 11, 21)),
])
def test_weekdays(text, expected):
    assert parse_citation_date(text, TODAY) == ok(expected)


def test_weekday_friday_last_week_on_a_saturday():
    saturday = date(2026, 11, 28)
    assert parse_citation_date("last friday", saturday) == ok(date(2026, 11, 27))
    assert parse_citation_date("friday last week", saturday) == ok(date(2026, 11, 20))
    assert parse_citation_date("friday", date(2026, 11, 27)) == ok(date(2026, 11, 27))


# --- Year handling -----------------------------------------------------------------

@pytest.mark.parametrize("text, today, expected", [
    # Without a year: the most recent such date on or before today.
    ("12/28", TODAY, date(2025, 12, 28)),
    ("12/28", JANUARY, date(2026, 12, 28)),
    ("dec 28", JANUARY, date(2026, 12, 28)),
    ("28 de diciembre", JANUARY, date(2026, 12, 28)),
    ("11/24", TODAY, TODAY),
    ("1/5", JANUARY, JANUARY),
    ("11/25", TODAY, date(2025, 11, 25)),       # tomorrow's date -> last year's
    ("yesterday", JANUARY, date(2027, 1, 4)),
    ("3 days ago", JANUARY, date(2027, 1, 2)),
    ("last friday", JANUARY, date(2027, 1, 1)),
    ("el viernes pasado", JANUARY, date(2027, 1, 1)),
    ("2/29", date(2028, 3, 1), date(2028, 2, 29)),
    # Two-digit years are 20xx (dateparser alone reads "12/28/26" as 1926).
    ("12/28/26", JANUARY, date(2026, 12, 28)),
    ("11/3/26", TODAY, NOV_3),
    ("nov 3 26", TODAY, NOV_3),
])
def test_year(text, today, expected):
    assert parse_citation_date(text, today) == ok(expected)


@pytest.mark.parametrize("today, expected", [
    (date(2019, 3, 1), date(2018, 12, 28)),
    (date(2031, 6, 30), date(2030, 12, 28)),
    (date(2030, 12, 28), date(2030, 12, 28)),
])
def test_depends_only_on_today_not_the_clock(today, expected):
    assert parse_citation_date("12/28", today) == ok(expected)
    assert parse_citation_date("dec 28", today) == ok(expected)


def test_relative_dates_far_from_the_real_clock():
    today = date(2019, 3, 1)  # a Friday
    assert parse_citation_date("yesterday", today) == ok(date(2019, 2, 28))
    assert parse_citation_date("hace 2 meses", today) == ok(date(2019, 1, 1))
    assert parse_citation_date("last friday", today) == ok(date(2019, 2, 22))
    assert parse_citation_date("friday", today) == ok(today)


def test_today_may_be_a_datetime():
    assert parse_citation_date("11/3", datetime(2026, 11, 24, 23, 59)) == ok(NOV_3)


def test_language_only_changes_the_order_tried():
    for language in ("en", "es", "fr", ""):
        assert parse_citation_date("3 de noviembre", TODAY, language) == ok(NOV_3)
        assert parse_citation_date("nov 3", TODAY, language) == ok(NOV_3)
        assert parse_citation_date("ayer", TODAY, language) == ok(date(2026, 11, 23))


def test_same_answer_in_any_machine_timezone():
    code = (
        "from datetime import date\n"
        "from screening.citation_date import parse_citation_date as p\n"
        "t = date(2027, 1, 5)\n"
        "print([(str(r.value), r.problem) for r in (p(x, t) for x in ("
        "'11/3', 'yesterday', 'hoy', '3 days ago', 'last friday', '12/28',"
        " 'hace 2 meses', '2027-01-05', 'tomorrow'))])\n"
    )
    root = Path(__file__).resolve().parents[2]
    outputs = set()
    for tz in ("UTC", "Pacific/Kiritimati", "Etc/GMT+12"):
        env = dict(os.environ, TZ=tz)
        done = subprocess.run([sys.executable, "-c", code], cwd=root, env=env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        outputs.add(done.stdout)
    assert outputs == {
        "[('2026-11-03', None), ('2027-01-04', None), ('2027-01-05', None),"
        " ('2027-01-02', None), ('2027-01-01', None), ('2026-12-28', None),"
        " ('2026-11-05', None), ('2027-01-05', None), ('2027-01-06', 'future')]\n"
    }


# --- Future and too old ------------------------------------------------------------

@pytest.mark.parametrize("text, value", [
    ("tomorrow", date(2026, 11, 25)),
    ("mañana", date(2026, 11, 25)),
    ("pasado mañana", date(2026, 11, 26)),
    ("in 3 days", date(2026, 11, 27)),
    ("next friday", date(2026, 11, 27)),
    ("el viernes que viene", date(2026, 11, 27)),
    ("el próximo viernes", date(2026, 11, 27)),
    ("12/28/2026", date(2026, 12, 28)),
    ("12/28/26", date(2026, 12, 28)),
    ("11/25/2026", date(2026, 11, 25)),
    ("2027-01-01", date(2027, 1, 1)),
    ("3 de diciembre de 2026", date(2026, 12, 3)),
])
def test_future(text, value):
    assert parse_citation_date(text, TODAY) == CitationDate(value=value, problem="future")


@pytest.mark.parametrize("text, value", [
    ("11/3/2020", date(2020, 11, 3)),
    ("11/23/2025", date(2025, 11, 23)),      # 366 days before today
    ("2/29", date(2024, 2, 29)),             # the most recent Feb 29
    ("hace 400 días", date(2025, 10, 20)),
    ("2 years ago", date(2024, 11, 24)),
    ("nov 3 2024", date(2024, 11, 3)),
    ("12/31/99", date(1999, 12, 31)),
])
def test_too_old(text, value):
    assert parse_citation_date(text, TODAY) == CitationDate(value=value, problem="too_old")


def test_exactly_365_days_is_not_too_old():
    assert parse_citation_date("11/24/2025", TODAY) == ok(date(2025, 11, 24))
    assert parse_citation_date("1 year ago", TODAY) == ok(date(2025, 11, 24))


# --- Unreadable --------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "", "   ", "idk", "no se", "blue", "yes", "no", "?", "a", "one", "hello",
    # bare numbers answer some other question
    "2", "12", "3", "26", "2026", "1234", "11 3", "0",
    # ZIPs, phone numbers, timestamps
    "02118", "01602-1234", "617-555-1234", "6175551234", "1700000000",
    # not specific enough
    "november", "nov", "may", "nov 2026", "the 3rd", "3rd", "el 3", "last week",
    "la semana pasada", "last month", "4pm", "3 days", "3 ago",
    # not a real date
    "2/30", "13/45", "0/0", "00/00/0000", "12/28/0000", "9999-12-31", "11/03/2o26",
    "1000000 days ago",
    # hostile or broken input
    "'; DROP TABLE x;--", "<script>alert(1)</script>", "😀", "🙂" * 500,
    "\x00\x07\x1b[2J", "x" * 5000, "9" * 5000, "member 3", "i may have 3",
])
def test_unreadable(text):
    assert parse_citation_date(text, TODAY) == UNREADABLE


@pytest.mark.parametrize("text", [None, 113, b"11/3", ["11/3"]])
def test_non_text_is_unreadable(text):
    assert parse_citation_date(text, TODAY) == UNREADABLE


def test_day_first_only_when_month_first_is_impossible():
    # "3/11" is March 11 (US order); "24/11" cannot be, so it is November 24.
    assert parse_citation_date("3/11", TODAY) == ok(date(2026, 3, 11))
    assert parse_citation_date("24/11/2026", TODAY) == ok(TODAY)


def test_a_range_of_days_is_not_january():
    # "1-2 days ago" must not become January 2.
    assert parse_citation_date("1-2 days ago", TODAY) == ok(date(2026, 11, 22))


def test_bad_today_is_a_programming_error():
    with pytest.raises(TypeError):
        parse_citation_date("11/3", "2026-11-24")  # type: ignore[arg-type]


def test_result_is_frozen():
    result = parse_citation_date("11/3", TODAY)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.value = None  # type: ignore[misc]
