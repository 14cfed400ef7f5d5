"""The /chat page and the widget's assets: served by the app, strict headers, nothing inline."""
from __future__ import annotations

import json
import re

import httpx

from screening.app.web_chat.page import STATIC_DIR
from screening.interpret import detect_command
from screening.languages import LANGUAGE_COMMANDS, LANGUAGES, OWN_NAMES

from ..conftest import app_settings, engine_app, serve


def test_the_chat_page_is_plain_with_one_script_tag_and_strict_headers(sqlite_url, clock):
    with serve(engine_app(app_settings(sqlite_url), clock)) as base:
        page = httpx.get(f"{base}/chat")
        spanish = httpx.get(f"{base}/chat?lang=es")
        odd = httpx.get(f"{base}/chat?lang=<script>")
    assert page.status_code == 200
    assert re.findall(r"<script[^>]*>", page.text) == ['<script src="/chat/widget.js" data-language="en">']
    assert "style=" not in page.text and "<style" not in page.text
    assert page.headers["cache-control"] == "no-store"
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert "set-cookie" not in page.headers
    assert 'data-language="es"' in spanish.text and '<html lang="es">' in spanish.text
    assert odd.status_code == 200 and "<script>" not in odd.text.replace('<script src', '')


def test_the_widget_script_and_styles_come_from_the_app_only(sqlite_url, clock):
    with serve(engine_app(app_settings(sqlite_url, quick_exit_url="https://neutral.example/"), clock)) as base:
        script = httpx.get(f"{base}/chat/widget.js")
        css = httpx.get(f"{base}/chat/static/widget.css")
        missing = httpx.get(f"{base}/chat/static/nothing.js")
    assert script.status_code == 200 and script.headers["content-type"].startswith("text/javascript")
    assert "__WIDGET_CONFIG__" not in script.text
    assert '"exitUrl": "https://neutral.example/"' in script.text
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert missing.status_code == 404
    for asset in (script.text, css.text):
        external = [u for u in re.findall(r"https?://[^\s\"')]+", asset)
                    if u not in ("https://neutral.example/",) and "APP" not in u and "..." not in u]
        assert external == []
    # The widget never stores anything in the browser.
    assert not re.search(r"localStorage|sessionStorage|indexedDB|document\.cookie|serviceWorker|innerHTML",
                         script.text.split("*/", 1)[1])


def test_every_widget_word_exists_in_every_language():
    strings = json.loads((STATIC_DIR / "strings.json").read_text(encoding="utf-8"))
    assert list(strings) == list(LANGUAGES)
    for language in LANGUAGES[1:]:
        assert strings[language].keys() == strings["en"].keys(), language
        for key, value in strings["en"].items():
            if isinstance(value, dict):
                assert value.keys() == strings[language][key].keys(), (language, key)
            assert str(strings[language][key]).strip(), (language, key)
        # The language control names each language in itself, and switching to it sends a
        # word the core reads as that language.
        assert strings[language]["language_name"] == OWN_NAMES[language]
        assert LANGUAGE_COMMANDS[detect_command(strings[language]["language_command"], "en")] == language
    used = set(re.findall(r"""(?:label(?::[a-z-]+)?: |t\()"([a-z_]+)"\)?""",
                          (STATIC_DIR / "widget.js").read_text(encoding="utf-8")))
    assert used and used <= strings["en"].keys()


def widget_words(language: str) -> list[str]:
    strings = json.loads((STATIC_DIR / "strings.json").read_text(encoding="utf-8"))[language]
    return [w for v in strings.values() for w in (v.values() if isinstance(v, dict) else [v])]


def test_the_widget_words_avoid_stigmatizing_language():
    from screening.text_checks import stigma_terms_in
    found = [(text, term) for language in LANGUAGES for text in widget_words(language)
             for term in stigma_terms_in(text, language)]
    assert found == []
    assert stigma_terms_in("Are you clean?", "en")          # the check itself works
