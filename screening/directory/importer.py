"""Import an Open Referral HSDS 3.0 tabular data package into the directory tables.

    report = import_package(engine, "path/to/package", progress=print_progress)

A package is a folder with `datapackage.json` and one CSV file per HSDS table.
The import runs in two steps:

1. Check everything, writing nothing: the descriptor, which files are there,
   each file's header, every value's type, required fields, allowed values,
   duplicate ids, references between files, coordinates. Every problem is
   collected as `ImportProblem(file, row, field, message)`; if there is even one,
   `PackageRefused(problems)` is raised and the database is not touched.
2. Write every row in ONE transaction (insert or update by HSDS id), withdraw
   rows the package no longer has, and record the import in `directory_imports`.
   Any failure rolls the whole import back.

`row` is the line of the CSV file where the record starts (line 1 is the
header, so the first record is row 2; a value spanning lines counts from its
first line). Row 0 means the file as a whole (a missing file, for instance).
Warnings use the same shape and never stop an import.

Decisions, and why
------------------

The descriptor (datapackage.json)
    The checks always use this project's own HSDS 3.0 definitions
    (`hsds.py`); a package's descriptor cannot loosen them. From the descriptor
    the importer takes the package `name` and where each table's file is.
    - A link instead of a descriptor, meaning a symbolic link, or the text
      stand-in git writes for one when links are not checked out (a short
      single line such as "../../datapackage.json"): it points at the
      specification's generic descriptor, which describes HSDS, not this
      package. The importer uses its built-in definitions and the HSDS file
      names, names the package after its folder, and says so in a warning and
      in `ImportReport.descriptor`. The official example package is in exactly
      this state: in openreferral/specification (tag v3.0) its
      `examples/csv/datapackage.json` is a git symlink to the top-level
      descriptor.
    - A copy of the specification's own descriptor (`name` is
      "human_services_data"): used for file paths; the package is named after
      its folder, because that name names HSDS, not the package.
    - Missing, not UTF-8, not JSON (truncated, corrupted), not an object, or
      without a `resources` list: refused. Those are broken packages, not the
      link case above.
    - A resource path that is absolute, leaves the folder, is a URL or is a
      list of parts: refused (only local files inside the package are read).

Required files
    organizations.csv, locations.csv and services.csv: the tables HSDS 3.0
    lists as its core tables (core_tables.csv in the specification). A
    directory without physical places can give locations.csv as a header line
    alone. The other supported files are optional. HSDS files this project
    does not import (contacts, programs, taxonomies, ...) are listed in the
    report and not read.

Coordinates
    HSDS 3.0 defines location.latitude and location.longitude as type
    "number", "expressed in decimal degrees in WGS84 datum", with no minimum
    or maximum (its schema's own example values are 100 and 101, the values in
    the example package). So, following the specification:
    - a value that is not a number is an error, like any other type error;
    - a number out of range (latitude beyond +-90, longitude beyond +-180),
      only one of the two given, or both exactly 0 (a common stand-in for
      "unknown"): the location is stored with the values as given,
      `coordinates_usable` is False so it is never used to measure distance,
      and a warning names the row.

References between files
    HSDS 3.0's descriptor declares foreign keys, but the specification's own
    example does not satisfy all of them: its location names an organization
    (985e4a42-...) that is not in organizations.csv, and its taxonomy term
    names a taxonomy that is not in taxonomies.csv; its attribute's link_id
    and the term's parent_id match nothing either. The importer therefore
    tells apart:
    - structural references, which must resolve inside the package or the
      package is refused: service -> organization, service_at_location ->
      service and location, and every phone, language, schedule, address and
      service area -> the service, location, organization, phone or
      service_at_location it belongs to; attribute -> taxonomy term; and
      attribute.link_id when link_entity names a table this project imports.
      These are also foreign keys in the database.
    - context references, kept as given with a warning when they do not
      resolve: location.organization_id (HSDS makes it optional and describes
      it as the organization that maintains the location's information;
      services reach locations through service_at_location, which is strict),
      organization.parent_organization_id, taxonomy_term.parent_id, and
      attribute.link_id when link_entity names a table this project does not
      import (the example's link_entity is the placeholder "link_entity").
    - references into files this project does not import (service.program_id,
      phone.contact_id, taxonomy_term.taxonomy_id): not checked.
    References resolve only inside the package being imported, never against
    rows already in the database.

Values
    Values are trimmed; an empty value is "not given". Types follow Table
    Schema: number ("12", "-3.5", "1e3"; no thousands separators, no NaN or
    infinity), integer, date (YYYY-MM-DD), datetime (ISO 8601, "T" or space,
    optional fractional seconds, optional "Z" or offset; stored as naive UTC
    when an offset is given, as written otherwise), time (HH:MM or HH:MM:SS,
    an offset is accepted and dropped: the schedule's own timezone field says
    where). Allowed values (service.status, location_type, freq, ...) match
    without regard to case and are stored in the specification's spelling. A
    number stored in a text column (phone.extension) is kept as written.
    Text that would not fit a bounded column is an error, found before writing.
    Ids must be unique within their file. A phone number wrapped in literal
    quote characters (the example's number is `"+44 1234 234567"`, quotes
    included, after CSV decoding) is stored without them, with a warning.
    Column names match without regard to case or surrounding spaces; a column
    named twice is an error. Columns HSDS 3.0 does not define are ignored, with
    one warning per column.
    Lines whose every value is empty are skipped, with a warning.

Re-importing
    Rows are inserted or updated by HSDS id, so importing the same package
    again changes nothing but `import_id` and adds a `directory_imports` row.
    A package is known by its name (the descriptor's `name`, else its folder's
    name; `package_name=` overrides both). Rows an earlier import of the same
    package wrote and this one does not have are WITHDRAWN, not deleted:
    `withdrawn_at` is set, so referrals already given can still be read; the
    referral matcher ignores withdrawn rows, and a row that comes back is
    restored. A row whose id another package wrote before now belongs to
    this package (the last import wins); the report counts those.
    On PostgreSQL imports wait for each other (a transaction-level advisory
    lock); SQLite transactions here already take the write lock at BEGIN.

Speed
    Rows are kept in memory as tuples of the stored columns only and written
    in batches of `batch_size` with INSERT ... ON CONFLICT (id) DO UPDATE:
    on PostgreSQL (psycopg2) a batch is one statement with many VALUES rows
    (see `_Psycopg2Upsert`), on SQLite one executemany; other databases get
    plain INSERT and UPDATE statements. `progress(stage, done, total)` is called
    every `progress_every` rows while checking and after every batch while
    writing (`total` is None while a file is being read).
"""
from __future__ import annotations

import csv
import json
import math
import os
import re
from collections import defaultdict
from dataclasses import dataclass, field as dataclass_field
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Callable, Iterable, Iterator

from sqlalchemy import String, Table, bindparam, select, text
from sqlalchemy.engine import Connection, Engine

from ..clock import utc_now
from . import hsds
from .hsds import Field, TableDef
from .tables import (
    directory_addresses, directory_attributes, directory_imports, directory_languages,
    directory_locations, directory_organizations, directory_phones, directory_schedules,
    directory_service_areas, directory_service_at_location, directory_services,
    directory_taxonomy_terms,
)

Progress = Callable[[str, int, "int | None"], None]

DESCRIPTOR = "datapackage.json"
WARNINGS_LISTED_PER_KIND = 20       # per file, field and kind; the rest are counted
WARNINGS_STORED = 500               # listed in directory_imports.warnings
PACKAGE_NAME_LENGTH = 128
IMPORT_LOCK_KEY = 0x5C2EE7D1        # pg_advisory_xact_lock key for directory imports

# Service area extents (GeoJSON) can be longer than the csv module's default 128 KiB per value.
csv.field_size_limit(max(csv.field_size_limit(), 64 * 1024 * 1024))

DB_TABLES: dict[str, Table] = {
    "organization": directory_organizations,
    "location": directory_locations,
    "service": directory_services,
    "service_at_location": directory_service_at_location,
    "address": directory_addresses,
    "phone": directory_phones,
    "language": directory_languages,
    "schedule": directory_schedules,
    "taxonomy_term": directory_taxonomy_terms,
    "attribute": directory_attributes,
    "service_area": directory_service_areas,
}
BOOKKEEPING = ("import_id", "withdrawn_at")
COMPUTED = {"location": ("coordinates_usable",)}


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class ImportProblem:
    file: str
    row: int            # CSV line where the record starts; 1 = header; 0 = the file as a whole
    field: str          # "" when the problem is not about one field
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.row}: {self.field or '-'}: {self.message}"


class PackageRefused(Exception):
    """The package has problems; nothing was written."""

    def __init__(self, problems: Iterable[ImportProblem]):
        self.problems: list[ImportProblem] = list(problems)
        super().__init__(f"package refused: {len(self.problems)} problem(s); nothing was written")


@dataclass
class TableCount:
    rows: int = 0               # rows in the package
    inserted: int = 0           # new ids
    updated: int = 0            # ids already in the directory (changed or not)
    withdrawn: int = 0          # rows of this package's earlier imports missing now
    from_other_package: int = 0  # of `updated`: ids another package had written

    def as_dict(self) -> dict[str, int]:
        return dict(rows=self.rows, inserted=self.inserted, updated=self.updated,
                    withdrawn=self.withdrawn, from_other_package=self.from_other_package)


@dataclass
class ImportReport:
    import_id: int
    package: str
    source: str
    descriptor: str
    counts: dict[str, TableCount]          # by file name, e.g. "services.csv"
    warnings: list[ImportProblem]          # capped per kind; see warning_count
    warning_count: int
    not_imported: list[str]                # HSDS files present but not imported
    started_at: datetime
    finished_at: datetime

    @property
    def seconds(self) -> float:
        return (self.finished_at - self.started_at).total_seconds()

    def summary_lines(self) -> list[str]:
        lines = [f"imported package {self.package!r} from {self.source} "
                 f"in {self.seconds:.1f}s (import {self.import_id})",
                 f"  definitions: {self.descriptor}"]
        for name, count in self.counts.items():
            extra = f", {count.withdrawn} withdrawn" if count.withdrawn else ""
            extra += f", {count.from_other_package} taken over from another package" \
                if count.from_other_package else ""
            lines.append(f"  {name}: {count.rows} rows ({count.inserted} new, {count.updated} updated{extra})")
        if self.not_imported:
            lines.append(f"  not imported: {', '.join(self.not_imported)}")
        if self.warning_count:
            lines.append(f"  {self.warning_count} warning(s):")
            lines.extend(f"    {warning}" for warning in self.warnings)
        return lines


# --------------------------------------------------------------------------- collecting problems


class _Findings:
    def __init__(self) -> None:
        self.errors: list[ImportProblem] = []
        self._warnings: list[ImportProblem] = []
        self._per_kind: dict[tuple[str, str, str], int] = defaultdict(int)
        self.warning_count = 0

    def error(self, file: str, row: int, field: str, message: str) -> None:
        self.errors.append(ImportProblem(file, row, field, message))

    def warn(self, file: str, row: int, field: str, message: str, kind: str = "") -> None:
        self.warning_count += 1
        key = (file, field, kind or message)
        self._per_kind[key] += 1
        if self._per_kind[key] <= WARNINGS_LISTED_PER_KIND:
            self._warnings.append(ImportProblem(file, row, field, message))

    def warnings(self) -> list[ImportProblem]:
        listed = list(self._warnings)
        for (file, field, _kind), count in self._per_kind.items():
            if count > WARNINGS_LISTED_PER_KIND:
                listed.append(ImportProblem(file, 0, field,
                              f"... and {count - WARNINGS_LISTED_PER_KIND} more warning(s) like the above"))
        return listed


# --------------------------------------------------------------------------- values


class _BadValue(ValueError):
    pass


_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")
_INTEGER = re.compile(r"^[+-]?\d+$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CLOCK = r"(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?"
_DATETIME = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ]" + _CLOCK + "$", re.IGNORECASE)
_TIME = re.compile(r"^" + _CLOCK + "$", re.IGNORECASE)


def _number(raw: str) -> float:
    if not _NUMBER.match(raw):
        raise _BadValue(f"{raw!r} is not a number")
    value = float(raw)
    if not math.isfinite(value):
        raise _BadValue(f"{raw!r} is too large")
    return value


def _integer(raw: str) -> int:
    if not _INTEGER.match(raw):
        raise _BadValue(f"{raw!r} is not a whole number")
    return int(raw)


def _date(raw: str) -> date:
    if not _DATE.match(raw):
        raise _BadValue(f"{raw!r} is not a date (YYYY-MM-DD)")
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise _BadValue(f"{raw!r} is not a real date") from None


def _offset(text_: str | None) -> timezone | None:
    if not text_:
        return None
    if text_.upper() == "Z":
        return timezone.utc
    sign = -1 if text_[0] == "-" else 1
    digits = text_[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    if hours > 23 or minutes > 59:
        raise ValueError("offset")
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def _clock_parts(match: re.Match, first: int) -> tuple[int, int, int, int, timezone | None]:
    hour, minute = int(match.group(first)), int(match.group(first + 1))
    second = int(match.group(first + 2) or 0)
    fraction = (match.group(first + 3) or "").ljust(6, "0")[:6]
    return hour, minute, second, int(fraction or 0), _offset(match.group(first + 4))


def _datetime(raw: str) -> datetime:
    match = _DATETIME.match(raw)
    if not match:
        raise _BadValue(f"{raw!r} is not a date and time (ISO 8601, e.g. 2023-03-15T10:30:00Z)")
    try:
        day = date.fromisoformat(match.group(1))
        hour, minute, second, micro, offset = _clock_parts(match, 2)
        value = datetime(day.year, day.month, day.day, hour, minute, second, micro, tzinfo=offset)
    except ValueError:
        raise _BadValue(f"{raw!r} is not a real date and time") from None
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    return value


def _time_of_day(raw: str) -> time:
    match = _TIME.match(raw)
    if not match:
        raise _BadValue(f"{raw!r} is not a time of day (HH:MM or HH:MM:SS)")
    try:
        hour, minute, second, micro, _offset_ignored = _clock_parts(match, 1)
        return time(hour, minute, second, micro)
    except ValueError:
        raise _BadValue(f"{raw!r} is not a real time of day") from None


_PARSERS: dict[str, Callable[[str], object]] = {
    hsds.NUMBER: _number, hsds.INTEGER: _integer, hsds.DATE: _date,
    hsds.DATETIME: _datetime, hsds.TIME: _time_of_day,
}


# --------------------------------------------------------------------------- the package on disk


@dataclass
class _Descriptor:
    description: str                          # for the report: which definitions, and why
    name: str | None = None                   # the package's own name, when it gives one
    paths: dict[str, str] = dataclass_field(default_factory=dict)   # resource -> relative path
    lists_resources: bool = False


def _looks_like_link_text(content: str) -> bool:
    """git's stand-in for a symbolic link: the target path, one short line, no JSON."""
    stripped = content.strip()
    return (0 < len(stripped) < 256 and "\n" not in stripped and stripped[0] not in "{["
            and stripped.endswith(".json") and ("/" in stripped or "\\" in stripped))


def _safe_relative(value: object) -> str | None:
    if not isinstance(value, str) or not value or "://" in value:
        return None
    candidate = Path(value)
    if candidate.is_absolute() or ".." in candidate.parts:
        return None
    return candidate.as_posix()


def _read_descriptor(folder: Path, found: _Findings) -> _Descriptor:
    path = folder / DESCRIPTOR
    builtin = "the project's built-in HSDS 3.0 table definitions and file names"
    if path.is_symlink():
        target = os.readlink(path)
        found.warn(DESCRIPTOR, 0, "", f"is a link to {target}, not a descriptor of this package; "
                   f"using {builtin}")
        return _Descriptor(f"built-in HSDS 3.0 definitions ({DESCRIPTOR} is a link to {target})")
    if not path.is_file():
        found.error(DESCRIPTOR, 0, "", "required file is missing")
        return _Descriptor("none (datapackage.json missing)")
    try:
        content = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        found.error(DESCRIPTOR, 0, "", f"is not UTF-8 text (byte {exc.start})")
        return _Descriptor("none (datapackage.json unreadable)")
    if _looks_like_link_text(content):
        target = content.strip()
        found.warn(DESCRIPTOR, 0, "", f"holds only the link {target!r} (a symbolic link stored as text), "
                   f"not a descriptor of this package; using {builtin}")
        return _Descriptor(f"built-in HSDS 3.0 definitions ({DESCRIPTOR} is a link to {target})")
    try:
        data = json.loads(content)
    except json.JSONDecodeError as exc:
        found.error(DESCRIPTOR, exc.lineno, "", f"is not valid JSON: {exc.msg} (column {exc.colno})")
        return _Descriptor("none (datapackage.json is not JSON)")
    if not isinstance(data, dict):
        found.error(DESCRIPTOR, 1, "", "must be a JSON object")
        return _Descriptor("none (datapackage.json is not an object)")
    descriptor = _Descriptor("")
    name = data.get("name")
    if name is not None and (not isinstance(name, str) or not name.strip()):
        found.error(DESCRIPTOR, 0, "name", "must be a non-empty string")
    elif isinstance(name, str) and name.strip() == hsds.SPECIFICATION_PACKAGE_NAME:
        found.warn(DESCRIPTOR, 0, "name", f"is the specification's own descriptor ({name!r}), "
                   "not this package's; the package is named after its folder")
    elif isinstance(name, str):
        descriptor.name = name.strip()
    resources = data.get("resources")
    if not isinstance(resources, list):
        found.error(DESCRIPTOR, 0, "resources", "must be a list of the package's files")
        resources = []
    descriptor.lists_resources = True
    known = {**{t.resource: t.path for t in hsds.SUPPORTED}, **hsds.NOT_IMPORTED}
    by_file = {file: resource for resource, file in known.items()}
    for index, resource in enumerate(resources):
        where = f"resources[{index}]"
        if not isinstance(resource, dict):
            found.error(DESCRIPTOR, 0, where, "must be an object")
            continue
        raw_path = resource.get("path")
        if isinstance(raw_path, list):
            found.error(DESCRIPTOR, 0, f"{where}.path", "files in several parts are not supported")
            continue
        relative = _safe_relative(raw_path)
        if relative is None:
            found.error(DESCRIPTOR, 0, f"{where}.path",
                        f"{raw_path!r} is not a file inside the package folder")
            continue
        resource_name = resource.get("name")
        if resource_name not in known:
            resource_name = by_file.get(Path(relative).name)
        if resource_name is None:
            continue                                  # someone else's extra file: not ours to read
        if resource_name in descriptor.paths:
            found.error(DESCRIPTOR, 0, f"{where}.name", f"{resource_name!r} is listed twice")
            continue
        descriptor.paths[resource_name] = relative
    label = descriptor.name or (name if isinstance(name, str) else "unnamed")
    descriptor.description = (f"{DESCRIPTOR} ({label}); values checked against the built-in "
                              "HSDS 3.0 definitions")
    return descriptor


# --------------------------------------------------------------------------- reading and checking tables


@dataclass
class _Parsed:
    definition: TableDef
    table: Table
    file: str
    columns: tuple[str, ...]                  # stored columns, in row order
    rows: list[tuple] = dataclass_field(default_factory=list)     # (line, *values)
    ids: dict[str, int] = dataclass_field(default_factory=dict)    # id -> line


def _stored_columns(resource: str, table: Table) -> tuple[str, ...]:
    skip = set(BOOKKEEPING) | set(COMPUTED.get(resource, ()))
    return tuple(column.name for column in table.columns if column.name not in skip)


def _check_definitions() -> None:
    """tables.py and hsds.py must agree: every stored column is an HSDS field."""
    for definition in hsds.SUPPORTED:
        table = DB_TABLES[definition.resource]
        for name in _stored_columns(definition.resource, table):
            definition.field(name)


_check_definitions()


def _records(handle) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(handle)
    previous = 0
    for cells in reader:
        start = previous + 1
        previous = reader.line_num
        yield start, cells


def _unquote_phone(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1].strip()
    return value


class _TableReader:
    def __init__(self, definition: TableDef, table: Table, file: str, found: _Findings,
                 progress: Progress | None, progress_every: int):
        self.definition, self.table, self.file, self.found = definition, table, file, found
        self.progress, self.progress_every = progress, progress_every
        self.parsed = _Parsed(definition, table, file, _stored_columns(definition.resource, table))

    def read(self, path: Path) -> _Parsed:
        try:
            with path.open("r", encoding="utf-8-sig", newline="") as handle:
                self._read(handle)
        except UnicodeDecodeError as exc:
            self.found.error(self.file, 0, "", f"is not UTF-8 text (byte {exc.start})")
        except csv.Error as exc:
            self.found.error(self.file, 0, "", f"is not readable CSV: {exc}")
        except OSError as exc:
            self.found.error(self.file, 0, "", f"cannot be read: {exc.strerror or exc}")
        return self.parsed

    def _header(self, line: int, cells: list[str]) -> list[tuple] | None:
        names = [cell.strip().lstrip("\ufeff").lower() for cell in cells]
        positions: dict[str, int] = {}
        for index, name in enumerate(names):
            if name in positions:
                self.found.error(self.file, line, name or f"column {index + 1}", "column appears twice")
            positions.setdefault(name, index)
        known = set(self.definition.field_names)
        for name in names:
            if name not in known:
                self.found.warn(self.file, line, name or "-", "column is not in HSDS 3.0; ignored")
        store_at = {name: i for i, name in enumerate(self.parsed.columns)}
        plan = []
        for item in self.definition.fields:
            if item.name not in positions:
                if item.required:
                    self.found.error(self.file, line, item.name, "required column is missing")
                continue
            column = self.table.c[item.name] if item.name in store_at else None
            max_length = getattr(column.type, "length", None) if column is not None else None
            keep_text = (column is not None and isinstance(column.type, String)
                         and item.type != hsds.STRING)
            plan.append((item, positions[item.name], store_at.get(item.name), max_length, keep_text,
                         {value.lower(): value for value in item.enum}))
        self.width = len(names)
        return plan

    def _read(self, handle) -> None:
        plan = None
        parsed, found, file = self.parsed, self.found, self.file
        width_stored = len(parsed.columns)
        is_location = self.definition.resource == "location"
        is_phone = self.definition.resource == "phone"
        count = 0
        for line, cells in _records(handle):
            if plan is None:
                if not cells or not any(cell.strip() for cell in cells):
                    continue
                plan = self._header(line, cells)
                continue
            if not cells or not any(cell.strip() for cell in cells):
                if cells:
                    found.warn(file, line, "", "every value is empty; line skipped", kind="empty line")
                continue
            if len(cells) != self.width:
                found.error(file, line, "", f"has {len(cells)} values; the header has {self.width}")
                continue
            stored: list = [None] * width_stored
            ok = True
            for item, position, store_index, max_length, keep_text, enum in plan:
                raw = cells[position].strip()
                if not raw:
                    if item.required:
                        found.error(file, line, item.name, "required, but empty")
                        ok = False
                    continue
                if is_phone and item.name == "number":
                    unquoted = _unquote_phone(raw)
                    if unquoted != raw:
                        found.warn(file, line, "number", "quote characters around the number removed",
                                   kind="unquoted")
                        raw = unquoted
                value: object = raw
                if item.type != hsds.STRING:
                    try:
                        value = _PARSERS[item.type](raw)
                    except _BadValue as exc:
                        found.error(file, line, item.name, str(exc))
                        ok = False
                        continue
                elif enum:
                    canonical = enum.get(raw.lower())
                    if canonical is None:
                        found.error(file, line, item.name,
                                    f"{raw!r} is not one of: {', '.join(item.enum)}")
                        ok = False
                        continue
                    value = canonical
                if store_index is None:
                    continue
                if keep_text:
                    value = raw
                if max_length is not None and len(value) > max_length:
                    found.error(file, line, item.name, f"is {len(value)} characters long; "
                                f"at most {max_length} fit")
                    ok = False
                    continue
                stored[store_index] = value
            count += 1
            if self.progress and count % self.progress_every == 0:
                self.progress(f"checking {file}", count, None)
            row_id = stored[0]
            if row_id is None:                        # no id: reported already (header or row)
                continue
            if row_id in parsed.ids:
                found.error(file, line, "id", f"{row_id!r} is already used on line {parsed.ids[row_id]}")
                continue
            # A row with a bad value still has a good id: other files may refer to
            # it without a second, misleading "no such id" error.
            parsed.ids[row_id] = line
            if not ok:
                continue
            if is_location:
                stored.append(self._coordinates_usable(line, stored))
            parsed.rows.append((line, *stored))
        if plan is None:
            found.error(file, 1, "", "the file is empty: there is no header line")
            return
        if self.progress:
            self.progress(f"checking {file}", count, count)

    def _coordinates_usable(self, line: int, stored: list) -> bool:
        columns = self.parsed.columns
        latitude = stored[columns.index("latitude")]
        longitude = stored[columns.index("longitude")]
        if latitude is None and longitude is None:
            return False
        if latitude is None or longitude is None:
            given = "latitude" if latitude is not None else "longitude"
            self.found.warn(self.file, line, given, f"only the {given} is given; the location is not used "
                            "for distance", kind="coordinates incomplete")
            return False
        if not (-90.0 <= latitude <= 90.0):
            self.found.warn(self.file, line, "latitude", f"{latitude:g} is outside -90..90; stored, but "
                            "not used for distance", kind="latitude range")
            return False
        if not (-180.0 <= longitude <= 180.0):
            self.found.warn(self.file, line, "longitude", f"{longitude:g} is outside -180..180; stored, "
                            "but not used for distance", kind="longitude range")
            return False
        if latitude == 0.0 and longitude == 0.0:
            self.found.warn(self.file, line, "latitude", "0, 0 usually means unknown; stored, but not used "
                            "for distance", kind="zero coordinates")
            return False
        return True


def _check_links(parsed: dict[str, _Parsed], missing_files: dict[str, str], found: _Findings) -> None:
    for resource, table in parsed.items():
        for item in table.definition.fields:
            if item.link is None or item.name not in table.columns:
                continue
            at = table.columns.index(item.name) + 1                # rows start with the line number
            entity_at = (table.columns.index(item.link.entity_field) + 1) if item.link.entity_field else None
            for row in table.rows:
                value = row[at]
                if value is None:
                    continue
                if entity_at is not None:
                    target = hsds.resource_for_entity(row[entity_at] or "")
                    if target is None:
                        found.warn(table.file, row[0], item.name,
                                   f"link_entity {row[entity_at]!r} is not a table this project imports; "
                                   "the row is kept but linked to nothing", kind="entity not imported")
                        continue
                    strict = True
                else:
                    target = hsds.BY_RESOURCE[item.link.target]
                    strict = item.link.strict
                target_rows = parsed.get(target.resource)
                if target_rows is not None and value in target_rows.ids:
                    continue
                where = f" ({missing_files[target.resource]} is missing)" if target.resource in missing_files \
                    else ""
                if strict:
                    found.error(table.file, row[0], item.name,
                                f"no {target.resource} with id {value!r} in this package{where}")
                else:
                    found.warn(table.file, row[0], item.name,
                               f"no {target.resource} with id {value!r} in this package{where}; "
                               "kept as given, not linked", kind="unresolved context link")


def _locate_files(folder: Path, descriptor: _Descriptor, found: _Findings):
    """Where each supported table's file is (or why not), and HSDS files not imported."""
    located: dict[str, tuple[str, Path]] = {}
    missing: dict[str, str] = {}
    for definition in hsds.SUPPORTED:
        relative = descriptor.paths.get(definition.resource)
        if relative is not None:
            path = folder / relative
            if not path.is_file():
                found.error(relative, 0, "", "listed in datapackage.json, but the file is missing")
                missing[definition.resource] = relative
                continue
            located[definition.resource] = (relative, path)
            continue
        path = folder / definition.path
        if path.is_file():
            if descriptor.lists_resources:
                found.warn(definition.path, 0, "", "not listed in datapackage.json; read by its HSDS file name")
            located[definition.resource] = (definition.path, path)
            continue
        missing[definition.resource] = definition.path
        if definition.core:
            found.error(definition.path, 0, "", "required file is missing (an HSDS 3.0 core table)")
    not_imported = sorted(
        {descriptor.paths.get(resource, file) for resource, file in hsds.NOT_IMPORTED.items()
         if (folder / descriptor.paths.get(resource, file)).is_file()}
    )
    return located, missing, not_imported


# --------------------------------------------------------------------------- writing


def _upsert_statement(connection: Connection, table: Table):
    dialect = connection.dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:
        return None
    statement = insert(table)
    return statement.on_conflict_do_update(
        index_elements=[table.c.id],
        set_={column.name: statement.excluded[column.name] for column in table.columns if column.name != "id"},
    )


class _Psycopg2Upsert:
    """INSERT ... ON CONFLICT (id) DO UPDATE sent with psycopg2's execute_values.

    SQLAlchemy 1.4 sends an executemany of ON CONFLICT DO UPDATE one row at a
    time on psycopg2 (it cannot know the rows have distinct keys); ours do, the
    ids being checked unique within each file. So the statement SQLAlchemy
    compiles is sent with the VALUES list filled by execute_values, the way
    SQLAlchemy itself sends plain INSERTs, on the same connection and
    transaction.
    """

    def __init__(self, connection: Connection, table: Table):
        compiled = _upsert_statement(connection, table).compile(dialect=connection.dialect)
        self.template = f"({compiled.insert_single_values_expr})"
        if self.template not in compiled.string:
            raise RuntimeError("unexpected INSERT statement shape")
        self.sql = compiled.string.replace(self.template, "%s", 1)
        self.connection = connection

    def __call__(self, batch: list[dict]) -> None:
        from psycopg2.extras import execute_values

        cursor = self.connection.connection.cursor()
        try:
            execute_values(cursor, self.sql, batch, template=self.template, page_size=len(batch))
        finally:
            cursor.close()


def _write_table(connection: Connection, parsed: _Parsed, import_id: int, package: str,
                 batch_size: int, progress: Progress | None) -> TableCount:
    table = parsed.table
    names = parsed.columns + tuple(COMPUTED.get(parsed.definition.resource, ()))
    owners = dict(connection.execute(
        select(table.c.id, directory_imports.c.package_name)
        .join(directory_imports, table.c.import_id == directory_imports.c.id)
    ).all())
    count = TableCount(rows=len(parsed.rows))
    for row in parsed.rows:
        owner = owners.get(row[1])
        if owner is None:
            count.inserted += 1
        else:
            count.updated += 1
            if owner != package:
                count.from_other_package += 1
    upsert = _upsert_statement(connection, table)
    fast_upsert = _Psycopg2Upsert(connection, table) \
        if upsert is not None and connection.dialect.driver == "psycopg2" else None
    if upsert is None:                                    # another database: plain statements
        # SET takes every column named in the parameters; the row is found by "_id".
        update = table.update().where(table.c.id == bindparam("_id"))
    stage = f"writing {parsed.file}"
    total = len(parsed.rows)
    for start in range(0, total, batch_size):
        batch = [dict(zip(names, row[1:]), import_id=import_id, withdrawn_at=None)
                 for row in parsed.rows[start:start + batch_size]]
        if fast_upsert is not None:
            fast_upsert(batch)
        elif upsert is not None:
            connection.execute(upsert, batch)
        else:
            new = [values for values in batch if values["id"] not in owners]
            old = [{**values, "_id": values["id"]} for values in batch if values["id"] in owners]
            if new:
                connection.execute(table.insert(), new)
            if old:
                connection.execute(update, old)
        if progress:
            progress(stage, min(start + batch_size, total), total)
    if progress and not total:
        progress(stage, 0, 0)
    return count


def _withdraw(connection: Connection, table: Table, import_id: int, package: str, now: datetime) -> int:
    earlier = select(directory_imports.c.id).where(directory_imports.c.package_name == package,
                                                    directory_imports.c.id != import_id)
    result = connection.execute(
        table.update()
        .where(table.c.withdrawn_at.is_(None), table.c.import_id.in_(earlier))
        .values(withdrawn_at=now)
    )
    return result.rowcount or 0


# --------------------------------------------------------------------------- the entry point


def import_package(engine: Engine, path: str | os.PathLike, progress: Progress | None = None, *,
                   package_name: str | None = None, clock: Callable[[], datetime] = utc_now,
                   batch_size: int = 1000, progress_every: int = 5000) -> ImportReport:
    """Check the HSDS 3.0 package at `path`; if it has no problems, write it in one transaction.

    Raises PackageRefused (with every problem found) and writes nothing otherwise.
    """
    started_at = clock()
    folder = Path(path)
    found = _Findings()
    if not folder.is_dir():
        raise PackageRefused([ImportProblem(str(folder), 0, "", "is not a folder")])
    folder = folder.resolve()

    descriptor = _read_descriptor(folder, found)
    package = (package_name or descriptor.name or folder.name).strip()
    if not package or len(package) > PACKAGE_NAME_LENGTH:
        found.error(DESCRIPTOR, 0, "name", f"a package name must be 1 to {PACKAGE_NAME_LENGTH} characters")

    located, missing, not_imported = _locate_files(folder, descriptor, found)
    parsed: dict[str, _Parsed] = {}
    for definition in hsds.SUPPORTED:
        if definition.resource not in located:
            continue
        file, file_path = located[definition.resource]
        reader = _TableReader(definition, DB_TABLES[definition.resource], file, found, progress, progress_every)
        parsed[definition.resource] = reader.read(file_path)
    if progress:
        progress("checking references", 0, None)
    _check_links(parsed, missing, found)
    if found.errors:
        raise PackageRefused(found.errors)

    warnings = found.warnings()
    counts: dict[str, TableCount] = {}
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": IMPORT_LOCK_KEY})
        import_id = connection.execute(directory_imports.insert().values(
            package_name=package, source_path=str(folder), descriptor=descriptor.description,
            started_at=started_at, finished_at=None, counts={}, warnings=[], warning_count=0,
        )).inserted_primary_key[0]
        for definition in hsds.SUPPORTED:
            table_rows = parsed.get(definition.resource)
            if table_rows is None:
                table_rows = _Parsed(definition, DB_TABLES[definition.resource], definition.path,
                                     _stored_columns(definition.resource, DB_TABLES[definition.resource]))
            counts[table_rows.file] = _write_table(connection, table_rows, import_id, package,
                                                   batch_size, progress)
        now = clock()
        for definition in hsds.SUPPORTED:
            withdrawn = _withdraw(connection, DB_TABLES[definition.resource], import_id, package, now)
            file = parsed[definition.resource].file if definition.resource in parsed else definition.path
            counts[file].withdrawn = withdrawn
        finished_at = clock()
        connection.execute(directory_imports.update().where(directory_imports.c.id == import_id).values(
            finished_at=finished_at,
            counts={file: count.as_dict() for file, count in counts.items()},
            warnings=[str(warning) for warning in warnings[:WARNINGS_STORED]],
            warning_count=found.warning_count,
        ))
    return ImportReport(
        import_id=import_id, package=package, source=str(folder), descriptor=descriptor.description,
        counts=counts, warnings=warnings, warning_count=found.warning_count, not_imported=not_imported,
        started_at=started_at, finished_at=finished_at,
    )
