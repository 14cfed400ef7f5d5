"""Cases and flags made straight through the repository, for the crisis tests: they do not
depend on the dialogue engine raising the flags."""
from __future__ import annotations

from datetime import datetime

from screening.instrument import default_instrument
from screening.records.repository import Repository


def new_case(repository: Repository, sender: str, now: datetime, *, channel: str = "sms",
             messages: tuple[tuple[str, str], ...] = ()) -> str:
    """A screening started at `now`, with (direction, text) transcript lines; its id."""
    instrument = default_instrument()
    with repository.transaction() as unit:
        participant = unit.participant_id(channel, sender, now)
        row = unit.create_screening(participant, language="en", channel=channel, instrument_id=instrument.id,
                                    instrument_version=instrument.version, step="needs", now=now)
        for direction, text in messages:
            unit.add_message(row.id, None, direction, channel, text, now)
    return row.id


def add_flag(repository: Repository, screening_id: str, reason: str, now: datetime, *, step: str | None = None,
             kind: str = "crisis") -> None:
    with repository.transaction() as unit:
        unit.add_flag(screening_id, kind, reason, now, step=step)
