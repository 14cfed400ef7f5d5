"""Answer reading on any text: it never raises, and returns only the item's option ids or a command.

The readers catch their own exceptions and log them as "not understood" (a crash must never
end a conversation); these tests call the unwrapped functions, so an exception is a failure
here rather than a silent "not understood" in production."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings, strategies as st

from screening import interpret
from screening.dialogue import reading
from screening.instrument import default_instrument

from .strategies import messages

ITEMS = tuple(default_instrument().items.values())
LANGUAGES = st.sampled_from(["en", "es"])
RUN = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def unwrapped(function):
    return getattr(function, "__wrapped__", function)


@RUN
@given(item=st.sampled_from(ITEMS), text=messages(), language=LANGUAGES)
def test_an_item_answer_is_none_or_only_that_items_option_ids(item, text, language):
    choices = reading.item_choices(item, language)
    ids = {option.id for option in item.options}
    if item.kind == "multi":
        chosen = unwrapped(interpret.match_multi)(text, choices, language, item.none_option)
        assert chosen is None or (set(chosen) <= ids and len(set(chosen)) == len(tuple(chosen)))
    else:
        chosen = unwrapped(interpret.match_single)(text, choices, language)
        assert chosen is None or chosen in ids
    read = reading.read_item_answer(item, text, language, intent="affirm", confidence=0.99)
    assert read is None or (isinstance(read, tuple) and read and set(read) <= ids)


@RUN
@given(text=messages(), language=LANGUAGES)
def test_a_command_is_none_or_one_of_the_commands(text, language):
    assert unwrapped(interpret.detect_command)(text, language) in (None, *interpret.COMMANDS)
    assert unwrapped(interpret.yes_or_no)(text, language) in (None, "yes", "no")
    assert unwrapped(interpret.looks_spanish)(text) in (True, False)


@RUN
@given(intent=st.one_of(st.none(), st.text(max_size=20), st.sampled_from(sorted(reading.COMMAND_INTENTS))),
       confidence=st.floats(allow_nan=True, allow_infinity=True))
def test_an_nlu_intent_names_a_command_only_when_it_is_one_and_sure(intent, confidence):
    command = reading.command_from_intent(intent, confidence)
    assert command in (None, "crisis", *reading.COMMAND_INTENTS.values())
    if command and command != "crisis":
        assert confidence >= reading.INTENT_CONFIDENCE
