"""SMS text: what a person's phone receives and what the program pays for."""
from __future__ import annotations

import pytest

from screening.sms_text import (
    MAX_MESSAGE_CHARS, WEB_CHAT_LINK, encoding, fill_web_chat_link, is_gsm7, keyword_action,
    pack_messages, plain_punctuation, segments, split_message,
)


def test_english_with_typographic_punctuation_becomes_plain_gsm7():
    text = plain_punctuation("It\u2019s OK \u2013 \u201cskip\u201d\u2026 0.4 miles \u00b7 free")
    assert text == "It's OK - \"skip\"... 0.4 miles - free"
    assert is_gsm7(text)


def test_spanish_accents_that_gsm7_lacks_make_the_message_ucs2():
    assert encoding("¿Quiere empezar? Responda SÍ o NO.") == "UCS-2"
    assert encoding("¿Quiere empezar? ñ ü é") == "GSM-7"     # these are in the GSM alphabet


@pytest.mark.parametrize("text, expected", [
    ("", 0), ("a" * 160, 1), ("a" * 161, 2), ("a" * 306, 2), ("a" * 307, 3),
    ("[" * 80, 1), ("[" * 81, 2),                       # extension characters cost two septets
    ("á" * 70, 1), ("á" * 71, 2), ("á" * 134, 2), ("á" * 135, 3),
    ("🙂" * 35, 1), ("🙂" * 36, 2),                       # an emoji is two UTF-16 units
])
def test_segments_follow_the_gsm7_and_ucs2_limits(text, expected):
    assert segments(text) == expected


def test_a_short_message_is_left_alone():
    assert split_message("Reply YES or NO.") == ["Reply YES or NO."]


def test_long_text_splits_at_sentence_boundaries_within_320_characters():
    sentences = [f"This is sentence number {n} of a long message." for n in range(1, 16)]
    chunks = split_message(" ".join(sentences))
    assert len(chunks) > 1
    assert all(len(c) <= MAX_MESSAGE_CHARS for c in chunks)
    assert all(c.endswith(".") for c in chunks)                    # never cut mid-sentence
    assert " ".join(chunks) == " ".join(sentences)


def test_numbered_options_stay_on_their_own_lines():
    question = "Question 3 of 12\nWhat is your living situation today?\n" + "\n".join(
        f"{n} Option number {n} with a fairly long label to fill space" for n in range(1, 9))
    chunks = split_message(question + "\nReply with a number from 1 to 8.")
    assert all(len(c) <= MAX_MESSAGE_CHARS for c in chunks)
    lines = [line for c in chunks for line in c.split("\n")]
    assert lines[2] == "1 Option number 1 with a fairly long label to fill space"
    assert lines[-1] == "Reply with a number from 1 to 8."


def test_a_sentence_longer_than_a_message_splits_between_words():
    sentence = " ".join(["word"] * 150) + "."
    chunks = split_message(sentence)
    assert all(len(c) <= MAX_MESSAGE_CHARS for c in chunks)
    assert " ".join(chunks) == sentence


def test_short_replies_are_joined_when_it_costs_no_more_segments():
    parts = pack_messages(["Thanks.", "Question 1 of 9\nDo you have a car?\n1 Yes\n2 No"])
    assert [p.body for p in parts] == ["Thanks.\n\nQuestion 1 of 9\nDo you have a car?\n1 Yes\n2 No"]
    assert parts[0].segments == 1 and parts[0].encoding == "GSM-7"


def test_replies_are_not_joined_when_joining_would_cost_more():
    first, second = "a" * 150, "b" * 150          # 1 + 1 segments apart, 302 characters = 2 together
    assert len(pack_messages([first, second])) == 1
    third = "c" * 155                              # 150 + 155 + 2 = 307 characters: 3 segments > 2
    assert [p.body for p in pack_messages([first, third])] == [first, third]


def test_every_packed_message_fits_and_records_its_segments():
    parts = pack_messages(["x " * 400, "Reply YES or NO."])
    assert all(len(p.body) <= MAX_MESSAGE_CHARS and p.segments == segments(p.body) for p in parts)


@pytest.mark.parametrize("text", ["STOP", "stop", " Stop. ", "STOP!", "stop all", "StopAll",
                                  "UNSUBSCRIBE", "cancel", "End", "quit", "PARAR", "parar."])
def test_opt_out_keywords_are_read_whatever_the_case_space_or_punctuation(text):
    assert keyword_action(text, opted_out=False) == "opt_out"
    assert keyword_action(text, opted_out=True) == "opt_out"


@pytest.mark.parametrize("text", ["stop texting me about my housing", "the bus stop is far", "ended",
                                  "1", "yes"])
def test_other_messages_are_for_the_dialogue(text):
    assert keyword_action(text, opted_out=False) is None


@pytest.mark.parametrize("text", ["START", "unstop", "Yes", "sí"])
def test_opt_in_keywords_count_only_while_opted_out(text):
    assert keyword_action(text, opted_out=True) == "opt_in"
    assert keyword_action(text, opted_out=False) in (None,)


def test_help_keywords_carry_their_language():
    assert keyword_action("HELP", opted_out=False) == "help_en"
    assert keyword_action("info?", opted_out=False) == "help_en"
    assert keyword_action("Ayuda", opted_out=False) == "help_es"


def test_the_web_chat_link_placeholder_is_filled():
    assert fill_web_chat_link(f"Go to {WEB_CHAT_LINK} instead.", "https://x.org/chat") == \
        "Go to https://x.org/chat instead."
