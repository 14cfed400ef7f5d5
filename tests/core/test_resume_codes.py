"""Resume codes: easy to write down and type back, hard to guess, stored only as a keyed hash."""
from __future__ import annotations

import math

import pytest

from screening import resume_codes
from screening.resume_codes import ALPHABET, InvalidResumeCode, code_hash, new_resume_code, normalize

SECRET = "test-secret"


def test_a_new_code_is_grouped_for_reading_and_uses_only_clear_characters():
    code = new_resume_code()
    groups = code.split("-")
    assert [len(g) for g in groups] == [4, 4, 2]
    assert set("".join(groups)) <= set(ALPHABET)


def test_the_alphabet_has_no_characters_people_mix_up():
    assert len(ALPHABET) == len(set(ALPHABET)) == 30
    assert not set("0O1IL") & set(ALPHABET)


def test_codes_have_enough_entropy_and_do_not_repeat():
    assert resume_codes.LENGTH * math.log2(len(ALPHABET)) > 48
    codes = {new_resume_code() for _ in range(2000)}
    assert len(codes) == 2000


@pytest.mark.parametrize("typed", ["kj4p-9xwm-2q", " KJ4P 9XWM 2Q ", "KJ4P9XWM2Q", "kj4p.9xwm_2q"])
def test_a_code_typed_any_reasonable_way_reads_the_same(typed):
    assert normalize(typed) == "KJ4P9XWM2Q"
    assert code_hash(SECRET, typed) == code_hash(SECRET, "KJ4P-9XWM-2Q")


@pytest.mark.parametrize("typed, reason", [
    ("", "Please type the code."),
    ("KJ4P-9XWM", "A code has 10 letters and numbers."),
    ("KJ4P-9XWM-2O", "A code has only the letters and numbers shown to you."),
    ("<script>x</s", "A code has 10 letters and numbers."),
    (None, "Please type the code."),
])
def test_text_that_cannot_be_a_code_gets_a_plain_reason(typed, reason):
    with pytest.raises(InvalidResumeCode) as raised:
        normalize(typed)
    assert str(raised.value) == reason


def test_the_stored_hash_is_keyed_and_never_the_code():
    code = new_resume_code()
    stored = code_hash(SECRET, code)
    assert normalize(code) not in stored
    assert stored != code_hash("another-secret", code)
    assert len(stored) == 64
