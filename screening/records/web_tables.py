"""Tables for the web chat: server-issued conversations, their resume codes and sessions.

A conversation's id is random (128 bits) and never chosen by a browser; the core knows
the person as sender "web:<id>". The browser holds only a session token in memory; the
database holds keyed hashes of the token and of the resume code, never either in clear.
One session at a time: resuming issues a new token and the old one stops working.
"""
from __future__ import annotations

from sqlalchemy import Column, DateTime, String, Table

from .models import metadata

web_conversations = Table(
    "web_conversations", metadata,
    Column("id", String(32), primary_key=True),
    Column("resume_code_hash", String(64), nullable=False, unique=True),
    Column("session_token_hash", String(64), nullable=True, unique=True),   # none once the session ended
    Column("language", String(8), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("session_started_at", DateTime, nullable=False),
    Column("last_seen_at", DateTime, nullable=False),
    Column("session_ended_at", DateTime, nullable=True),
)
