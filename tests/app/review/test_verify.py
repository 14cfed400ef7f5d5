"""GET /verify: valid or not, the dates, nothing else; rate-limited."""
from __future__ import annotations

from datetime import timedelta


def test_a_valid_code_gives_the_completion_and_citation_dates_and_nothing_else(console):
    code = console.one_screening("completion_code")
    client = console.client()
    page = client.get("/verify", params={"code": code.lower()})
    assert page.status_code == 200
    assert "Valid. The screening was completed on 2026-11-24. Citation date: 2026-11-03." in page.text
    for secret in ("housing", "place to stay", "2026-12-18", code, "sms", "Question", "review"):
        assert secret not in page.text.split("<main>")[1], secret
    invalid = client.get("/verify", params={"code": "ACDE-3467"})
    assert "not a valid completion code" in invalid.text and "completed on" not in invalid.text
    assert console.audit_actions() == []                         # public: no identities recorded


def test_more_than_ten_checks_a_minute_from_one_address_are_refused(console):
    client = console.client()
    for _ in range(10):
        assert client.get("/verify", params={"code": "ACDE-3467"}).status_code == 200
    refused = client.get("/verify", params={"code": "ACDE-3467"})
    assert refused.status_code == 429 and "wait a minute" in refused.text
    console.clock.now += timedelta(seconds=61)
    assert client.get("/verify", params={"code": "ACDE-3467"}).status_code == 200
