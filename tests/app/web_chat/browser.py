"""Driving the widget in Chromium like a person would, and a neutral site to leave to."""
from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Route

from ..conftest import free_port, serve

AXE = Path(__file__).resolve().parents[3] / "node_modules" / "axe-core" / "axe.min.js"
ASSISTANT = ".sc-from-assistant"
NEUTRAL_PAGE = "<!doctype html><html lang='en'><head><title>Weather</title></head><body><h1>Forecast</h1></body></html>"


def neutral_site(embed_script: str = ""):
    """A stand-in for the neutral site (and for a partner page that embeds the widget)."""
    async def neutral(request):
        return HTMLResponse(NEUTRAL_PAGE)

    async def host(request):
        return HTMLResponse("<!doctype html><html lang='en'><head><title>Partner</title></head><body><main>"
                            f"<h1>Partner site</h1>{embed_script}</main></body></html>")
    return Starlette(routes=[Route("/", neutral), Route("/left", neutral), Route("/host", host)])


@dataclass
class Sites:
    app: str
    neutral: str


@contextmanager
def app_and_neutral_site(make_app, embed_script: str = ""):
    """The app and a neutral site on two 127.0.0.1 ports; `make_app(neutral_origin)` builds the app,
    and `embed_script` (with {app} and {neutral} filled in) is the neutral site's /host page."""
    app_port = free_port()
    neutral_port = free_port()
    while neutral_port == app_port:
        neutral_port = free_port()
    app_origin, neutral_origin = f"http://127.0.0.1:{app_port}", f"http://127.0.0.1:{neutral_port}"
    with serve(neutral_site(embed_script.format(app=app_origin, neutral=neutral_origin)), port=neutral_port):
        with serve(make_app(neutral_origin), port=app_port) as app:
            yield Sites(app=app, neutral=neutral_origin)


def assistant_count(page) -> int:
    return page.locator(ASSISTANT).count()


def wait_for_reply(page, before: int) -> None:
    page.wait_for_function(
        "n => document.querySelectorAll('.sc-from-assistant').length > n"
        " && !document.querySelector('.sc-typing-on')", arg=before)


def last_assistant_text(page) -> str:
    return page.locator(ASSISTANT).last.inner_text()


def all_assistant_text(page) -> str:
    return "\n".join(page.locator(ASSISTANT).all_inner_texts())


def start_chat(page, base: str, path: str = "/chat") -> None:
    page.goto(f"{base}{path}")
    page.get_by_role("button", name="Start the chat").click()
    page.wait_for_selector(ASSISTANT)


def click_and_wait(page, locator) -> None:
    before = assistant_count(page)
    locator.click()
    wait_for_reply(page, before)


def type_and_wait(page, text: str) -> None:
    before = assistant_count(page)
    page.get_by_label("Your answer").fill(text)
    page.get_by_label("Your answer").press("Enter")
    wait_for_reply(page, before)


def finished(page) -> bool:
    return "Your completion code is" in last_assistant_text(page) or \
        "Your completion code is" in all_assistant_text(page)[-3000:]


def screen_by_clicking(page, limit: int = 90) -> int:
    """Answer every question with a button: the first option, Yes for permission, Skip for free text."""
    for clicks in range(limit):
        if finished(page):
            return clicks
        options = page.locator(".sc-options button.sc-option")
        if options.count() and page.locator(".sc-send-choices").count():
            options.first.click()                       # "pick all that fit": toggle one, then send
            target = page.locator(".sc-send-choices")
        elif options.count():
            target = options.first
        elif page.locator(".sc-quick button", has_text="Yes").count():
            target = page.locator(".sc-quick button", has_text="Yes")
        else:
            target = page.locator(".sc-quick button", has_text="Skip this question")
        click_and_wait(page, target)
    raise AssertionError("the screening did not finish by clicking")


def axe_violations(page) -> list[dict]:
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"]][:5]} for v in result["violations"]]


def wait_until(condition, timeout: float = 10.0) -> bool:
    """True once `condition()` holds; False after `timeout` seconds (for effects of a request
    the page fired as it left, which no browser event reports)."""
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while not condition():
        if time.monotonic() > deadline:
            return False
        pause.wait(0.05)
    return True
