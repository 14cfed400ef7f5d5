"""Encryption at rest on any text: what is encrypted decrypts to itself, under key rotation
too (newest key first: old rows stay readable, new rows use the newest key), and a key that
was never listed reads nothing."""
from __future__ import annotations

import base64

import pytest
from hypothesis import given, settings, strategies as st

from screening.crypto import KeySettingError, TextCipher, new_encryption_key, pseudonym

OLD, NEW, STRANGER = new_encryption_key(), new_encryption_key(), new_encryption_key()
RUN = settings(max_examples=300, deadline=None)
TEXTS = st.one_of(st.text(max_size=2000), st.text(st.characters(codec="utf-8"), max_size=200))


@RUN
@given(text=TEXTS)
def test_a_round_trip_gives_the_text_back(text):
    cipher = TextCipher(OLD)
    token = cipher.encrypt(text)
    assert token != text.encode() or text == ""
    assert cipher.decrypt(token) == text


@RUN
@given(text=TEXTS)
def test_after_rotation_old_rows_read_and_new_rows_use_the_new_key(text):
    old_row = TextCipher(OLD).encrypt(text)
    rotated = TextCipher(f"{NEW},{OLD}")
    assert rotated.decrypt(old_row) == text
    new_row = rotated.encrypt(text)
    assert TextCipher(NEW).decrypt(new_row) == text            # written with the newest key
    with pytest.raises(KeySettingError):
        TextCipher(OLD).decrypt(new_row)
    with pytest.raises(KeySettingError):
        TextCipher(STRANGER).decrypt(old_row)


@RUN
@given(text=TEXTS, flip=st.integers(min_value=0), bit=st.integers(0, 7))
def test_a_changed_bit_is_refused_not_misread(text, flip, bit):
    raw = bytearray(base64.urlsafe_b64decode(TextCipher(OLD).encrypt(text)))
    raw[flip % len(raw)] ^= 1 << bit
    with pytest.raises(KeySettingError):
        TextCipher(OLD).decrypt(base64.urlsafe_b64encode(bytes(raw)))


@RUN
@given(a=st.text(max_size=40), b=st.text(max_size=40))
def test_pseudonyms_are_stable_and_tell_senders_apart(a, b):
    assert pseudonym("k", "sms", a) == pseudonym("k", "sms", a)
    assert (pseudonym("k", "sms", a) == pseudonym("k", "sms", b)) == (a == b)
    assert pseudonym("k", "sms", a) != pseudonym("other", "sms", a)
