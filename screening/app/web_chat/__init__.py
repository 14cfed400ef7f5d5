"""The web chat: the widget's API and its static assets, and the /chat page."""
from __future__ import annotations

from starlette.routing import Mount

from ..context import AppContext, Feature
from .api import chat_api
from .page import page_feature_routes


def web_chat_feature(context: AppContext) -> Feature:
    return Feature(routes=[*page_feature_routes(context), Mount("/chat/api", app=chat_api(context))])
