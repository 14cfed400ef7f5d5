#!/usr/bin/env python
"""Convert the Massachusetts service source files into an HSDS 3.0 data package.

    .venv/bin/python scripts/convert_ma_services.py [--source DIR] [--out DIR]

Reads the federal public-domain directory extracts in `sources/ma-services/` (see
SOURCES.md there; a byte-for-byte copy of the upstream `../shared/data/ma-services/`,
see sources/README.md) and the need-category mapping in
`screening/content/directory/need_categories.yaml`; writes HSDS 3.0 CSV tables and a
Frictionless `datapackage.json` to `screening/content/directory/ma/`.

The output is reproducible: every id is a UUIDv5 derived from the source file name and
the row's content (plus what the id is for), rows are sorted by id, and the only date
written is the fixed verified-on date of the federal files. Running it twice gives
byte-identical files. What each field holds is documented in the package's README.md.
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import json
import math
import re
import sys
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import yaml
import zipcodes

REPO = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = REPO / "sources" / "ma-services"   # copy of ../shared/data/ma-services
DEFAULT_OUT = REPO / "screening" / "content" / "directory" / "ma"
CATEGORIES_YAML = REPO / "screening" / "content" / "directory" / "need_categories.yaml"
sys.path.insert(0, str(REPO))
from screening.location import resolve_location  # noqa: E402
from screening.text_checks import person_first_rewording  # noqa: E402

NAME_REWORDED = ("the published name is shown in person-first words (\"... use\" for the older term); "
                 "the source row has it as published")

# Every id in the package is uuid5(NAMESPACE, <what it identifies>).
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:needs-screening:directory:ma-services")

# The federal files were compiled and geocoded about 2020-2021. We record 2021-01-01 as
# their verified-on date (services.assured_date, metadata.last_action_date). The
# statewide lines get no date: SOURCES.md says each must be re-verified before launch.
VERIFIED_ON = "2021-01-01"
COMPILATION = ("compiled and geocoded in GeoDaCenter/opioid-policy-scan, "
               "data_final/Health Resources/ (commit 89c169da)")
UPDATED_BY = "scripts/convert_ma_services.py"

# Massachusetts, roughly. Locations outside are kept and flagged (never dropped).
MA_LAT = (41.2, 42.9)
MA_LON = (-73.6, -69.9)
# A location this far from the centre of its own ZIP code is flagged: the geocode or the
# address is probably wrong (checked with the `zipcodes` package data).
ZIP_DISTANCE_KM = 15.0

NEEDS_TAXONOMY = "needs-screening-categories"
FLAGS_TAXONOMY = "directory-data-flags"


@dataclass(frozen=True)
class FacilityFile:
    upstream: str
    categories: tuple[str, ...]
    expected_rows: int
    service_description: str
    organization_description: str
    type_hints: bool = False        # opioid treatment program list: name-based type checks
    site_hints: bool = False        # health center sites: name-based group and site checks


FACILITY_FILES: dict[str, FacilityFile] = {
    "substance_use_treatment.csv": FacilityFile(
        upstream="SAMHSA treatment locator (substance use facilities)",
        categories=("substance_use",),
        expected_rows=413,
        service_description=(
            "Substance use treatment facility listed in SAMHSA's treatment locator "
            "(Massachusetts, compiled about 2020-2021). The source lists no phone number, "
            "services, hours or payment options: confirm them before referring."),
        organization_description=(
            "Named in SAMHSA's treatment locator (substance use facilities), "
            "Massachusetts extract compiled about 2020-2021."),
    ),
    "mental_health.csv": FacilityFile(
        upstream="SAMHSA treatment locator (mental health facilities)",
        categories=("mental_health",),
        expected_rows=266,
        service_description=(
            "Mental health treatment facility listed in SAMHSA's treatment locator "
            "(Massachusetts, compiled about 2020-2021). The source lists no services, "
            "hours or payment options: confirm them before referring."),
        organization_description=(
            "Named in SAMHSA's treatment locator (mental health facilities), "
            "Massachusetts extract compiled about 2020-2021."),
    ),
    "opioid_treatment_programs.csv": FacilityFile(
        upstream="opioid treatment program list (federal)",
        categories=("substance_use", "moud"),
        expected_rows=87,
        service_description=(
            "Listed as an opioid treatment program (medication for opioid use disorder), "
            "Massachusetts, compiled about 2020-2021. The listed type is a hint, not a fact: "
            "some rows in this list look like other kinds of facility. The source lists no "
            "phone number, hours or payment options: confirm them before referring."),
        organization_description=(
            "Named in the federal opioid treatment program list, "
            "Massachusetts extract compiled about 2020-2021."),
        type_hints=True,
    ),
    "community_health_centers.csv": FacilityFile(
        upstream="HRSA health center sites (FQHC)",
        categories=("health_care",),
        expected_rows=257,
        service_description=(
            "Health center site funded by HRSA (federally qualified health center), "
            "Massachusetts, compiled about 2020-2021. Services differ from site to site and "
            "the source lists none: confirm them before referring."),
        organization_description=(
            "Named in HRSA's list of health center sites (FQHC), "
            "Massachusetts extract compiled about 2020-2021."),
        site_hints=True,
    ),
}
STATEWIDE_FILE = "statewide_resources.csv"
STATEWIDE_ROWS = 11

# Data-quality flags: an HSDS taxonomy of our own, attached as attributes. `entity` is
# what the flag is attached to; `alert` is the phrase put in the service's alert. Only flags that occur are written (HSDS packages should
# hold no unused terms).
FLAGS: dict[str, dict[str, str]] = {
    "temporary-site": dict(
        entity="service", name="Temporary site",
        description="Listed as a temporary site (COVID-19 period); probably closed.",
        alert="a temporary site from the COVID-19 period, probably closed"),
    "mobile-unit": dict(
        entity="service", name="Mobile unit",
        description="A mobile unit: the address is where it is based, not always where it is.",
        alert="a mobile unit; the address is where it is based"),
    "serves-specific-group": dict(
        entity="service", name="May serve only a specific group",
        description="The name suggests the site serves only a specific group; the value says which.",
        alert="may serve only {value}"),
    "type-hint-differs": dict(
        entity="service", name="Listed type may be wrong",
        description=("Listed as an opioid treatment program, but the name suggests another kind "
                     "of facility; the value says which. The listed type is a hint, not a fact."),
        alert="listed as an opioid treatment program, but the name suggests a {value}"),
    "po-box-address": dict(
        entity="location", name="Post office box address",
        description="The address is a post office box, not a place to visit.",
        alert="the address is a post office box, not a place to visit"),
    "coordinates-disagree-with-zip": dict(
        entity="location", name="Coordinates far from the ZIP code",
        description=("The coordinates are far from the centre of the listed ZIP code; the value "
                     "gives the distance. The geocode or the address may be wrong."),
        alert="the map point is {value}; check the address"),
    "coordinates-outside-massachusetts": dict(
        entity="location", name="Coordinates outside Massachusetts",
        description="The coordinates fall outside the Massachusetts bounding box.",
        alert="the map point ({value}) is outside Massachusetts"),
    "no-coordinates": dict(
        entity="location", name="No coordinates",
        description="The source has no usable coordinates for this location.",
        alert="the source has no map point"),
}

# Name patterns behind the hint flags (case-insensitive). They only ever add a flag;
# they never change a record's need categories.
OTP_TYPE_HINTS = (
    (r"\bdetox|\bacute treatment services\b", "type-hint-differs",
     "withdrawal management program"),
    (r"\bhouses? of corrections?\b|\bsheriff|\bcorrections?\b|\bcorrectional\b|\bjail\b",
     "serves-specific-group", "people held at a correctional facility"),
)
HEALTH_CENTER_SITE_HINTS = (
    (r"^temporary site\b", "temporary-site", ""),
    (r"\bmobile\s+(?:health\s+)?(?:van|unit)\b", "mobile-unit", ""),
    (r"\b(?:school|sbhc|academy|elementary)\b", "serves-specific-group",
     "students (school-based health center)"),
    (r"\bpace\b|all-inclusive care for the elderly|\belder service plan\b",
     "serves-specific-group", "older adults enrolled in PACE (Elder Service Plan)"),
    (r"\bwic\b", "serves-specific-group",
     "WIC participants (nutrition program for families with young children)"),
    (r"\bshelter\b|\bsoup kitchen\b|\brescue mission\b", "serves-specific-group",
     "guests of a shelter or meal program"),
)
PO_BOX = re.compile(r"^\s*p\.?\s*o\.?\s*box\b", re.I)

# --------------------------------------------------------------------------------------
# HSDS 3.0 tables: column order as in the specification's CSV examples, with the types
# and constraints of its tabular schema. (name, type, format, required, unique[, enum])
# `DEVIATIONS` lists where this package cannot meet a constraint and says why.

UUID, STR, NUM, DATE, DATETIME = "uuid", "string", "number", "date", "datetime"


def _f(name, type_=STR, required=False, unique=False, fmt=None, enum=None):
    return dict(name=name, type=type_, format=fmt, required=required, unique=unique, enum=enum)


def _id():
    return _f("id", STR, True, True, "uuid")


def _ref(name, required=False):
    return _f(name, STR, required, False, "uuid")


TABLES: dict[str, dict] = {
    "organization": dict(path="organizations.csv", fields=[
        _id(), _f("name", required=True), _f("alternate_name"), _f("description", required=True),
        _f("email", fmt="email"), _f("website", fmt="uri"), _f("tax_status"), _f("tax_id"),
        _f("year_incorporated", NUM), _f("legal_status"), _f("logo"), _f("uri", fmt="uri"),
        _ref("parent_organization_id")],
        fks=[("parent_organization_id", "organization")]),
    "service": dict(path="services.csv", fields=[
        _id(), _ref("organization_id", True), _ref("program_id"), _f("name", required=True),
        _f("alternate_name"), _f("description"), _f("url", fmt="uri"), _f("email", fmt="email"),
        _f("status", required=True, enum=["active", "inactive", "defunct", "temporarily closed"]),
        _f("interpretation_services"), _f("application_process"), _f("fees_description"),
        _f("wait_time"), _f("fees"), _f("accreditations"), _f("eligibility_description"),
        _f("minimum_age", NUM), _f("maximum_age", NUM), _f("assured_date", DATE),
        _f("assurer_email", fmt="email"), _f("licenses"), _f("alert"),
        _f("last_modified", DATETIME)],
        fks=[("organization_id", "organization")]),
    "location": dict(path="locations.csv", fields=[
        _id(), _f("location_type", required=True, enum=["physical", "postal", "virtual"]),
        _f("url", fmt="uri"), _ref("organization_id"), _f("name"), _f("alternate_name"),
        _f("description"), _f("transportation"), _f("latitude", NUM), _f("longitude", NUM),
        _f("external_identifier"), _f("external_identifier_type")],
        fks=[("organization_id", "organization")]),
    "service_at_location": dict(path="service_at_location.csv", fields=[
        _id(), _ref("service_id", True), _ref("location_id", True), _f("description")],
        fks=[("service_id", "service"), ("location_id", "location")]),
    "address": dict(path="addresses.csv", fields=[
        _id(), _ref("location_id"), _f("attention"), _f("address_1", required=True),
        _f("address_2"), _f("city", required=True), _f("region"),
        _f("state_province", required=True), _f("postal_code", required=True),
        _f("country", required=True),
        _f("address_type", required=True, enum=["physical", "postal", "virtual"])],
        fks=[("location_id", "location")]),
    "phone": dict(path="phones.csv", fields=[
        _id(), _ref("location_id"), _ref("service_id"), _ref("organization_id"),
        _ref("contact_id"), _ref("service_at_location_id"), _f("number", required=True),
        _f("extension", NUM), _f("type"), _f("description")],
        # contact_id would point at contacts.csv, which this package does not have.
        fks=[("location_id", "location"), ("service_id", "service"),
             ("organization_id", "organization"), ("service_at_location_id", "service_at_location")]),
    "schedule": dict(path="schedules.csv", fields=[
        _id(), _ref("service_id"), _ref("location_id"), _ref("service_at_location_id"),
        _f("valid_from", DATE), _f("valid_to", DATE), _f("dtstart", DATE), _f("timezone", NUM),
        _f("until", DATE), _f("count", NUM),
        _f("wkst", enum=["MO", "TU", "WE", "TH", "FR", "SA", "SU"]),
        _f("freq", enum=["WEEKLY", "MONTHLY"]), _f("interval", NUM), _f("byday"),
        _f("byweekno"), _f("bymonthday"), _f("byyearday"), _f("description"),
        _f("opens_at", "time"), _f("closes_at", "time"), _f("schedule_link", fmt="uri"),
        _f("attending_type"), _f("notes")],
        fks=[("service_id", "service"), ("location_id", "location"),
             ("service_at_location_id", "service_at_location")]),
    "service_area": dict(path="service_areas.csv", fields=[
        _id(), _ref("service_id"), _f("name"), _f("description"), _f("extent"),
        _f("extent_type"), _f("uri")],
        fks=[("service_id", "service")]),
    "taxonomy": dict(path="taxonomies.csv", fields=[
        _id(), _f("name", required=True), _f("description", required=True),
        _f("uri", fmt="uri"), _f("version")],
        fks=[]),
    "taxonomy_term": dict(path="taxonomy_terms.csv", fields=[
        _id(), _f("code", unique=True), _f("name", required=True),
        _f("description", required=True), _ref("parent_id"), _f("taxonomy"), _f("language"),
        _ref("taxonomy_id"), _f("term_uri", fmt="uri")],
        fks=[("taxonomy_id", "taxonomy"), ("parent_id", "taxonomy_term")]),
    "attribute": dict(path="attributes.csv", fields=[
        _id(), _ref("link_id", True), _ref("taxonomy_term_id", True), _f("link_type"),
        _f("link_entity", required=True), _f("value")],
        # link_id points at the table named by link_entity (service or location); a
        # Frictionless foreign key cannot say that, so it is checked by the tests.
        fks=[("taxonomy_term_id", "taxonomy_term")]),
    "metadata": dict(path="metadata.csv", fields=[
        _id(), _ref("resource_id", True), _f("resource_type", required=True),
        _f("last_action_date", DATE, True), _f("last_action_type", required=True),
        _f("field_name", required=True), _f("previous_value", required=True),
        _f("replacement_value", required=True), _f("updated_by", required=True)],
        fks=[]),
}

# (table, field) -> why the HSDS "required" constraint is relaxed in this package.
DEVIATIONS = {
    ("metadata", "last_action_date"): (
        "HSDS 3.0 requires a date. Federal records carry the verified-on date 2021-01-01; "
        "statewide lines have none because they must be re-verified before launch."),
    ("metadata", "previous_value"): (
        "HSDS 3.0 requires a previous value. These rows record where a record came from "
        "(last_action_type 'create'), so there is no previous value."),
}
FIELD_NOTES = {
    ("service", "assured_date"): (
        "Verified-on date: 2021-01-01 for records from the federal files (compiled about "
        "2020-2021); empty for statewide lines, which must be re-verified before launch."),
    ("service", "alert"): "Data-quality warnings for staff, from the directory-data-flags attributes.",
    ("location", "latitude"): "As geocoded in the source compilation, copied unchanged.",
    ("location", "longitude"): "As geocoded in the source compilation, copied unchanged.",
    ("metadata", "field_name"): (
        "source_file, source_row (1-based, header not counted), upstream_directory, and for "
        "statewide lines verification_status."),
}


# --------------------------------------------------------------------------------------

def tidy(value: str | None) -> str:
    """Trim and collapse runs of white space; nothing else about a value is changed."""
    return re.sub(r"\s+", " ", value or "").strip()


def make_id(*parts: str) -> str:
    return str(uuid.uuid5(NAMESPACE, "\x1f".join(parts)))


def split_phone(raw: str) -> tuple[str, str]:
    """'978-264-3500 x12' -> ('978-264-3500', '12'); anything else is kept whole."""
    match = re.fullmatch(r"\s*([0-9][0-9-]*[0-9]|[0-9]+)\s*(?:x\s*([0-9]+))?\s*", raw or "")
    if not match:
        return tidy(raw), ""
    return match.group(1), match.group(2) or ""


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p = math.radians
    a = (math.sin(p(lat2 - lat1) / 2) ** 2
         + math.cos(p(lat1)) * math.cos(p(lat2)) * math.sin(p(lon2 - lon1) / 2) ** 2)
    return 2 * 6371.0 * math.asin(math.sqrt(a))


def town_zip(city: str, latitude: str, longitude: str) -> str:
    """A ZIP for a site whose source row has none: the town's only ZIP, else the town's ZIP
    nearest to the site. HSDS 3.0 requires a postal code; the metadata records that it was
    derived, and from what."""
    candidates = [z for z in zipcodes.filter_by(state="MA")
                  if z["city"].casefold() == (city or "").strip().casefold()
                  and z["zip_code_type"] == "STANDARD" and z["active"]]
    if len(candidates) == 1:
        return candidates[0]["zip_code"]
    try:
        lat, lon = float(latitude), float(longitude)
    except ValueError:
        return ""
    if not candidates:
        # Towns the ZIP data lists only as alternate names (Bourne, North Quincy):
        # the project's own resolver knows them.
        place = resolve_location(city or "").place
        return place.zip_code or "" if place else ""
    return min(candidates, key=lambda z: distance_km(lat, lon, float(z["lat"]), float(z["long"])))["zip_code"]


def zip_centre(postal_code: str) -> tuple[float, float] | None:
    zip5 = postal_code[:5]
    if not re.fullmatch(r"\d{5}", zip5):
        return None
    found = zipcodes.matching(zip5)
    if not found:
        return None
    return float(found[0]["lat"]), float(found[0]["long"])


@dataclass
class SourceRow:
    file: str
    number: int             # 1-based data row number (header not counted)
    values: dict[str, str]  # as read, before tidying
    key: str                # identifies the row: file + content (+ repeat count)

    def get(self, column: str) -> str:
        return tidy(self.values.get(column))


def read_source(path: Path) -> list[SourceRow]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows, seen = [], Counter()
        for number, raw in enumerate(reader, start=1):
            if not any(cell.strip() for cell in raw):
                continue
            content = json.dumps(raw, ensure_ascii=False)
            seen[content] += 1
            key = f"{path.name}\x1f{content}"
            if seen[content] > 1:          # an exact repeat of an earlier row
                key += f"\x1frepeat {seen[content]}"
            rows.append(SourceRow(path.name, number, dict(zip(header, raw)), key))
    return rows


@dataclass
class Package:
    tables: dict[str, list[dict]] = field(default_factory=lambda: defaultdict(list))
    used_terms: set[tuple[str, str]] = field(default_factory=set)
    warnings: list[str] = field(default_factory=list)

    def add(self, table: str, **values) -> dict:
        columns = [f["name"] for f in TABLES[table]["fields"]]
        unknown = set(values) - set(columns)
        if unknown:
            raise ValueError(f"{table}: unknown columns {sorted(unknown)}")
        row = {c: values.get(c, "") for c in columns}
        self.tables[table].append(row)
        return row


class Converter:
    def __init__(self, categories: dict):
        self.categories = categories
        self.pkg = Package()

    # ---- shared pieces -----------------------------------------------------------

    def term_id(self, taxonomy: str, code: str) -> str:
        return make_id("taxonomy_term", taxonomy, code)

    def attach(self, entity: str, link_id: str, taxonomy: str, code: str, value: str = "") -> None:
        self.pkg.used_terms.add((taxonomy, code))
        self.pkg.add("attribute", id=make_id("attribute", entity, link_id, taxonomy, code, value),
                     link_id=link_id, taxonomy_term_id=self.term_id(taxonomy, code),
                     link_type="", link_entity=entity, value=value)

    def provenance(self, service_id: str, row: SourceRow, upstream: str, date: str,
                   extra: dict[str, str] | None = None) -> None:
        fields = {"source_file": row.file, "source_row": str(row.number),
                  "upstream_directory": upstream, **(extra or {})}
        for name, value in fields.items():
            self.pkg.add("metadata", id=make_id("metadata", service_id, name),
                         resource_id=service_id, resource_type="service",
                         last_action_date=date, last_action_type="create", field_name=name,
                         previous_value="", replacement_value=value, updated_by=UPDATED_BY)

    # ---- federal facility rows -----------------------------------------------------

    def facility(self, row: SourceRow, spec: FacilityFile) -> None:
        published_name = row.get("name")
        published_full_name = " ".join(part for part in (published_name, row.get("name2")) if part)
        # People read these names in their referrals: "<x> abuse" is shown as "<x> use". The
        # published name stays in the source row the provenance points to.
        org_name = person_first_rewording(published_name, "en")
        full_name = person_first_rewording(published_full_name, "en")
        org_id = make_id(row.key, "organization")
        service_id = make_id(row.key, "service")
        location_id = make_id(row.key, "location")
        sal_id = make_id(row.key, "service_at_location")
        website = row.get("website")
        if not re.fullmatch(r"https?://[^/\s]+\.[^/\s]+(?:/\S*)?", website):
            website = ""        # 23 mental health rows have a bare "http://": no website

        service_flags: list[tuple[str, str]] = []
        location_flags: list[tuple[str, str]] = []
        if spec.type_hints:
            service_flags += self.name_hints(published_full_name, OTP_TYPE_HINTS)
        if spec.site_hints:
            service_flags += self.name_hints(published_full_name, HEALTH_CENTER_SITE_HINTS)

        street = row.get("street1")
        po_box = bool(PO_BOX.match(street))
        if po_box:
            location_flags.append(("po-box-address", ""))
        latitude, longitude = row.get("latitude"), row.get("longitude")
        location_flags += self.coordinate_flags(row, latitude, longitude)
        postal_code, derived = row.get("zip"), {}
        if not postal_code:
            postal_code = town_zip(row.get("city"), latitude, longitude)
            if postal_code:
                derived = {"postal_code_derived": f"{postal_code}: not in the source; the ZIP of "
                                                  f"{row.get('city')} nearest to the site (zipcodes package)"}

        self.pkg.add("organization", id=org_id, name=org_name,
                     description=spec.organization_description, website=website)
        self.pkg.add("service", id=service_id, organization_id=org_id, name=full_name,
                     description=spec.service_description, url=website, status="active",
                     assured_date=VERIFIED_ON, alert=self.alert(service_flags + location_flags))
        self.pkg.add("location", id=location_id,
                     location_type="postal" if po_box else "physical",
                     organization_id=org_id, name=full_name,
                     latitude=latitude, longitude=longitude)
        self.pkg.add("address", id=make_id(row.key, "address"), location_id=location_id,
                     address_1=street, address_2=row.get("street2"), city=row.get("city"),
                     region=row.get("county"), state_province=row.get("state"),
                     postal_code=postal_code, country="US",
                     address_type="postal" if po_box else "physical")
        self.pkg.add("service_at_location", id=sal_id, service_id=service_id,
                     location_id=location_id)
        for column, description in (("phone", "Main number as listed in the source."),
                                     ("intake_phone", "Intake number as listed in the source.")):
            if row.get(column):
                number, extension = split_phone(row.get(column))
                self.pkg.add("phone", id=make_id(row.key, "phone", column),
                             location_id=location_id, service_id=service_id, number=number,
                             extension=extension, type="voice", description=description)
        for code in spec.categories:
            self.attach("service", service_id, NEEDS_TAXONOMY, code)
        for code, value in service_flags:
            self.attach("service", service_id, FLAGS_TAXONOMY, code, value)
        for code, value in location_flags:
            self.attach("location", location_id, FLAGS_TAXONOMY, code, value)
        if full_name != published_full_name:
            derived = {**derived, "name_reworded": NAME_REWORDED}
        self.provenance(service_id, row, f"{spec.upstream}; {COMPILATION}", VERIFIED_ON, derived)

    @staticmethod
    def name_hints(name: str, rules) -> list[tuple[str, str]]:
        found = []
        for pattern, code, value in rules:
            if re.search(pattern, name, re.I) and (code, value) not in found:
                found.append((code, value))
        return found

    def coordinate_flags(self, row: SourceRow, latitude: str, longitude: str) -> list[tuple[str, str]]:
        try:
            lat, lon = float(latitude), float(longitude)
        except ValueError:
            self.pkg.warnings.append(f"{row.file} row {row.number}: no usable coordinates")
            return [("no-coordinates", "")]
        flags = []
        if not (MA_LAT[0] <= lat <= MA_LAT[1] and MA_LON[0] <= lon <= MA_LON[1]):
            self.pkg.warnings.append(
                f"{row.file} row {row.number}: coordinates {lat}, {lon} outside Massachusetts (kept, flagged)")
            flags.append(("coordinates-outside-massachusetts", f"{latitude}, {longitude}"))
        centre = zip_centre(row.get("zip"))
        if centre:
            km = distance_km(lat, lon, *centre)
            if km > ZIP_DISTANCE_KM:
                self.pkg.warnings.append(
                    f"{row.file} row {row.number}: coordinates {km:.0f} km from ZIP {row.get('zip')[:5]}")
                flags.append(("coordinates-disagree-with-zip",
                              f"about {km:.0f} km from the centre of ZIP {row.get('zip')[:5]}"))
        return flags

    @staticmethod
    def alert(flags: list[tuple[str, str]]) -> str:
        notes = []
        for code, value in flags:
            text = FLAGS[code]["alert"].format(value=value)
            if text not in notes:
                notes.append(text)
        return ("Check before referring: " + "; ".join(notes) + ".") if notes else ""

    # ---- statewide lines -------------------------------------------------------------

    def statewide(self, row: SourceRow) -> None:
        name = row.get("name")
        org_id = make_id(row.key, "organization")
        service_id = make_id(row.key, "service")
        status = row.get("status")
        self.pkg.add("organization", id=org_id, name=name, description=(
            "Statewide line listed in the project's statewide_resources.csv; the organization "
            "that runs it is not recorded there."))
        self.pkg.add("service", id=service_id, organization_id=org_id, name=name,
                     description=row.get("notes"), url=row.get("website"), status="active",
                     assured_date="", alert=(
                         f"Re-verify the phone number and details before launch "
                         f"(source status: {status})."))
        self.pkg.add("service_area", id=make_id(row.key, "service_area"), service_id=service_id,
                     name="Massachusetts", description="Statewide: available across Massachusetts.")
        if row.get("hours"):
            self.pkg.add("schedule", id=make_id(row.key, "schedule"), service_id=service_id,
                         description=row.get("hours"))
        for column, kind, description in (
                ("phone", "voice", "Phone number as listed in the source."),
                ("text", "text", "Text message (SMS) number as listed in the source.")):
            if row.get(column):
                number, extension = split_phone(row.get(column))
                self.pkg.add("phone", id=make_id(row.key, "phone", column), service_id=service_id,
                             number=number, extension=extension, type=kind, description=description)
        for code in (n.strip() for n in row.get("need").split(";") if n.strip()):
            if code not in self.categories["categories"] and code not in self.categories["extra_terms"]:
                raise SystemExit(f"{row.file} row {row.number}: unknown need {code!r}")
            self.attach("service", service_id, NEEDS_TAXONOMY, code)
        self.provenance(service_id, row, row.get("source") or "no source page listed", "",
                        {"verification_status": status})

    # ---- taxonomies ----------------------------------------------------------------------

    def taxonomies(self) -> None:
        meta = self.categories["taxonomy"]
        self.pkg.add("taxonomy", id=make_id("taxonomy", NEEDS_TAXONOMY), name=NEEDS_TAXONOMY,
                     description=tidy(meta["description"]), version=str(meta["version"]))
        self.pkg.add("taxonomy", id=make_id("taxonomy", FLAGS_TAXONOMY), name=FLAGS_TAXONOMY,
                     description=("Data-quality warnings found while converting the source "
                                  "files; each names a reason to check a record before "
                                  "referring anyone to it."), version="1")
        terms = {**self.categories["categories"], **self.categories["extra_terms"]}
        for taxonomy, code in list(self.pkg.used_terms):   # a used term's parents are used too
            while taxonomy == NEEDS_TAXONOMY and terms[code].get("parent"):
                code = terms[code]["parent"]
                self.pkg.used_terms.add((taxonomy, code))
        for taxonomy, code in sorted(self.pkg.used_terms):
            if taxonomy == NEEDS_TAXONOMY:
                term = terms[code]
                parent = term.get("parent")
                self.pkg.add("taxonomy_term", id=self.term_id(taxonomy, code), code=code,
                             name=tidy(term["label"]), description=tidy(term["description"]),
                             parent_id=self.term_id(taxonomy, parent) if parent else "",
                             taxonomy=taxonomy, language="en",
                             taxonomy_id=make_id("taxonomy", taxonomy))
            else:
                flag = FLAGS[code]
                self.pkg.add("taxonomy_term", id=self.term_id(taxonomy, code), code=code,
                             name=flag["name"], description=flag["description"],
                             taxonomy=taxonomy, language="en",
                             taxonomy_id=make_id("taxonomy", taxonomy))


# --------------------------------------------------------------------------------------

def write_csv(path: Path, table: str, rows: list[dict]) -> None:
    columns = [f["name"] for f in TABLES[table]["fields"]]
    ids = [r["id"] for r in rows]
    if len(ids) != len(set(ids)):
        raise SystemExit(f"{table}: duplicate ids")
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        for row in sorted(rows, key=lambda r: r["id"]):
            writer.writerow([row[c] for c in columns])


def schema_for(table: str) -> dict:
    fields = []
    for spec in TABLES[table]["fields"]:
        out = {"name": spec["name"], "type": spec["type"]}
        if spec["format"]:
            out["format"] = spec["format"]
        constraints = {"required": spec["required"], "unique": spec["unique"]}
        if spec["enum"]:
            constraints["enum"] = spec["enum"]
        note = FIELD_NOTES.get((table, spec["name"]))
        if (table, spec["name"]) in DEVIATIONS:
            constraints["required"] = False
            note = DEVIATIONS[(table, spec["name"])]
        if note:
            out["description"] = note
        out["constraints"] = constraints
        fields.append(out)
    schema = {"fields": fields, "primaryKey": "id", "missingValues": [""]}
    fks = [{"fields": column, "reference": {"resource": resource, "fields": "id"}}
           for column, resource in TABLES[table]["fks"]]
    if fks:
        schema["foreignKeys"] = fks
    return schema


def write_datapackage(out: Path, tables: list[str]) -> None:
    resources = []
    for table in tables:
        path = out / TABLES[table]["path"]
        data = path.read_bytes()
        resources.append({
            "name": table,
            "path": TABLES[table]["path"],
            "profile": "tabular-data-resource",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "bytes": len(data),
            "hash": "sha256:" + hashlib.sha256(data).hexdigest(),
            "schema": schema_for(table),
        })
    package = {
        "profile": "tabular-data-package",
        "name": "ma-services-hsds",
        "title": "Massachusetts services for the needs-screening assistant (HSDS 3.0)",
        "description": (
            "Open Referral HSDS 3.0 tables made by scripts/convert_ma_services.py from U.S. "
            "federal public-domain directories of Massachusetts services (SAMHSA treatment "
            "locator, opioid treatment program list, HRSA health center sites) as compiled "
            "about 2020-2021, plus the project's statewide lines. Need categories are "
            "attributes in the taxonomy 'needs-screening-categories'. See README.md for "
            "field sources and known limits."),
        "sources": [
            {"title": "SAMHSA treatment locator (substance use and mental health facilities)"},
            {"title": "Opioid treatment program list (federal)"},
            {"title": "HRSA health center sites (FQHC)"},
            {"title": "GeoDaCenter/opioid-policy-scan, data_final/Health Resources/ (commit 89c169da)",
             "path": "https://github.com/GeoDaCenter/opioid-policy-scan"},
            {"title": "Project statewide lines (sources/ma-services/statewide_resources.csv)"},
        ],
        "resources": resources,
    }
    text = json.dumps(package, indent=2, ensure_ascii=False) + "\n"
    (out / "datapackage.json").write_text(text, encoding="utf-8", newline="\n")


def convert(source: Path, out: Path) -> Package:
    categories = yaml.safe_load(CATEGORIES_YAML.read_text(encoding="utf-8"))
    converter = Converter(categories)
    for name, spec in FACILITY_FILES.items():
        rows = read_source(source / name)
        if len(rows) != spec.expected_rows:
            converter.pkg.warnings.append(
                f"{name}: {len(rows)} rows, SOURCES.md says {spec.expected_rows}")
        for row in rows:
            converter.facility(row, spec)
    statewide = read_source(source / STATEWIDE_FILE)
    if len(statewide) != STATEWIDE_ROWS:
        converter.pkg.warnings.append(f"{STATEWIDE_FILE}: {len(statewide)} rows, expected {STATEWIDE_ROWS}")
    for row in statewide:
        converter.statewide(row)
    converter.taxonomies()

    out.mkdir(parents=True, exist_ok=True)
    written = [t for t in TABLES if converter.pkg.tables.get(t)]
    for table in written:
        write_csv(out / TABLES[table]["path"], table, converter.pkg.tables[table])
    write_datapackage(out, written)
    expected = {TABLES[t]["path"] for t in written} | {"datapackage.json", "README.md"}
    for stray in sorted(p.name for p in out.iterdir() if p.is_file() and p.name not in expected):
        converter.pkg.warnings.append(f"{out / stray} is not part of the package (left alone)")
    return converter.pkg


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE,
                        help=f"directory with SOURCES.md and the CSV files (default: {DEFAULT_SOURCE})")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help=f"where to write the package (default: {DEFAULT_OUT})")
    args = parser.parse_args(argv)
    if not (args.source / STATEWIDE_FILE).is_file():
        parser.error(f"no source files in {args.source} (pass --source)")
    package = convert(args.source, args.out)
    for warning in package.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    counts = ", ".join(f"{TABLES[t]['path']} {len(rows)}" for t, rows in package.tables.items())
    print(f"wrote {args.out}: {counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
