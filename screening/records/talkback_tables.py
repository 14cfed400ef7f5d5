"""Tables for screeners talking with a person (screening/talkback.py): who holds a
conversation now, and what waits to be shown in the web chat.

A hold is one row per screening: its primary key makes "one holder at a time" a matter
for the database (an insert that does nothing when a row is there). While the row
exists the dialogue engine stores the person's messages for the screener and answers
none of them.

The web chat has no phone to send to: what a screener (or the assistant, on hand-back)
says to a person who chats on the web waits in `web_outbox` until their widget asks for
it, now or when they come back with their resume code. Bodies are encrypted.
"""
from __future__ import annotations

from sqlalchemy import Column, DateTime, ForeignKey, Integer, LargeBinary, String, Table

from .models import metadata

conversation_holds = Table(
    "conversation_holds", metadata,
    Column("screening_id", String(36), ForeignKey("screenings.id"), primary_key=True),
    Column("held_by", Integer, ForeignKey("console_accounts.id"), nullable=False, index=True),
    Column("held_at", DateTime, nullable=False),
    # The holder's last take-over or reply; a hold idle for HOLD_IDLE_MINUTES goes back to the assistant.
    Column("touched_at", DateTime, nullable=False),
)

web_outbox = Table(
    "web_outbox", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("screening_id", String(36), ForeignKey("screenings.id"), nullable=False, index=True),
    Column("sender", String(16), nullable=False),            # staff, assistant
    Column("body_enc", LargeBinary, nullable=False),          # JSON {"text", "buttons"}, encrypted
    Column("created_at", DateTime, nullable=False),
    Column("delivered_at", DateTime, nullable=True),          # handed to one widget response, once
)

TALKBACK_TABLES = (conversation_holds, web_outbox)
