"""The reader learned from examples: asked only when the word lists are unsure, used only when sure."""
from __future__ import annotations

import pytest

from screening import answer_model
from screening.answer_model import AnswerExamplesError, AnswerModel, default_model, load_examples, sure_option
from screening.dialogue.reading import read_item_answer
from screening.instrument import default_instrument

INSTRUMENT = default_instrument()


@pytest.mark.parametrize("item, text, language, expected", [
    # Paraphrases no word list holds, and no example either.
    ("ahc_1", "got my own lease, been there forever", "en", "steady"),
])
def test_an_answer_the_word_lists_do_not_know_is_read_from_examples(item, text, language, expected):
    assert read_item_answer(INSTRUMENT.item(item), text, language, learned=False) is None
    assert read_item_answer(INSTRUMENT.item(item), text, language) == (expected,)


@pytest.mark.parametrize("item, text", [
    ("ahc_1", "what time is it in boston"),       # about something else
    ("ahc_5", "the bus"),                         # one word of meaning: the question is asked again
    ("ahc_11", "we scrape by every month somehow"),   # the model is not sure enough
    ("ahc_1", "in a tent behind the mall"),       # words of two options ("behind" on rent): unsure for a reason
    ("ahc_19", "like 10 beers a week"),           # a number between two bands: never guessed
    ("ahc_3", "often or sometimes"),
    ("ahc_5", "i take the bus"),                  # yes-or-no items are never guessed
])
def test_when_the_learned_reader_is_not_sure_the_person_is_asked_again(item, text):
    assert read_item_answer(INSTRUMENT.item(item), text, "en") is None


def test_a_sure_guess_needs_both_probability_and_a_lead():
    assert sure_option(answer_model.Guess("steady", 0.95, 0.9)) == "steady"
    assert sure_option(answer_model.Guess("steady", 0.95, 0.1)) is None
    assert sure_option(answer_model.Guess("steady", 0.5, 0.5)) is None
    assert sure_option(None) is None


def test_the_model_is_trained_for_every_one_choice_item_with_examples():
    model = default_model()
    assert model is not None
    single = {i.id for i in INSTRUMENT.items.values() if i.kind == "single"}
    assert set(load_examples(INSTRUMENT)) <= single
    assert set(model.models) == set(load_examples(INSTRUMENT))


def test_examples_naming_an_option_the_item_lacks_are_refused(tmp_path):
    (tmp_path / "en.yaml").write_text("examples:\n  ahc_1:\n    maybe: ['a tent']\n", encoding="utf-8")
    with pytest.raises(AnswerExamplesError, match="no option 'maybe'"):
        load_examples(INSTRUMENT, tmp_path)


def test_examples_for_a_pick_all_item_are_refused(tmp_path):
    (tmp_path / "en.yaml").write_text("examples:\n  ahc_2:\n    mold: ['black stuff']\n", encoding="utf-8")
    with pytest.raises(AnswerExamplesError, match="not a one-choice item"):
        load_examples(INSTRUMENT, tmp_path)


def test_a_message_about_another_question_is_not_forced_onto_this_ones_options():
    model = AnswerModel(INSTRUMENT, {"ahc_1": {"steady": ["i own my house", "my own apartment"],
                                                "not_steady": ["sleeping in my car", "at a shelter"]},
                                      "ahc_24": {"not_at_all": ["not stressed at all"],
                                                 "very_much": ["stressed out all the time"]}})
    guess = model.guess("ahc_1", "stressed out all the time")
    assert sure_option(guess) is None
