"""The service directory tables: an Open Referral HSDS 3.0 directory, as imported.

They live on the project's one `metadata` (screening.records.models), so the
Alembic migrations and the schema test see them; importing this module (or
`screening.directory`) registers them.

Rules every table follows:

- The HSDS id is the primary key, kept as the string the package gave.
- `import_id` is the import that last wrote the row; its `directory_imports`
  row says which package it came from.
- `withdrawn_at` is set when a later import of the same package no longer has
  the row. Rows are never deleted by an import: a referral already given may
  name them. The referral matcher reads only rows whose `withdrawn_at` is NULL.
- Links the importer requires to resolve inside the package are database
  foreign keys. Links it only warns about (a location's maintaining
  organization, a parent organization, a taxonomy term's parent and taxonomy,
  an attribute's `link_id`) are kept as plain strings without a foreign key.
  See `screening.directory.importer` for why.
- Free text is `Text` (no length to exceed). Bounded `String(n)` columns are
  checked against `n` before anything is written.

Only the HSDS fields the referral matcher and the person reading a referral
need are kept; `hsds.py` lists every field the importer checks.
"""
from __future__ import annotations

from sqlalchemy import (
    JSON, Boolean, Column, Date, DateTime, Float, ForeignKey, Integer, String, Table, Text, Time,
)

from screening.records.models import metadata

ID_LENGTH = 128        # HSDS ids are UUIDs (36); longer ids from other systems still fit


def _id() -> Column:
    return Column("id", String(ID_LENGTH), primary_key=True)


def _link(name: str, target: str | None, *, nullable: bool = True, fk_name: str | None = None) -> Column:
    """A column holding another record's HSDS id; a foreign key when `target` is given.

    `fk_name` is given where the naming convention's name would pass PostgreSQL's
    63-character limit (SQLAlchemy would then shorten it differently per database).
    """
    if target is None:
        return Column(name, String(ID_LENGTH), nullable=nullable, index=True)
    return Column(name, String(ID_LENGTH), ForeignKey(f"{target}.id", name=fk_name),
                  nullable=nullable, index=True)


def _bookkeeping() -> list[Column]:
    return [
        Column("import_id", Integer, ForeignKey("directory_imports.id"), nullable=False, index=True),
        Column("withdrawn_at", DateTime, nullable=True),
    ]


directory_imports = Table(
    "directory_imports", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("package_name", String(128), nullable=False, index=True),
    Column("source_path", Text, nullable=False),
    Column("descriptor", Text, nullable=False),          # which table definitions were used, and why
    Column("started_at", DateTime, nullable=False),
    Column("finished_at", DateTime, nullable=True),
    Column("counts", JSON, nullable=False),              # {"services.csv": {"rows": .., "inserted": .., ...}}
    Column("warnings", JSON, nullable=False),            # ["FILE:ROW: FIELD: message", ...] (capped)
    Column("warning_count", Integer, nullable=False),    # every warning, including those not listed
)

directory_organizations = Table(
    "directory_organizations", metadata,
    _id(),
    Column("name", Text, nullable=False),
    Column("alternate_name", Text),
    Column("description", Text, nullable=False),
    Column("email", Text),
    Column("website", Text),
    _link("parent_organization_id", None),               # not checked: may be outside the package
    *_bookkeeping(),
)

directory_locations = Table(
    "directory_locations", metadata,
    _id(),
    Column("location_type", String(16), nullable=False),  # physical, postal, virtual
    _link("organization_id", None),                       # the organization maintaining this record
    Column("name", Text),
    Column("alternate_name", Text),
    Column("description", Text),
    Column("transportation", Text),
    Column("url", Text),
    Column("latitude", Float),                            # as given, even when unusable
    Column("longitude", Float),
    # False when either coordinate is missing, out of range or both are 0:
    # such a location is never used to measure distance.
    Column("coordinates_usable", Boolean, nullable=False),
    *_bookkeeping(),
)

directory_services = Table(
    "directory_services", metadata,
    _id(),
    _link("organization_id", "directory_organizations", nullable=False),
    Column("name", Text, nullable=False),
    Column("alternate_name", Text),
    Column("description", Text),
    Column("url", Text),
    Column("email", Text),
    Column("status", String(32), nullable=False),         # active, inactive, defunct, temporarily closed
    Column("interpretation_services", Text),
    Column("application_process", Text),
    Column("wait_time", Text),
    Column("fees_description", Text),
    Column("eligibility_description", Text),
    Column("minimum_age", Float),
    Column("maximum_age", Float),
    Column("alert", Text),
    Column("assured_date", Date),
    Column("last_modified", DateTime),                    # UTC when the package gave an offset
    *_bookkeeping(),
)

directory_service_at_location = Table(
    "directory_service_at_location", metadata,
    _id(),
    _link("service_id", "directory_services", nullable=False),
    _link("location_id", "directory_locations", nullable=False,
          fk_name="fk_directory_service_at_location_location_id"),
    Column("description", Text),
    *_bookkeeping(),
)

directory_addresses = Table(
    "directory_addresses", metadata,
    _id(),
    _link("location_id", "directory_locations"),
    Column("attention", Text),
    Column("address_1", Text, nullable=False),
    Column("address_2", Text),
    Column("city", String(128), nullable=False),
    Column("region", Text),
    Column("state_province", String(64), nullable=False),
    Column("postal_code", String(32), nullable=False),
    Column("country", String(64), nullable=False),
    Column("address_type", String(16), nullable=False),   # physical, postal, virtual
    *_bookkeeping(),
)

directory_phones = Table(
    "directory_phones", metadata,
    _id(),
    _link("location_id", "directory_locations"),
    _link("service_id", "directory_services"),
    _link("organization_id", "directory_organizations"),
    _link("service_at_location_id", "directory_service_at_location",
          fk_name="fk_directory_phones_service_at_location_id"),
    Column("number", Text, nullable=False),
    Column("extension", String(32)),                      # the digits as written
    Column("type", String(64)),
    Column("description", Text),
    *_bookkeeping(),
)

directory_languages = Table(
    "directory_languages", metadata,
    _id(),
    _link("service_id", "directory_services"),
    _link("location_id", "directory_locations"),
    _link("phone_id", "directory_phones"),
    Column("name", Text),
    Column("code", String(32)),
    Column("note", Text),
    *_bookkeeping(),
)

directory_schedules = Table(
    "directory_schedules", metadata,
    _id(),
    _link("service_id", "directory_services"),
    _link("location_id", "directory_locations"),
    _link("service_at_location_id", "directory_service_at_location",
          fk_name="fk_directory_schedules_service_at_location_id"),
    Column("valid_from", Date),
    Column("valid_to", Date),
    Column("dtstart", Date),
    Column("timezone", Float),
    Column("until", Date),
    Column("count", Float),
    Column("wkst", String(2)),
    Column("freq", String(16)),
    Column("interval", Float),
    Column("byday", Text),
    Column("byweekno", Text),
    Column("bymonthday", Text),
    Column("byyearday", Text),
    Column("description", Text),
    Column("opens_at", Time),
    Column("closes_at", Time),
    Column("schedule_link", Text),
    Column("attending_type", Text),
    Column("notes", Text),
    *_bookkeeping(),
)

directory_taxonomy_terms = Table(
    "directory_taxonomy_terms", metadata,
    _id(),
    Column("code", String(255), index=True),
    Column("name", Text, nullable=False),
    Column("description", Text, nullable=False),
    _link("parent_id", None),
    Column("taxonomy", Text),
    Column("language", String(32)),
    _link("taxonomy_id", None),                           # taxonomies.csv is not imported
    Column("term_uri", Text),
    *_bookkeeping(),
)

directory_attributes = Table(
    "directory_attributes", metadata,
    _id(),
    _link("link_id", None, nullable=False),               # the record named by link_entity
    Column("link_type", Text),
    Column("link_entity", String(64), nullable=False),
    _link("taxonomy_term_id", "directory_taxonomy_terms", nullable=False,
          fk_name="fk_directory_attributes_taxonomy_term_id"),
    Column("value", Text),
    *_bookkeeping(),
)

directory_service_areas = Table(
    "directory_service_areas", metadata,
    _id(),
    _link("service_id", "directory_services"),
    Column("name", Text),
    Column("description", Text),
    Column("extent", Text),
    Column("extent_type", String(64)),
    Column("uri", Text),
    *_bookkeeping(),
)

# Parents before children: the order rows are written in.
DIRECTORY_TABLES: tuple[Table, ...] = (
    directory_organizations,
    directory_locations,
    directory_services,
    directory_service_at_location,
    directory_addresses,
    directory_phones,
    directory_languages,
    directory_schedules,
    directory_taxonomy_terms,
    directory_attributes,
    directory_service_areas,
)
