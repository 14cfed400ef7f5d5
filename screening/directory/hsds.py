"""The Open Referral HSDS 3.0 CSV files this project imports, as the importer checks them.

Written for this project from the HSDS 3.0 reference (the tabular data package
descriptor and the per-object JSON schemas of openreferral/specification, tag
v3.0). For each supported file: every HSDS 3.0 field, its type, whether HSDS
requires it, its allowed values, and the record it refers to.

Types are the Table Schema types HSDS uses: string, number, integer, date,
datetime, time. HSDS gives ids the format "uuid"; the importer accepts any
non-empty id (many directories use their own ids) and does not check "email"
or "uri" formats either: the referral matcher never depends on them.

References (`Link`):

- `strict=True`: when the field has a value, a record with that id must be in
  the same package, or the package is refused.
- `strict=False`: an unresolved value is kept as given and reported as a
  warning. Used for references that are context rather than structure, see
  the importer's docstring for each one.
- `entity_field`: the target table is named by another field of the same row
  (attribute.link_id, whose table is named by attribute.link_entity).

Files HSDS 3.0 defines but this project does not import (contacts, programs,
taxonomies, cost_options, funding, accessibility, required_documents,
organization_identifiers, metadata, meta_table_descriptions) are listed in
`NOT_IMPORTED`: the importer reports them as not imported and does not read
them, so the fields that point into them (service.program_id, phone.contact_id)
are neither checked nor stored.
"""
from __future__ import annotations

from dataclasses import dataclass

STRING, NUMBER, INTEGER, DATE, DATETIME, TIME = "string", "number", "integer", "date", "datetime", "time"
TYPES = (STRING, NUMBER, INTEGER, DATE, DATETIME, TIME)


@dataclass(frozen=True)
class Link:
    target: str | None = None          # an HSDS resource name, e.g. "service"
    strict: bool = True
    entity_field: str | None = None    # the row's field naming the target (attribute.link_entity)


@dataclass(frozen=True)
class Field:
    name: str
    type: str = STRING
    required: bool = False
    enum: tuple[str, ...] = ()
    link: Link | None = None

    def __post_init__(self) -> None:
        if self.type not in TYPES:
            raise ValueError(f"{self.name}: unknown type {self.type!r}")


@dataclass(frozen=True)
class TableDef:
    resource: str                      # the HSDS resource (object) name: "service"
    path: str                          # the file name HSDS gives it: "services.csv"
    fields: tuple[Field, ...]
    core: bool = False                 # one of HSDS's core tables: the file must be there

    def field(self, name: str) -> Field:
        for item in self.fields:
            if item.name == name:
                return item
        raise KeyError(name)

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(item.name for item in self.fields)


def _id() -> Field:
    return Field("id", required=True)


def _ref(name: str, target: str, *, required: bool = False, strict: bool = True) -> Field:
    return Field(name, required=required, link=Link(target, strict=strict))


PLACE_TYPES = ("physical", "postal", "virtual")

ORGANIZATION = TableDef("organization", "organizations.csv", core=True, fields=(
    _id(),
    Field("name", required=True),
    Field("alternate_name"),
    Field("description", required=True),
    Field("email"),
    Field("website"),
    Field("tax_status"),
    Field("tax_id"),
    Field("year_incorporated", NUMBER),
    Field("legal_status"),
    Field("logo"),
    Field("uri"),
    _ref("parent_organization_id", "organization", strict=False),
))

LOCATION = TableDef("location", "locations.csv", core=True, fields=(
    _id(),
    Field("location_type", required=True, enum=PLACE_TYPES),
    Field("url"),
    _ref("organization_id", "organization", strict=False),
    Field("name"),
    Field("alternate_name"),
    Field("description"),
    Field("transportation"),
    Field("latitude", NUMBER),
    Field("longitude", NUMBER),
    Field("external_identifier"),
    Field("external_identifier_type"),
))

SERVICE = TableDef("service", "services.csv", core=True, fields=(
    _id(),
    _ref("organization_id", "organization", required=True),
    Field("program_id"),                      # programs.csv is not imported
    Field("name", required=True),
    Field("alternate_name"),
    Field("description"),
    Field("url"),
    Field("email"),
    Field("status", required=True, enum=("active", "inactive", "defunct", "temporarily closed")),
    Field("interpretation_services"),
    Field("application_process"),
    Field("fees_description"),
    Field("wait_time"),
    Field("fees"),
    Field("accreditations"),
    Field("eligibility_description"),
    Field("minimum_age", NUMBER),
    Field("maximum_age", NUMBER),
    Field("assured_date", DATE),
    Field("assurer_email"),
    Field("licenses"),
    Field("alert"),
    Field("last_modified", DATETIME),
))

SERVICE_AT_LOCATION = TableDef("service_at_location", "service_at_location.csv", fields=(
    _id(),
    _ref("service_id", "service", required=True),
    _ref("location_id", "location", required=True),
    Field("description"),
))

ADDRESS = TableDef("address", "addresses.csv", fields=(
    _id(),
    _ref("location_id", "location"),
    Field("attention"),
    Field("address_1", required=True),
    Field("address_2"),
    Field("city", required=True),
    Field("region"),
    Field("state_province", required=True),
    Field("postal_code", required=True),
    Field("country", required=True),
    Field("address_type", required=True, enum=PLACE_TYPES),
))

PHONE = TableDef("phone", "phones.csv", fields=(
    _id(),
    _ref("location_id", "location"),
    _ref("service_id", "service"),
    _ref("organization_id", "organization"),
    Field("contact_id"),                      # contacts.csv is not imported
    _ref("service_at_location_id", "service_at_location"),
    Field("number", required=True),
    Field("extension", NUMBER),
    Field("type"),
    Field("description"),
))

LANGUAGE = TableDef("language", "languages.csv", fields=(
    _id(),
    _ref("service_id", "service"),
    _ref("location_id", "location"),
    _ref("phone_id", "phone"),
    Field("name"),
    Field("code"),
    Field("note"),
))

SCHEDULE = TableDef("schedule", "schedules.csv", fields=(
    _id(),
    _ref("service_id", "service"),
    _ref("location_id", "location"),
    _ref("service_at_location_id", "service_at_location"),
    Field("valid_from", DATE),
    Field("valid_to", DATE),
    Field("dtstart", DATE),
    Field("timezone", NUMBER),
    Field("until", DATE),
    Field("count", NUMBER),
    Field("wkst", enum=("MO", "TU", "WE", "TH", "FR", "SA", "SU")),
    Field("freq", enum=("WEEKLY", "MONTHLY")),
    Field("interval", NUMBER),
    Field("byday"),
    Field("byweekno"),
    Field("bymonthday"),
    Field("byyearday"),
    Field("description"),
    Field("opens_at", TIME),
    Field("closes_at", TIME),
    Field("schedule_link"),
    Field("attending_type"),
    Field("notes"),
))

TAXONOMY_TERM = TableDef("taxonomy_term", "taxonomy_terms.csv", fields=(
    _id(),
    Field("code"),
    Field("name", required=True),
    Field("description", required=True),
    _ref("parent_id", "taxonomy_term", strict=False),
    Field("taxonomy"),
    Field("language"),
    Field("taxonomy_id"),                     # taxonomies.csv is not imported
    Field("term_uri"),
))

ATTRIBUTE = TableDef("attribute", "attributes.csv", fields=(
    _id(),
    Field("link_id", required=True, link=Link(entity_field="link_entity")),
    _ref("taxonomy_term_id", "taxonomy_term", required=True),
    Field("link_type"),
    Field("link_entity", required=True),
    Field("value"),
))

SERVICE_AREA = TableDef("service_area", "service_areas.csv", fields=(
    _id(),
    _ref("service_id", "service"),
    Field("name"),
    Field("description"),
    Field("extent"),
    Field("extent_type"),
    Field("uri"),
))

# In the order they are checked and written: parents before children.
SUPPORTED: tuple[TableDef, ...] = (
    ORGANIZATION, LOCATION, SERVICE, SERVICE_AT_LOCATION, ADDRESS, PHONE, LANGUAGE, SCHEDULE,
    TAXONOMY_TERM, ATTRIBUTE, SERVICE_AREA,
)
BY_RESOURCE: dict[str, TableDef] = {table.resource: table for table in SUPPORTED}

# HSDS 3.0 resources this project does not import: resource name -> file name.
NOT_IMPORTED: dict[str, str] = {
    "accessibility": "accessibility.csv",
    "contact": "contacts.csv",
    "cost_option": "cost_options.csv",
    "funding": "funding.csv",
    "meta_table_description": "meta_table_descriptions.csv",
    "metadata": "metadata.csv",
    "organization_identifier": "organization_identifiers.csv",
    "program": "programs.csv",
    "required_document": "required_documents.csv",
    "taxonomy": "taxonomies.csv",
}

# The `name` of the specification's own descriptor: a package whose
# datapackage.json is that descriptor has not named itself.
SPECIFICATION_PACKAGE_NAME = "human_services_data"


def resource_for_entity(entity: str) -> TableDef | None:
    """The table an attribute's link_entity names ("service", "services", "services.csv")."""
    key = entity.strip().lower()
    for table in SUPPORTED:
        if key in (table.resource, table.path, table.path[:-4]):
            return table
    return None
