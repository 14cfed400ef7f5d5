"""Tables for the Screener console: accounts, case review state, notes, append-only hash-chained audit log, aggregate counts kept after purge."""
from __future__ import annotations

from .models import metadata  # noqa: F401  (tables here share the one metadata)
