"""Tables for the Web chat: server-issued conversations, resume codes, ended sessions."""
from __future__ import annotations

from .models import metadata  # noqa: F401  (tables here share the one metadata)
