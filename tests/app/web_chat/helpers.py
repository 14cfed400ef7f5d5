"""Shared helpers for the web chat tests: a person talking to the widget API over HTTP."""
from __future__ import annotations

import itertools

import httpx
from sqlalchemy import select

from screening.records.web_tables import web_conversations

from ...conftest import make_repository

_ids = itertools.count(1)


class ChatPerson:
    """One browser's view of the API: it knows only its token and what it was sent."""

    def __init__(self, base: str, language: str | None = None):
        self.base = base
        body = {"language": language} if language else {}
        response = httpx.post(f"{base}/chat/api/conversations", json=body)
        assert response.status_code == 201, response.text
        self.view = response.json()
        self.token = self.view["token"]
        self.resume_code = self.view["resume_code"]

    def say(self, text: str, message_id: str | None = None) -> httpx.Response:
        response = httpx.post(f"{self.base}/chat/api/messages",
                              json={"message_id": message_id or f"message-{next(_ids):06d}", "text": text},
                              headers={"x-chat-token": self.token})
        if response.status_code == 200:
            self.view = response.json()
        return response

    def text(self) -> str:
        return "\n".join(m["text"] for m in self.view["messages"])


def conversation_rows(database_url: str) -> list[dict]:
    repository = make_repository(database_url)
    try:
        with repository.transaction() as unit:
            return [dict(r) for r in unit.conn.execute(select(web_conversations)).mappings()]
    finally:
        repository.engine.dispose()
