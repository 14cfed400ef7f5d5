"""GET /chat (a plain page with the widget), GET /chat/widget.js (the one script to embed)
and the widget's own assets under /chat/static. Nothing comes from anywhere else."""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ..context import AppContext

STATIC_DIR = Path(__file__).resolve().parent / "static"

PAGE = """<!doctype html>
<html lang="{language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{title}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/chat/static/page.css">
</head>
<body>
<main class="chat-page">
<h1 class="chat-page-title">{title}</h1>
<script src="/chat/widget.js" data-language="{language}"></script>
</main>
</body>
</html>
"""


@lru_cache(maxsize=1)
def widget_strings() -> dict:
    return json.loads((STATIC_DIR / "strings.json").read_text(encoding="utf-8"))


def widget_script(settings_exit_url: str) -> str:
    """widget.js with its words and the default exit URL filled in (no inline script needed)."""
    source = (STATIC_DIR / "widget.js").read_text(encoding="utf-8")
    config = {"exitUrl": settings_exit_url, "strings": widget_strings()}
    # JSON is valid JavaScript; escape "<" so the text never reads as markup anywhere.
    return source.replace("__WIDGET_CONFIG__", json.dumps(config, ensure_ascii=False).replace("<", "\\u003c"))


def page_feature_routes(context: AppContext) -> list:
    script = widget_script(context.settings.quick_exit_url)

    async def chat_page(request: Request) -> Response:
        # /chat?lang=xx (the insert's codes link here): any language the widget has words for.
        language = request.query_params.get("lang", "en")
        language = language if language in widget_strings() else "en"
        title = widget_strings()[language]["page_title"]
        return HTMLResponse(PAGE.format(language=language, title=title))

    async def widget_js(request: Request) -> Response:
        return Response(script, media_type="text/javascript; charset=utf-8")

    return [
        Route("/chat", chat_page, methods=["GET"]),
        Route("/chat/widget.js", widget_js, methods=["GET"]),
        Mount("/chat/static", app=StaticFiles(directory=STATIC_DIR), name="chat-static"),
    ]
