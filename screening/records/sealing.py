"""The most sensitive values, encrypted at rest ("sealed") and read back ("opened").

Which values: the instrument says which items are sensitive (`Instrument.sensitive_items`:
the items of blocks marked `sensitive: true`, today mental health, substance use and
safety) and so which domains (`Instrument.sensitive_domains`: those scoring such an item).
For those rows only the encrypted column holds the value, and the clear columns are
empty (NULL, or an empty list for `answers.option_ids`):

- `answers.answer_enc`: {"option_ids": [...], "skip_reason": ...} of a sensitive item;
- `domain_results.result_enc`: {"positive", "complete", "score"} of a sensitive domain;
- `flags.details_enc`: {"reason", "step"} of every flag (the crisis kind, and where the
  person was when it was raised);
- `screenings.state["crisis_enc"]`: the crisis support the person is in (its kind, stage,
  where it began, the kinds already flagged), in place of `state["crisis"]`.

A row is read by what it holds, not by today's rule: a sealed row is opened whatever the
instrument now says, and a row stored in clear (an item an older instrument version did not
mark, or a row from before migration 0013) is read as it is. Everything here is plain
values in, plain values out; the callers decide when.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from ..crypto import TextCipher
from ..instrument import Instrument, default_instrument

CRISIS_KEY = "crisis"
SEALED_CRISIS_KEY = "crisis_enc"


@dataclass(frozen=True)
class Sensitivity:
    """What is sealed when it is written: sensitive item and domain ids."""
    items: frozenset[str]
    domains: frozenset[str]

    @classmethod
    def of(cls, instrument: Instrument) -> "Sensitivity":
        return cls(instrument.sensitive_items, instrument.sensitive_domains)


def default_sensitivity() -> Sensitivity:
    return Sensitivity.of(default_instrument())


def _seal(cipher: TextCipher, value: Mapping[str, Any]) -> bytes:
    return cipher.encrypt(json.dumps(value, sort_keys=True, separators=(",", ":")))


def _open(cipher: TextCipher, token: bytes) -> dict[str, Any]:
    return json.loads(cipher.decrypt(token))


# answers ---------------------------------------------------------------------------
def seal_answer(cipher: TextCipher, option_ids: Sequence[str], skip_reason: str | None) -> bytes:
    return _seal(cipher, {"option_ids": list(option_ids), "skip_reason": skip_reason})


def open_answer(cipher: TextCipher, row) -> tuple[tuple[str, ...], str | None]:
    """(option ids, skip reason) of an `answers` row, sealed or not."""
    if row.answer_enc is None:
        return tuple(row.option_ids or ()), row.skip_reason
    value = _open(cipher, row.answer_enc)
    return tuple(value["option_ids"]), value["skip_reason"]


# domain results ----------------------------------------------------------------------
@dataclass(frozen=True)
class ResultValues:
    positive: bool | None
    complete: bool
    score: int | None


def seal_result(cipher: TextCipher, positive: bool | None, complete: bool, score: int | None) -> bytes:
    return _seal(cipher, {"positive": positive, "complete": complete, "score": score})


def open_result(cipher: TextCipher, row) -> ResultValues:
    """positive, complete, score of a `domain_results` row, sealed or not."""
    if row.result_enc is None:
        return ResultValues(row.positive, bool(row.complete), row.score)
    value = _open(cipher, row.result_enc)
    return ResultValues(value["positive"], bool(value["complete"]), value["score"])


def result_dict(cipher: TextCipher, row) -> dict[str, Any]:
    """A `domain_results` row as a dict with its values in the clear columns' places."""
    values = open_result(cipher, row)
    line = {k: v for k, v in row._mapping.items() if k != "result_enc"}
    line.update(positive=values.positive, complete=values.complete, score=values.score)
    return line


# flags -------------------------------------------------------------------------------
def seal_flag(cipher: TextCipher, reason: str, step: str | None) -> bytes:
    return _seal(cipher, {"reason": reason, "step": step})


def open_flag(cipher: TextCipher, row) -> tuple[str | None, str | None]:
    """(reason, step) of a `flags` row, sealed or not."""
    if row.details_enc is None:
        return row.reason, row.step
    value = _open(cipher, row.details_enc)
    return value["reason"], value["step"]


def flag_dict(cipher: TextCipher, row) -> dict[str, Any]:
    """A `flags` row as a dict with its reason and step in the clear columns' places."""
    reason, step = open_flag(cipher, row)
    line = {k: v for k, v in row._mapping.items() if k != "details_enc"}
    line.update(reason=reason, step=step)
    return line


# the screening's working state ---------------------------------------------------------
def seal_state(cipher: TextCipher, state: Mapping[str, Any]) -> dict[str, Any]:
    """The state as stored: the crisis part encrypted, everything else as it is."""
    stored = {k: v for k, v in state.items() if k not in (CRISIS_KEY, SEALED_CRISIS_KEY)}
    crisis = state.get(CRISIS_KEY)
    if crisis is not None:
        stored[SEALED_CRISIS_KEY] = _seal(cipher, crisis).decode("ascii")
    return stored


def open_state(cipher: TextCipher, stored: Mapping[str, Any] | None) -> dict[str, Any]:
    """The state as the dialogue works on it (a copy)."""
    state = json.loads(json.dumps(stored or {}))
    token = state.pop(SEALED_CRISIS_KEY, None)
    if token is not None:
        state[CRISIS_KEY] = _open(cipher, token.encode("ascii"))
    return state


def rotate_state(cipher: TextCipher, stored: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The stored state with its crisis part (and the words kept inside it) under the newest
    key, or None when it holds nothing encrypted."""
    state = open_state(cipher, stored)
    crisis = state.get(CRISIS_KEY)
    if crisis is None:
        return None
    if crisis.get("kept"):
        crisis["kept"] = cipher.rotate(crisis["kept"].encode("ascii")).decode("ascii")
    return seal_state(cipher, state)
