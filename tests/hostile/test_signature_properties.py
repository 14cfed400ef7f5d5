"""Twilio signatures: a request signed as Twilio signs it is accepted, and any single change
(a value, a name, a field added or taken away, the path, the query, the signature, the key)
is refused."""
from __future__ import annotations

from hypothesis import given, settings, strategies as st
from twilio.request_validator import RequestValidator

from screening.app.sms.signature import TwilioSignature

BASE = "https://screening.example.org"
TOKEN = "test-twilio-auth-token"
RUN = settings(max_examples=300, deadline=None)

FIELD_NAMES = st.text(st.characters(min_codepoint=33, max_codepoint=0x2FFF), min_size=1, max_size=12)
FIELDS = st.dictionaries(FIELD_NAMES, st.text(max_size=40), min_size=1, max_size=8)
PATHS = st.sampled_from(["/sms/twilio", "/sms/twilio/status"])
QUERIES = st.sampled_from(["", "a=1", "x=%20y"])


def signed(path: str, query: str, params: dict) -> str:
    url = f"{BASE}{path}" + (f"?{query}" if query else "")
    return RequestValidator(TOKEN).compute_signature(url, params)


@RUN
@given(params=FIELDS, path=PATHS, query=QUERIES)
def test_a_request_signed_as_twilio_signs_it_is_accepted(params, path, query):
    assert TwilioSignature(TOKEN, BASE).is_valid(path, query, params, signed(path, query, params))


@RUN
@given(params=FIELDS, path=PATHS, query=QUERIES, data=st.data())
def test_any_single_change_is_refused(params, path, query, data):
    signature = signed(path, query, params)
    checker = TwilioSignature(TOKEN, BASE)
    name = data.draw(st.sampled_from(sorted(params)))
    change = data.draw(st.sampled_from(["value", "drop", "add", "rename", "path", "query", "signature", "key"]))
    changed, changed_path, changed_query, changed_signature = dict(params), path, query, signature
    if change == "value":
        changed[name] = data.draw(st.text(max_size=40).filter(lambda v: v != params[name]))
    elif change == "drop":
        del changed[name]
    elif change == "add":
        extra = data.draw(FIELD_NAMES.filter(lambda n: n not in params))
        changed[extra] = data.draw(st.text(max_size=10))
    elif change == "rename":
        new = data.draw(FIELD_NAMES.filter(lambda n: n not in params))
        changed[new] = changed.pop(name)
    elif change == "path":
        changed_path = path + data.draw(st.sampled_from(["/", "x", "/status"]))
    elif change == "query":
        changed_query = query + ("&" if query else "") + "b=2"
    elif change == "signature":
        at = data.draw(st.integers(0, len(signature) - 1))
        replacement = data.draw(st.sampled_from("ABCabc012+/=").filter(lambda ch: ch != signature[at]))
        changed_signature = signature[:at] + replacement + signature[at + 1:]
    if change == "key":
        checker = TwilioSignature(TOKEN + "x", BASE)
    if change in ("rename", "add", "drop") and "".join(f"{k}{v}" for k, v in sorted(changed.items())) == \
            "".join(f"{k}{v}" for k, v in sorted(params.items())):
        return      # the same signed string (e.g. a field with an empty value and no value): not a change
    assert not checker.is_valid(changed_path, changed_query, changed, changed_signature)


def test_without_an_auth_token_nothing_is_accepted():
    assert not TwilioSignature("", BASE).is_valid("/sms/twilio", "", {"a": "b"}, signed("/sms/twilio", "", {"a": "b"}))
