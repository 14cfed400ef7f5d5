"""Statewide resource lines, loaded from data with their source and status.

The assistant must always be able to give these lines. They live in
`content/resources/statewide_resources.csv`, copied from
`sources/ma-services/statewide_resources.csv` (itself a copy of the upstream
`../shared/data/ma-services/`; see sources/README.md) with a stable `id` column
and an empty `verified_on` column added. Phone numbers are never written into
the dialogue text.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

RESOURCES_CSV = Path(__file__).parent / "content" / "resources" / "statewide_resources.csv"

# Template variables the messages may use, and the resource each one reads.
PHONE_VARIABLES = {
    "phone_911": "emergency",
    "phone_988": "lifeline_988",
    "phone_bh_line": "ma_bh_helpline",
    "phone_211": "mass_211",
    "phone_safelink": "safelink",
    "phone_overdose_line": "ma_overdose_helpline",
}


@dataclass(frozen=True)
class Resource:
    id: str
    name: str
    needs: tuple[str, ...]
    phone: str
    text: str
    website: str
    hours: str
    notes: str
    source: str
    status: str
    verified_on: str


@lru_cache(maxsize=1)
def statewide_resources() -> tuple[Resource, ...]:
    with RESOURCES_CSV.open(newline="", encoding="utf-8") as handle:
        return tuple(
            Resource(
                id=row["id"],
                name=row["name"],
                needs=tuple(n for n in row["need"].split(";") if n),
                phone=row["phone"],
                text=row["text"],
                website=row["website"],
                hours=row["hours"],
                notes=row["notes"],
                source=row["source"],
                status=row["status"],
                verified_on=row["verified_on"],
            )
            for row in csv.DictReader(handle)
        )


def resource(resource_id: str) -> Resource:
    for found in statewide_resources():
        if found.id == resource_id:
            return found
    raise KeyError(resource_id)


def resources_for_need(need: str) -> tuple[Resource, ...]:
    """Statewide lines for a need category; crisis-only lines are left to the crisis path."""
    return tuple(r for r in statewide_resources() if need in r.needs)


LANGUAGE_ACCESS_CSV = Path(__file__).parent / "content" / "resources" / "language_access.csv"


@lru_cache(maxsize=1)
def _language_access() -> dict[str, tuple[frozenset[str], bool]]:
    """Resource id -> (languages its staff answer in, whether it offers an interpreter), from
    `content/resources/language_access.csv` (each row with its source; only what is known)."""
    with LANGUAGE_ACCESS_CSV.open(newline="", encoding="utf-8") as handle:
        return {row["id"]: (frozenset(c for c in row["answers_in"].split(";") if c),
                            row["interpreter"].strip().lower() == "yes")
                for row in csv.DictReader(handle)}


def language_access(resource_id: str, language: str) -> str | None:
    """"speaks" when the line answers in `language`, "interpreter" when it offers one, else None."""
    speaks, interpreter = _language_access().get(resource_id, (frozenset(), False))
    if language in speaks:
        return "speaks"
    return "interpreter" if interpreter else None


def phone_variables() -> dict[str, str]:
    return {name: resource(rid).phone for name, rid in PHONE_VARIABLES.items()}
