"""The app as a whole: health, headers on every response, no stack traces."""
from __future__ import annotations

import httpx

from .conftest import app_settings, engine_app, serve


def test_healthz_answers_ok_with_the_database_reachable(database_url, clock):
    with serve(engine_app(app_settings(database_url), clock)) as base:
        response = httpx.get(f"{base}/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_every_response_forbids_caching_framing_and_inline_script(sqlite_url, clock):
    with serve(engine_app(app_settings(sqlite_url), clock)) as base:
        for path in ("/healthz", "/no-such-page"):
            response = httpx.get(f"{base}{path}")
            assert response.headers["cache-control"] == "no-store"
            assert response.headers["x-frame-options"] == "DENY"
            assert "script-src 'self'" in response.headers["content-security-policy"]
            assert "unsafe-inline" not in response.headers["content-security-policy"]


def test_an_unknown_page_is_a_plain_404(sqlite_url, clock):
    with serve(engine_app(app_settings(sqlite_url), clock)) as base:
        response = httpx.get(f"{base}/no-such-page")
    assert response.status_code == 404
    assert response.text == "Not found."


def test_healthz_says_unavailable_when_the_database_is_not_migrated(tmp_path, clock):
    missing = f"sqlite:///{tmp_path / 'never-migrated.db'}"
    with serve(engine_app(app_settings(missing), clock)) as base:
        response = httpx.get(f"{base}/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
