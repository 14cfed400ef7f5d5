"""Referrals from the service directory in the database, for the summary.

The matcher's index is built from the directory tables once and rebuilt only when
a new directory import has landed. Needs the directory has nothing for fall back
to the shipped statewide lines, so no need is ever left without somewhere to turn.
"""
from __future__ import annotations

import threading
from typing import Sequence

from sqlalchemy.engine import Connection

from ..directory.services import latest_import_id, service_records
from ..referrals import Directory, Match, match_needs
from .catalog import Catalog
from .summary import Referral, StatewideLines, how_to_reach


class DirectoryReferrals:
    def __init__(self, catalog: Catalog):
        self.catalog = catalog
        self.fallback = StatewideLines(catalog)
        self._lock = threading.Lock()
        self._built_for: int | None = None
        self._directory = Directory.build(())

    def directory(self, conn: Connection) -> Directory:
        """The index, rebuilt when a newer import exists. Reads through the caller's
        connection: a turn holds the database's write lock, a second connection would wait."""
        current = latest_import_id(conn)
        if current != self._built_for:
            with self._lock:
                if current != self._built_for:
                    self._directory = Directory.build(service_records(conn))
                    self._built_for = current
        return self._directory

    def reason(self, match: Match, language: str) -> str:
        parts = []
        if match.miles is not None:
            parts.append(self.catalog.say(language, "reason_miles", miles=f"{match.miles:.1f}"))
        else:
            parts.append(self.catalog.say(language, "reason_statewide"))
        if match.speaks_language and language != "en":
            parts.append(self.catalog.say(language, "reason_language"))
        if match.free:
            parts.append(self.catalog.say(language, "reason_free"))
        return " · ".join(parts)

    def referrals(self, needs: Sequence[str], *, latitude: float | None, longitude: float | None,
                  language: str, conn: Connection, skip: Sequence[str] = ()) -> list[Referral]:
        matches = match_needs(self.directory(conn), needs, latitude=latitude, longitude=longitude,
                              language=language, skip=skip)
        found = [Referral(m.need, m.rank, m.service.name, how_to_reach(self.catalog, language, m.service.phone),
                          town=m.service.town, reason=self.reason(m, language), phone=m.service.phone,
                          miles=m.miles, service_id=m.service.service_id or None,
                          location_id=m.service.location_id or None) for m in matches]
        covered = {r.need for r in found}
        missing = [n for n in needs if n not in covered]
        return found + self.fallback.referrals(missing, language=language, skip=skip)
