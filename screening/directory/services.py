"""The directory as the referral matcher sees it: one record per service and location.

Reads the HSDS tables: active, not withdrawn services; their need categories from
attributes in the project's taxonomy (`needs-screening-categories`); locations with
usable coordinates and their town; a phone; languages; free when the fees say so;
whether opening hours are published (a schedule).
A service with no location but a service area is a statewide line.
"""
from __future__ import annotations

import re
from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from ..needs import NEED_CATEGORIES
from ..referrals import ServiceRecord, referral_key
from . import tables as t

NEEDS_TAXONOMY = "needs-screening-categories"
# Terms of our taxonomy that refine a category (opioid treatment is substance use treatment).
REFINES = {"moud": "substance_use"}
FREE = re.compile(r"\b(free|no cost|sin costo|gratis)\b", re.IGNORECASE)


def latest_import_id(conn: Connection) -> int | None:
    return conn.execute(select(func.max(t.directory_imports.c.id))).scalar()


def _needs_by_service(conn: Connection) -> dict[str, set[str]]:
    a, term = t.directory_attributes, t.directory_taxonomy_terms
    rows = conn.execute(select(a.c.link_id, term.c.code)
                        .join(term, a.c.taxonomy_term_id == term.c.id)
                        .where(a.c.link_entity == "service", term.c.taxonomy == NEEDS_TAXONOMY,
                               a.c.withdrawn_at.is_(None)))
    needs: dict[str, set[str]] = defaultdict(set)
    for service_id, code in rows:
        code = REFINES.get(code, code)
        if code in NEED_CATEGORIES:
            needs[service_id].add(code)
    return needs


def service_records(conn: Connection) -> list[ServiceRecord]:
    s, sal, loc, addr = (t.directory_services, t.directory_service_at_location, t.directory_locations,
                         t.directory_addresses)
    needs = _needs_by_service(conn)
    phones: dict[str, str] = {}
    for owner, number in conn.execute(select(t.directory_phones.c.service_id, t.directory_phones.c.number)
                                      .where(t.directory_phones.c.withdrawn_at.is_(None))
                                      .order_by(t.directory_phones.c.id)):
        if owner and owner not in phones:
            phones[owner] = number
    languages: dict[str, set[str]] = defaultdict(set)
    for owner, code in conn.execute(select(t.directory_languages.c.service_id, t.directory_languages.c.code)
                                    .where(t.directory_languages.c.withdrawn_at.is_(None))):
        if owner and code:
            languages[owner].add(code.split("-")[0].lower())
    with_hours = set(conn.execute(select(t.directory_schedules.c.service_id)
                                  .where(t.directory_schedules.c.withdrawn_at.is_(None))).scalars())
    towns = {location_id: city for location_id, city in conn.execute(
        select(addr.c.location_id, addr.c.city).where(addr.c.withdrawn_at.is_(None)))}
    statewide_ids = set(conn.execute(select(t.directory_service_areas.c.service_id)
                                     .where(t.directory_service_areas.c.withdrawn_at.is_(None))).scalars())
    located: dict[str, list] = defaultdict(list)
    for service_id, location_id, lat, lon, usable in conn.execute(
            select(sal.c.service_id, loc.c.id, loc.c.latitude, loc.c.longitude, loc.c.coordinates_usable)
            .join(loc, sal.c.location_id == loc.c.id)
            .where(sal.c.withdrawn_at.is_(None), loc.c.withdrawn_at.is_(None))):
        located[service_id].append((location_id, lat if usable else None, lon if usable else None))

    records = []
    for row in conn.execute(select(s).where(s.c.withdrawn_at.is_(None), s.c.status == "active")).mappings():
        service_needs = frozenset(needs.get(row["id"], ()))
        if not service_needs:
            continue
        common = dict(name=row["name"], needs=service_needs, phone=phones.get(row["id"], ""),
                      languages=frozenset(languages.get(row["id"], ())),
                      free=True if FREE.search(row["fees_description"] or "") else None,
                      minimum_age=int(row["minimum_age"]) if row["minimum_age"] is not None else None,
                      maximum_age=int(row["maximum_age"]) if row["maximum_age"] is not None else None,
                      hours_known=row["id"] in with_hours, service_id=row["id"])
        if row["id"] in located:
            for location_id, lat, lon in located[row["id"]]:
                records.append(ServiceRecord(id=referral_key(row["id"], location_id), town=towns.get(location_id) or "",
                                             latitude=lat, longitude=lon, location_id=location_id, **common))
        elif row["id"] in statewide_ids:
            records.append(ServiceRecord(id=row["id"], statewide=True, **common))
    return records
