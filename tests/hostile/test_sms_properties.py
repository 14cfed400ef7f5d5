"""SMS on any text: what is sent re-joins to what was written, each message fits, and the
segment count is the carrier's (GSM-7: 160 alone, 153 per part, extension characters count
twice; UCS-2: 70 alone, 67 per part, in UTF-16 units)."""
from __future__ import annotations

import math

from hypothesis import given, settings, strategies as st

from screening.sms_text import (
    GSM7_BASIC, GSM7_EXTENSION, MAX_MESSAGE_CHARS, encoding, pack_messages, plain_punctuation, segments,
    split_message,
)

from .strategies import ANY_CHARACTER

RUN = settings(max_examples=400, deadline=None)
GSM_TEXT = st.text(st.sampled_from(sorted(GSM7_BASIC | GSM7_EXTENSION)), max_size=1200)
SENTENCES = st.lists(st.text(max_size=80).map(str.strip), max_size=30).map(". ".join)
ANY_TEXT = st.one_of(st.text(max_size=1500), GSM_TEXT, SENTENCES, st.text(ANY_CHARACTER, max_size=400),
                     st.text(st.sampled_from("a \n."), max_size=2000), st.text(st.sampled_from("x€"), max_size=900))


def visible(text: str) -> str:
    return "".join(text.split())


def carrier_segments(text: str) -> int:
    if all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text):
        units = len(text) + sum(ch in GSM7_EXTENSION for ch in text)
        return 0 if units == 0 else 1 if units <= 160 else math.ceil(units / 153)
    units = len(text.encode("utf-16-le", "surrogatepass")) // 2
    return 1 if units <= 70 else math.ceil(units / 67)


@RUN
@given(text=ANY_TEXT, limit=st.sampled_from([MAX_MESSAGE_CHARS, 160, 70, 20, 1]))
def test_split_messages_fit_and_rejoin_to_the_text(text, limit):
    chunks = split_message(text, limit)
    assert all(0 < len(chunk) <= limit and chunk.strip() for chunk in chunks)
    assert visible("".join(chunks)) == visible(plain_punctuation(text))


@RUN
@given(texts=st.lists(ANY_TEXT, max_size=6))
def test_packed_messages_fit_keep_every_word_in_order_and_count_segments_right(texts):
    parts = pack_messages(texts)
    assert all(0 < len(part.body) <= MAX_MESSAGE_CHARS for part in parts)
    assert visible("".join(p.body for p in parts)) == visible("".join(plain_punctuation(t) for t in texts))
    for part in parts:
        assert part.segments == carrier_segments(part.body) == segments(part.body)
        assert part.encoding == encoding(part.body)


@RUN
@given(text=ANY_TEXT)
def test_segments_are_the_carriers_count(text):
    assert segments(text) == carrier_segments(text)
