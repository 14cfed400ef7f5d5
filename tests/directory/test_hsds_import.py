"""Importing Open Referral HSDS 3.0 packages into the service directory, on SQLite and PostgreSQL.

The official example package must load unchanged; malformed packages (made by
copying the example and changing one thing) must be refused with the file,
row and field named, and leave the database exactly as it was.
"""
from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from datetime import date, datetime, time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from screening import cli
from screening.directory import PackageRefused, import_package
from screening.directory.tables import (
    DIRECTORY_TABLES, directory_addresses, directory_attributes, directory_imports, directory_languages,
    directory_locations, directory_phones, directory_schedules, directory_service_at_location,
    directory_services, directory_taxonomy_terms,
)
from screening.records.db import make_engine

# The example ships in the repository (sources/hsds-3.0-example, a copy of the upstream
# ../shared/data/hsds-3.0-example); HSDS_EXAMPLE_DIR points the tests at another copy.
EXAMPLE = Path(os.environ.get("HSDS_EXAMPLE_DIR")
               or Path(__file__).resolve().parents[2] / "sources" / "hsds-3.0-example")
SERVICE_ID = "ac148810-d857-441c-9679-408f346de14b"
LOCATION_ID = "3a19ff88-4620-4d17-9830-ac1d859eb5d5"
NOBODY = "00000000-0000-4000-8000-000000000000"
ALL_TABLES = (directory_imports, *DIRECTORY_TABLES)


# --------------------------------------------------------------------------- helpers


@pytest.fixture
def example() -> Path:
    if not (EXAMPLE / "services.csv").is_file():
        pytest.fail(f"the HSDS 3.0 example package is not at {EXAMPLE} (it ships in the repository "
                    "under sources/; see sources/README.md)", pytrace=False)
    return EXAMPLE


@pytest.fixture
def db(database_url):
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def copy_package(source: Path, folder: Path) -> Path:
    """A writable copy for a test to change (sources/ stays untouched; a source may be read-only)."""
    shutil.copytree(source, folder, copy_function=shutil.copyfile)
    folder.chmod(0o755)
    for path in folder.iterdir():
        path.chmod(0o644)
    return folder


def read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def write_csv(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)


def edit_csv(folder: Path, file: str, line: int, field: str, value: str) -> None:
    """Set `field` on CSV line `line` (line 1 is the header)."""
    rows = read_csv(folder / file)
    rows[line - 1][rows[0].index(field)] = value
    write_csv(folder / file, rows)


def snapshot(engine) -> dict[str, list[tuple]]:
    """Every directory row, to compare the database before and after."""
    with engine.connect() as conn:
        return {table.name: [tuple(row) for row in conn.execute(select(table).order_by(*table.primary_key))]
                for table in ALL_TABLES}


def row_counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {table.name: conn.execute(select(func.count()).select_from(table)).scalar_one()
                for table in ALL_TABLES}


def one(engine, statement):
    with engine.connect() as conn:
        return conn.execute(statement).one()


def refused(engine, folder: Path) -> list[tuple[str, int, str]]:
    with pytest.raises(PackageRefused) as caught:
        import_package(engine, folder)
    return [(p.file, p.row, p.field) for p in caught.value.problems]


# --------------------------------------------------------------------------- the official example


def test_the_official_example_loads_unchanged(db, example):
    report = import_package(db, example)

    assert report.package == "hsds-3.0-example"
    assert "built-in HSDS 3.0 definitions" in report.descriptor
    assert "../../datapackage.json" in report.descriptor
    assert {name: count.rows for name, count in report.counts.items()} == {
        "organizations.csv": 1, "locations.csv": 1, "services.csv": 1, "service_at_location.csv": 1,
        "addresses.csv": 1, "phones.csv": 1, "languages.csv": 1, "schedules.csv": 1,
        "taxonomy_terms.csv": 1, "attributes.csv": 1, "service_areas.csv": 1,
    }
    assert "contacts.csv" in report.not_imported and "programs.csv" in report.not_imported

    service = one(db, select(directory_services).where(directory_services.c.id == SERVICE_ID))
    assert service.name == "Community Counselling"
    assert service.organization_id == "d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610"
    assert service.status == "active"
    assert (service.minimum_age, service.maximum_age) == (12, 100)
    assert service.assured_date == date(2005, 1, 1)
    assert service.last_modified == datetime(2023, 3, 15, 10, 30, 45, 123000)
    assert service.eligibility_description.startswith("This service is intended for all people aged 12")
    assert service.fees_description.startswith("Non-NHS patients are expected to pay")
    assert service.withdrawn_at is None

    phone = one(db, select(directory_phones))
    assert phone.number == "+44 1234 234567"
    assert (phone.service_id, phone.location_id, phone.extension) == (SERVICE_ID, LOCATION_ID, "100")

    language = one(db, select(directory_languages))
    assert (language.code, language.name, language.service_id) == ("ur", "Urdu", SERVICE_ID)

    location = one(db, select(directory_locations))
    assert (location.id, location.name) == (LOCATION_ID, "MyCity Civic Center")
    assert (location.latitude, location.longitude) == (100, 101)
    assert location.coordinates_usable is False
    link = one(db, select(directory_service_at_location))
    assert (link.service_id, link.location_id) == (SERVICE_ID, LOCATION_ID)

    address = one(db, select(directory_addresses))
    assert (address.city, address.state_province, address.postal_code) == ("MyCity", "MyState", "ABC 1234")

    schedule = one(db, select(directory_schedules))
    assert (schedule.opens_at, schedule.closes_at) == (time(10, 0), time(18, 0))
    assert (schedule.byday, schedule.freq) == ("TH,FR", "WEEKLY")
    assert schedule.description.startswith("The service is available from 10 am to 6pm")

    term = one(db, select(directory_taxonomy_terms.c.code, directory_taxonomy_terms.c.name,
                          directory_taxonomy_terms.c.taxonomy)
               .join(directory_attributes, directory_attributes.c.taxonomy_term_id == directory_taxonomy_terms.c.id))
    assert tuple(term) == ("code", "name", "taxonomy")

    warnings = {(w.file, w.row, w.field) for w in report.warnings}
    assert ("datapackage.json", 0, "") in warnings
    assert ("locations.csv", 2, "latitude") in warnings
    assert ("locations.csv", 2, "organization_id") in warnings
    assert ("phones.csv", 2, "number") in warnings

    record = one(db, select(directory_imports))
    assert record.package_name == "hsds-3.0-example" and record.finished_at is not None
    assert record.counts["services.csv"]["inserted"] == 1
    assert record.warning_count == report.warning_count
    assert any("latitude" in line for line in record.warnings)


def test_importing_the_same_package_again_changes_nothing_but_adds_an_import_record(db, example):
    import_package(db, example)
    before = snapshot(db)
    report = import_package(db, example)

    after = snapshot(db)
    assert row_counts(db)["directory_imports"] == 2
    for table in DIRECTORY_TABLES:
        # The same rows, only import_id moved on to the new import.
        drop = table.c.keys().index("import_id")
        assert [row[:drop] + row[drop + 1:] for row in after[table.name]] == \
               [row[:drop] + row[drop + 1:] for row in before[table.name]], table.name
    assert all(count.inserted == 0 and count.updated == count.rows and count.withdrawn == 0
               for count in report.counts.values())


def test_a_changed_name_in_a_copied_package_updates_the_same_service(db, example, tmp_path):
    import_package(db, example)
    counts = row_counts(db)
    folder = copy_package(example, tmp_path / "example-copy")
    edit_csv(folder, "services.csv", 2, "name", "Community Counseling (walk-in)")

    report = import_package(db, folder)

    assert row_counts(db) == {**counts, "directory_imports": counts["directory_imports"] + 1}
    assert one(db, select(directory_services.c.name)).name == "Community Counseling (walk-in)"
    services = report.counts["services.csv"]
    assert (services.inserted, services.updated, services.from_other_package) == (0, 1, 1)


def test_rows_missing_from_a_reimport_are_withdrawn_and_come_back_when_restored(db, example, tmp_path):
    folder = copy_package(example, tmp_path / "pkg")
    import_package(db, folder)
    languages = read_csv(folder / "languages.csv")
    write_csv(folder / "languages.csv", languages[:1])          # the header alone

    report = import_package(db, folder)
    assert report.counts["languages.csv"].withdrawn == 1
    assert one(db, select(directory_languages.c.withdrawn_at)).withdrawn_at is not None
    assert row_counts(db)["directory_languages"] == 1               # kept for referrals already given

    write_csv(folder / "languages.csv", languages)
    import_package(db, folder)
    assert one(db, select(directory_languages.c.withdrawn_at)).withdrawn_at is None


def test_databases_without_upsert_get_plain_inserts_and_updates(db, example, tmp_path, monkeypatch):
    monkeypatch.setattr("screening.directory.importer._upsert_statement", lambda connection, table: None)
    import_package(db, example)
    folder = copy_package(example, tmp_path / "pkg")
    edit_csv(folder, "services.csv", 2, "name", "Renamed")

    report = import_package(db, folder)

    assert one(db, select(directory_services.c.name)).name == "Renamed"
    assert row_counts(db)["directory_services"] == 1
    assert report.counts["services.csv"].updated == 1


# --------------------------------------------------------------------------- malformed packages


def missing_services_file(folder: Path) -> None:
    (folder / "services.csv").unlink()


def link_to_a_missing_service(folder: Path) -> None:
    edit_csv(folder, "service_at_location.csv", 2, "service_id", NOBODY)


def words_for_latitude(folder: Path) -> None:
    edit_csv(folder, "locations.csv", 2, "latitude", "north of Main St")


def words_for_minimum_age(folder: Path) -> None:
    edit_csv(folder, "services.csv", 2, "minimum_age", "twelve")


def empty_service_name(folder: Path) -> None:
    edit_csv(folder, "services.csv", 2, "name", "")


def status_not_in_hsds(folder: Path) -> None:
    edit_csv(folder, "services.csv", 2, "status", "open")


def phone_id_used_twice(folder: Path) -> None:
    rows = read_csv(folder / "phones.csv")
    write_csv(folder / "phones.csv", rows + [rows[1]])


def truncated_descriptor(folder: Path) -> None:
    (folder / "datapackage.json").unlink()
    (folder / "datapackage.json").write_text('{"name": "pkg", "resources": [', encoding="utf-8")


def descriptor_path_outside_the_package(folder: Path) -> None:
    (folder / "datapackage.json").unlink()
    (folder / "datapackage.json").write_text(json.dumps({"name": "pkg", "resources": [
        {"name": "service", "path": "../services.csv"}]}), encoding="utf-8")


MALFORMED = [
    pytest.param(missing_services_file, ("services.csv", 0, ""), id="missing-required-file"),
    pytest.param(link_to_a_missing_service, ("service_at_location.csv", 2, "service_id"), id="bad-foreign-key"),
    pytest.param(words_for_latitude, ("locations.csv", 2, "latitude"), id="non-numeric-coordinates"),
    pytest.param(words_for_minimum_age, ("services.csv", 2, "minimum_age"), id="wrong-type"),
    pytest.param(empty_service_name, ("services.csv", 2, "name"), id="missing-required-field"),
    pytest.param(status_not_in_hsds, ("services.csv", 2, "status"), id="value-not-allowed"),
    pytest.param(phone_id_used_twice, ("phones.csv", 3, "id"), id="duplicate-id"),
    pytest.param(truncated_descriptor, ("datapackage.json", 1, ""), id="descriptor-not-json"),
    pytest.param(descriptor_path_outside_the_package, ("datapackage.json", 0, "resources[0].path"),
                 id="descriptor-path-escapes"),
]


@pytest.mark.parametrize("after_a_good_import", [False, True], ids=["empty-directory", "after-good-import"])
@pytest.mark.parametrize("break_package, expected", MALFORMED)
def test_a_malformed_package_is_refused_and_nothing_changes(db, example, tmp_path, break_package, expected,
                                                           after_a_good_import):
    if after_a_good_import:
        import_package(db, example)
    before, counts = snapshot(db), row_counts(db)
    folder = copy_package(example, tmp_path / "pkg")
    break_package(folder)

    problems = refused(db, folder)

    assert expected in problems
    if break_package is not missing_services_file:          # the others are one problem, named exactly
        assert problems == [expected]
    assert row_counts(db) == counts
    assert snapshot(db) == before


def test_a_failure_while_writing_rolls_back_the_whole_import(db, example, tmp_path, monkeypatch):
    import_package(db, example)
    before = snapshot(db)
    folder = copy_package(example, tmp_path / "pkg")
    edit_csv(folder, "services.csv", 2, "name", "Changed")

    def fail(*args, **kwargs):          # every row is written by now; then the database fails
        raise RuntimeError("disk full")

    monkeypatch.setattr("screening.directory.importer._withdraw", fail)
    with pytest.raises(RuntimeError):
        import_package(db, folder)
    assert snapshot(db) == before


def test_every_problem_is_reported_at_once(db, example, tmp_path):
    folder = copy_package(example, tmp_path / "pkg")
    words_for_minimum_age(folder)
    words_for_latitude(folder)
    link_to_a_missing_service(folder)
    edit_csv(folder, "schedules.csv", 2, "opens_at", "10am")
    edit_csv(folder, "services.csv", 2, "last_modified", "last Tuesday")

    assert sorted(refused(db, folder)) == sorted([
        ("services.csv", 2, "minimum_age"), ("services.csv", 2, "last_modified"),
        ("locations.csv", 2, "latitude"), ("service_at_location.csv", 2, "service_id"),
        ("schedules.csv", 2, "opens_at"),
    ])
    assert row_counts(db)["directory_imports"] == 0


def test_the_row_is_the_line_where_the_record_starts(db, example, tmp_path):
    folder = copy_package(example, tmp_path / "pkg")
    edit_csv(folder, "services.csv", 2, "description", "First line.\nSecond line.\nThird line.")
    rows = read_csv(folder / "services.csv")
    second = list(rows[1])
    second[0] = "6d1e2c47-0d7e-4d1c-9c55-1f3f4b0c9a11"
    second[rows[0].index("minimum_age")] = "twelve"
    write_csv(folder / "services.csv", rows + [second])

    # Line 1 is the header, the first service spans lines 2-4, the second starts on line 5.
    assert refused(db, folder) == [("services.csv", 5, "minimum_age")]


# --------------------------------------------------------------------------- coordinates, descriptors, names


@pytest.mark.parametrize("latitude, longitude, usable, warned_field", [
    ("42.3601", "-71.0589", True, None),
    ("0", "0", False, "latitude"),
    ("42.3601", "", False, "latitude"),
    ("42.3601", "-200", False, "longitude"),
])
def test_coordinates_are_stored_and_marked_usable_or_not(db, example, tmp_path, latitude, longitude, usable,
                                                         warned_field):
    folder = copy_package(example, tmp_path / "pkg")
    edit_csv(folder, "locations.csv", 2, "latitude", latitude)
    edit_csv(folder, "locations.csv", 2, "longitude", longitude)

    report = import_package(db, folder)

    location = one(db, select(directory_locations))
    assert location.coordinates_usable is usable
    assert location.latitude == float(latitude)
    coordinate_warnings = {w.field for w in report.warnings
                           if w.file == "locations.csv" and w.field in ("latitude", "longitude")}
    assert coordinate_warnings == ({warned_field} if warned_field else set())


def test_a_real_descriptor_names_the_package_and_says_where_the_files_are(db, example, tmp_path):
    folder = copy_package(example, tmp_path / "download")
    (folder / "data").mkdir()
    (folder / "services.csv").rename(folder / "data" / "svc.csv")
    (folder / "datapackage.json").unlink()
    resources = [{"name": "service", "path": "data/svc.csv"}] + [
        {"name": name, "path": f"{name}.csv"} for name in
        ("organizations", "locations", "service_at_location", "addresses", "phones", "languages",
         "schedules", "taxonomy_terms", "attributes", "service_areas")]
    (folder / "datapackage.json").write_text(json.dumps({"name": "ma-pilot-directory", "resources": resources}))

    report = import_package(db, folder)

    assert report.package == "ma-pilot-directory"
    assert report.descriptor.startswith("datapackage.json (ma-pilot-directory)")
    assert report.counts["data/svc.csv"].rows == 1
    assert one(db, select(directory_imports.c.package_name)).package_name == "ma-pilot-directory"


def test_a_symbolic_link_descriptor_means_the_built_in_definitions(db, example, tmp_path):
    folder = copy_package(example, tmp_path / "linked")
    (folder / "datapackage.json").unlink()
    (folder / "datapackage.json").symlink_to("../../datapackage.json")      # dangling, as in a checkout

    report = import_package(db, folder)

    assert "built-in HSDS 3.0 definitions" in report.descriptor
    assert report.package == "linked"


def test_a_package_that_is_not_a_folder_is_refused(db, tmp_path):
    assert refused(db, tmp_path / "nowhere") == [(str(tmp_path / "nowhere"), 0, "")]


# --------------------------------------------------------------------------- size and progress


def write_generated_package(folder: Path, services: int) -> Path:
    """A valid package with `services` services, each at its own location with a phone."""
    folder.mkdir()
    (folder / "datapackage.json").write_text(json.dumps({"name": folder.name, "resources": []}))
    write_csv(folder / "organizations.csv", [["id", "name", "description"],
                                             ["org-1", "Example Health Center", "Community health care"]])
    write_csv(folder / "services.csv", [["id", "organization_id", "name", "status", "minimum_age"]] + [
        [f"svc-{n}", "org-1", f"Service {n}", "active", "18"] for n in range(services)])
    write_csv(folder / "locations.csv", [["id", "location_type", "name", "latitude", "longitude"]] + [
        [f"loc-{n}", "physical", f"Site {n}", f"{42 + n / 1e6:.6f}", "-71.06"] for n in range(services)])
    write_csv(folder / "service_at_location.csv", [["id", "service_id", "location_id"]] + [
        [f"sal-{n}", f"svc-{n}", f"loc-{n}"] for n in range(services)])
    write_csv(folder / "phones.csv", [["id", "service_id", "number"]] + [
        [f"ph-{n}", f"svc-{n}", f"617-555-{n % 10000:04d}"] for n in range(services)])
    return folder


def test_larger_packages_are_written_in_batches_with_progress(db, tmp_path):
    folder = write_generated_package(tmp_path / "generated", 1200)
    seen: list[tuple[str, int, int | None]] = []

    report = import_package(db, folder, progress=lambda *event: seen.append(event), batch_size=500,
                            progress_every=400)

    assert report.counts["services.csv"].rows == 1200
    assert ("checking services.csv", 400, None) in seen
    assert [event for event in seen if event[0] == "writing services.csv"] == [
        ("writing services.csv", 500, 1200), ("writing services.csv", 1000, 1200),
        ("writing services.csv", 1200, 1200)]
    assert row_counts(db)["directory_services"] == 1200
    # A package that no longer lists a service withdraws it (and nothing else).
    rows = read_csv(folder / "services.csv")
    write_csv(folder / "services.csv", rows[:-1])
    write_csv(folder / "service_at_location.csv", read_csv(folder / "service_at_location.csv")[:-1])
    write_csv(folder / "phones.csv", read_csv(folder / "phones.csv")[:-1])
    again = import_package(db, folder)
    assert {name: count.withdrawn for name, count in again.counts.items() if count.withdrawn} == {
        "services.csv": 1, "service_at_location.csv": 1, "phones.csv": 1}


# --------------------------------------------------------------------------- the command


def test_the_command_prints_each_problem_and_exits_1(database_url, example, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", database_url)
    folder = copy_package(example, tmp_path / "pkg")
    words_for_minimum_age(folder)
    link_to_a_missing_service(folder)

    assert cli.main(["directory", "import", str(folder)]) == 1

    out, err = capsys.readouterr()
    assert "services.csv:2: minimum_age: 'twelve' is not a number" in err
    assert f"service_at_location.csv:2: service_id: no service with id '{NOBODY}' in this package" in err
    assert "nothing was written" in err
    assert "Traceback" not in out + err


def test_the_command_imports_with_progress_and_a_summary(database_url, example, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", database_url)

    assert cli.main(["directory", "import", str(example)]) == 0

    out, err = capsys.readouterr()
    assert "imported package 'hsds-3.0-example'" in out
    assert "services.csv: 1 rows (1 new, 0 updated)" in out
    assert "locations.csv:2: latitude: 100 is outside -90..90" in out
    assert "writing services.csv: 1/1" in err


def test_the_installed_command_exits_1_without_a_traceback(sqlite_url, example, tmp_path):
    folder = copy_package(example, tmp_path / "pkg")
    empty_service_name(folder)
    result = subprocess.run([sys.executable, "-m", "screening.cli", "directory", "import", str(folder)],
                            capture_output=True, text=True, env={**os.environ, "DATABASE_URL": sqlite_url},
                            cwd=Path(__file__).resolve().parents[2], timeout=120)
    assert result.returncode == 1
    assert "services.csv:2: name: required, but empty" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_if_empty_loads_the_default_directory_once(tmp_path):
    """`make run` loads the shipped directory only when the database has none."""
    import os
    import subprocess
    import sys

    from screening.records import migrate

    url = f"sqlite:///{tmp_path / 'run.db'}"
    migrate.upgrade(url)
    package = Path(__file__).resolve().parents[2] / "screening" / "content" / "directory" / "ma"
    env = dict(os.environ, DATABASE_URL=url)
    command = [sys.executable, "-m", "screening.cli", "directory", "import", str(package), "--if-empty"]
    first = subprocess.run(command, env=env, capture_output=True, text=True)
    second = subprocess.run(command, env=env, capture_output=True, text=True)
    assert first.returncode == 0 and second.returncode == 0
    assert "already loaded" not in first.stdout
    assert "already loaded; nothing imported" in second.stdout
