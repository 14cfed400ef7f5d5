"""/chat?lang=xx, the address each code on the citation insert opens: the page starts the widget
in that language whenever the widget has words for it, and in English otherwise."""
from __future__ import annotations

import httpx

from screening.app.web_chat.page import widget_strings
from screening.insert.texts import LANGUAGES as INSERT_LANGUAGES

from ..conftest import app_settings, engine_app, serve


def test_each_inserts_code_opens_the_chat_in_its_language_or_english(sqlite_url, clock):
    with serve(engine_app(app_settings(sqlite_url), clock)) as base:
        pages = {code: httpx.get(f"{base}/chat", params={"lang": code}) for code in (*INSERT_LANGUAGES, "xx")}
    for code, page in pages.items():
        shown = code if code in widget_strings() else "en"
        assert page.status_code == 200, code
        assert f'data-language="{shown}"' in page.text and f'<html lang="{shown}">' in page.text, code
    assert 'data-language="es"' in pages["es"].text
    assert 'data-language="en"' in pages["xx"].text
