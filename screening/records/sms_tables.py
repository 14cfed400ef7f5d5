"""Tables for the SMS gateway: inbox (one row per Twilio MessageSid), conversations (keyed phone hash, encrypted number, opt-out), ordered outbox and delivery statuses."""
from __future__ import annotations

from .models import metadata  # noqa: F401  (tables here share the one metadata)
