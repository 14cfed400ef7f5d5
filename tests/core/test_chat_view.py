"""Progress and one-tap answers as a chat screen shows them."""
from __future__ import annotations

import pytest

from screening.chat_view import progress_of, quick_answers


@pytest.mark.parametrize("text, expected", [
    ("Question 4 of 21\nWhat is your living situation today?", (4, 21)),
    ("Pregunta 12 de 21\n¿Cuál es su situación de vivienda hoy?", (12, 21)),
    ("Thanks. Question 1 of 9", (1, 9)),
    ("Do you want to start?", None),
    ("Question 30 of 21", None),
    ("", None),
])
def test_progress_is_read_from_the_assistants_words(text, expected):
    assert progress_of(text) == expected


@pytest.mark.parametrize("step, status, expected", [
    ("consent", "started", ("yes", "no")),
    ("permission:mental_health", "started", ("yes", "no")),
    ("item:ahc_1", "started", ("skip",)),
    ("citation", "started", ("skip",)),
    ("done", "completed", ()),
    (None, None, ()),
])
def test_one_tap_answers_fit_the_step(step, status, expected):
    assert quick_answers(step, status) == expected


def test_needs_and_pick_all_that_fit_items_take_several_options_and_others_one():
    from screening.chat_view import picks_several
    from screening.instrument import default_instrument
    several = [item.id for item in default_instrument().items.values() if item.kind == "multi"]
    assert several and all(picks_several(f"item:{item_id}") for item_id in several)
    assert picks_several("needs")
    assert not picks_several("item:ahc_1") and not picks_several("consent") and not picks_several(None)
    assert not picks_several("item:no_such_item")
