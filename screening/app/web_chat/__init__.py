"""The web chat: the widget's API and its static assets, and the /chat page."""
from __future__ import annotations

from ..context import AppContext, Feature


def web_chat_feature(context: AppContext) -> Feature:
    return Feature()
