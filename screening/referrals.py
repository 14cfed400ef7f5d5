"""Referral matching: up to three services per need, the person's own needs first.

A pure function over plain records, so it is tested and measured on its own and
the directory (HSDS tables) only has to produce `ServiceRecord`s.

For each need, in the order given (the person's ranked needs, then positive screens):
1. hard filters: the need category; age limits when the person's age is known;
2. a radius around the person's place, widening step by step (RADII_MILES) until
   something is found;
3. ranking: distance, with a bonus for the person's language, for free care and for
   a phone number to call and for published opening hours (see RANK_BONUS_MILES),
   then name and id so ties always break the same way;
4. no local match, or no place given: the statewide lines for that need, never an
   empty answer.
A service already offered for an earlier need is not offered again.
"""
from __future__ import annotations

import heapq
import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Iterable, Sequence

RADII_MILES = (5.0, 10.0, 25.0, 50.0, 100.0)
MAX_PER_NEED = 3
# How many miles of distance a language match, free care, a phone number to call or
# published opening hours is worth in the ranking.
RANK_BONUS_MILES = {"language": 5.0, "free": 2.0, "phone": 1.0, "hours": 0.5}
CELL_DEGREES = 0.05          # spatial grid for fast radius search (about 3.5 x 2.5 miles here)
EARTH_RADIUS_MILES = 3958.8


@dataclass(frozen=True)
class ServiceRecord:
    """One service at one location (or statewide, without a location)."""
    id: str                         # unique per service and location
    name: str
    needs: frozenset[str]
    town: str = ""
    phone: str = ""
    latitude: float | None = None
    longitude: float | None = None
    languages: frozenset[str] = frozenset()   # ISO 639-1 codes, e.g. {"en", "es"}
    free: bool | None = None
    minimum_age: int | None = None
    maximum_age: int | None = None
    statewide: bool = False
    hours_known: bool = False       # the directory publishes when it is open
    service_id: str = ""            # the directory's ids, for storing what was shown
    location_id: str = ""


@dataclass(frozen=True)
class Match:
    need: str
    service: ServiceRecord
    rank: int                       # 1.. within the need
    miles: float | None             # None for statewide lines
    speaks_language: bool
    free: bool

    def reason_parts(self) -> dict:
        return {"miles": None if self.miles is None else round(self.miles, 1),
                "language": self.speaks_language, "free": self.free, "statewide": self.service.statewide}


def referral_key(service_id: str | None, location_id: str | None, name: str = "") -> str:
    """One key for a service at a location (or a statewide line): how shown referrals are skipped."""
    if service_id and location_id:
        return f"{service_id}@{location_id}"
    return service_id or name


def miles_between(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_MILES * math.asin(math.sqrt(a))


def approximate_miles(lat1: float, lon1: float, lat2: float, lon2: float, cos_lat: float) -> float:
    """Flat-earth distance, within about 0.5% of the great circle over a state-sized area."""
    return 69.09 * math.hypot(lat2 - lat1, (lon2 - lon1) * cos_lat)


def _cell(lat: float, lon: float) -> tuple[int, int]:
    return int(math.floor(lat / CELL_DEGREES)), int(math.floor(lon / CELL_DEGREES))


@dataclass
class Directory:
    """Services indexed by need and by a coarse grid, built once per directory load."""
    local: dict[str, dict[tuple[int, int], list[ServiceRecord]]] = field(default_factory=dict)
    statewide: dict[str, list[ServiceRecord]] = field(default_factory=dict)
    size: int = 0

    @classmethod
    def build(cls, services: Iterable[ServiceRecord]) -> "Directory":
        local: dict[str, dict[tuple[int, int], list[ServiceRecord]]] = defaultdict(lambda: defaultdict(list))
        statewide: dict[str, list[ServiceRecord]] = defaultdict(list)
        size = 0
        for service in services:
            size += 1
            usable = service.latitude is not None and service.longitude is not None \
                and -90 <= service.latitude <= 90 and -180 <= service.longitude <= 180
            for need in service.needs:
                if service.statewide:
                    statewide[need].append(service)
                elif usable:
                    local[need][_cell(service.latitude, service.longitude)].append(service)
        for lines in statewide.values():
            lines.sort(key=lambda s: (s.name, s.id))
        return cls({k: dict(v) for k, v in local.items()}, dict(statewide), size)

    def near(self, need: str, lat: float, lon: float, miles: float) -> list[tuple[float, ServiceRecord]]:
        cells = self.local.get(need)
        if not cells:
            return []
        dlat = miles / 69.0
        dlon = miles / max(1e-6, 69.0 * math.cos(math.radians(lat)))
        (r0, c0), (r1, c1) = _cell(lat - dlat, lon - dlon), _cell(lat + dlat, lon + dlon)
        cos_lat = math.cos(math.radians(lat))
        found = []
        for row in range(r0, r1 + 1):
            for col in range(c0, c1 + 1):
                for service in cells.get((row, col), ()):
                    distance = approximate_miles(lat, lon, service.latitude, service.longitude, cos_lat)
                    if distance <= miles:
                        found.append((distance, service))
        return found


def _age_fits(service: ServiceRecord, age: int | None) -> bool:
    if age is None:
        return True
    return (service.minimum_age is None or age >= service.minimum_age) and \
        (service.maximum_age is None or age <= service.maximum_age)


def match_needs(directory: Directory, needs: Sequence[str], *, latitude: float | None = None,
                longitude: float | None = None, language: str = "en", age: int | None = None,
                per_need: int = MAX_PER_NEED, skip: Iterable[str] = ()) -> list[Match]:
    """Referrals for each need in order. `skip`: service ids already shown (for "more")."""
    taken = set(skip)
    matches: list[Match] = []
    for need in dict.fromkeys(needs):
        local: list[Match] = []
        if latitude is not None and longitude is not None:
            for radius in RADII_MILES:
                found = [(d, s) for d, s in directory.near(need, latitude, longitude, radius)
                         if s.id not in taken and _age_fits(s, age)]
                if found:
                    def rank_key(pair):
                        distance, service = pair
                        bonus = (RANK_BONUS_MILES["language"] if language in service.languages else 0) + \
                            (RANK_BONUS_MILES["free"] if service.free else 0) + \
                            (RANK_BONUS_MILES["phone"] if service.phone else 0) + \
                            (RANK_BONUS_MILES["hours"] if service.hours_known else 0)
                        return (distance - bonus, service.name, service.id)
                    best = heapq.nsmallest(per_need, found, key=rank_key)
                    for n, (_, service) in enumerate(best, start=1):
                        distance = miles_between(latitude, longitude, service.latitude, service.longitude)
                        local.append(Match(need, service, n, distance, language in service.languages,
                                           bool(service.free)))
                    break
        if not local:
            lines = [s for s in directory.statewide.get(need, ()) if s.id not in taken][:per_need]
            local = [Match(need, s, n, None, language in s.languages, bool(s.free))
                     for n, s in enumerate(lines, start=1)]
        taken.update(m.service.id for m in local)
        matches += local
    return matches
