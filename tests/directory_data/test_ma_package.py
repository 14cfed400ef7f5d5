"""The Massachusetts HSDS 3.0 package in screening/content/directory/ma/.

Checks that it is reproducible from the source files, that it is a valid data
package (its own datapackage.json: types, required fields, keys), that nothing in it is
invented (rows, phones, names), that every service carries a need category, that every
location is in Massachusetts (or flagged), that the words we wrote are free of stigma,
and that need_categories.yaml maps every need category.

The source files are in the repository (sources/ma-services, a copy of the upstream
../shared/data/ma-services; MA_SERVICES_SOURCE points the tests at another copy), so
these tests always run; a missing source folder is a failure. Whether the copy still
matches the upstream is checked in test_sources_upstream.py.
"""
from __future__ import annotations

import csv
import hashlib
import importlib.util
import json
import os
import re
import subprocess
import sys
import uuid
import warnings
from collections import Counter, defaultdict
from datetime import date, datetime, time
from functools import lru_cache
from pathlib import Path

import pytest
import yaml

from screening.needs import NEED_CATEGORIES
from screening.text_checks import person_first_rewording, stigma_terms_in

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "convert_ma_services.py"
PACKAGE = ROOT / "screening" / "content" / "directory" / "ma"
CATEGORIES_YAML = ROOT / "screening" / "content" / "directory" / "need_categories.yaml"
SOURCE = Path(os.environ.get("MA_SERVICES_SOURCE", ROOT / "sources" / "ma-services"))
HSDS_EXAMPLE = ROOT / "sources" / "hsds-3.0-example"

FACILITY_ROWS = {
    "substance_use_treatment.csv": 413,
    "mental_health.csv": 266,
    "opioid_treatment_programs.csv": 87,
    "community_health_centers.csv": 257,
}
STATEWIDE = "statewide_resources.csv"
STATEWIDE_ROWS = 11
FILE_CATEGORIES = {
    "substance_use_treatment.csv": {"substance_use"},
    "mental_health.csv": {"mental_health"},
    "opioid_treatment_programs.csv": {"substance_use", "moud"},
    "community_health_centers.csv": {"health_care"},
}
FILES_WITH_PHONES = {"mental_health.csv": ("phone", "intake_phone"),
                     "community_health_centers.csv": ("phone",),
                     STATEWIDE: ("phone", "text")}
MA_LAT, MA_LON = (41.2, 42.9), (-73.6, -69.9)
VERIFIED_ON = "2021-01-01"


def needs_source(path: Path, what: str) -> Path:
    """The source folder; it ships with the repository, so a missing one is a failure."""
    if not path.is_dir():
        pytest.fail(f"{what} not found at {path} (it ships in the repository under sources/; "
                    "see sources/README.md)", pytrace=False)
    return path


@pytest.fixture(scope="module")
def source_dir() -> Path:
    return needs_source(SOURCE, "source data")


@lru_cache(maxsize=None)
def datapackage() -> dict:
    return json.loads((PACKAGE / "datapackage.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=None)
def table(name: str) -> tuple[dict, ...]:
    """Rows of the package resource `name` (e.g. "service"), as read from its CSV."""
    resource = next(r for r in datapackage()["resources"] if r["name"] == name)
    with (PACKAGE / resource["path"]).open(newline="", encoding="utf-8") as handle:
        return tuple(csv.DictReader(handle))


def by_id(name: str) -> dict[str, dict]:
    return {row["id"]: row for row in table(name)}


@lru_cache(maxsize=None)
def provenance() -> dict[str, dict[str, str]]:
    """service id -> {source_file, source_row, upstream_directory, ...} from metadata.csv."""
    found: dict[str, dict[str, str]] = defaultdict(dict)
    for row in table("metadata"):
        if row["resource_type"] == "service":
            found[row["resource_id"]][row["field_name"]] = row["replacement_value"]
    return dict(found)


def source_file(service_id: str) -> str:
    return provenance()[service_id]["source_file"]


def terms_of(link_id: str, taxonomy: str) -> dict[str, str]:
    """code -> attribute value for the terms of `taxonomy` attached to `link_id`."""
    terms = by_id("taxonomy_term")
    return {terms[a["taxonomy_term_id"]]["code"]: a["value"] for a in table("attribute")
            if a["link_id"] == link_id and terms[a["taxonomy_term_id"]]["taxonomy"] == taxonomy}


def tidy(value: str) -> str:
    return re.sub(r"\s+", " ", value or "").strip()


def read_source_rows(directory: Path, name: str) -> list[dict]:
    with (directory / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def load_script():
    spec = importlib.util.spec_from_file_location("convert_ma_services", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module      # dataclasses look their module up here
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    return module


# --- reproducible --------------------------------------------------------------------

def test_regenerating_gives_byte_identical_files(source_dir, tmp_path):
    out = tmp_path / "ma"
    result = subprocess.run([sys.executable, str(SCRIPT), "--source", str(source_dir), "--out", str(out)],
                            capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert result.returncode == 0, result.stderr
    committed = {p.name for p in PACKAGE.iterdir() if p.is_file() and p.name != "README.md"}
    regenerated = {p.name for p in out.iterdir() if p.is_file()}
    assert regenerated == committed
    changed = [name for name in sorted(committed) if (out / name).read_bytes() != (PACKAGE / name).read_bytes()]
    assert not changed, f"regenerate the package (scripts/convert_ma_services.py): {changed} differ"


def test_default_source_is_the_copy_in_the_repository():
    module = load_script()
    assert module.DEFAULT_SOURCE == ROOT / "sources" / "ma-services"
    assert module.DEFAULT_OUT == PACKAGE


# --- a real data package ----------------------------------------------------------------

def test_datapackage_lists_every_file_with_its_schema():
    package = datapackage()
    assert package["profile"] == "tabular-data-package"
    csv_files = {p.name for p in PACKAGE.glob("*.csv")}
    assert {r["path"] for r in package["resources"]} == csv_files
    for resource in package["resources"]:
        data = (PACKAGE / resource["path"]).read_bytes()
        assert resource["bytes"] == len(data), resource["path"]
        assert resource["hash"] == "sha256:" + hashlib.sha256(data).hexdigest(), resource["path"]
        schema = resource["schema"]
        assert schema["primaryKey"] == "id"
        header = data.decode("utf-8").split("\n", 1)[0].split(",")
        assert header == [f["name"] for f in schema["fields"]], resource["path"]
        for fk in schema.get("foreignKeys", []):
            assert fk["reference"]["resource"] in {r["name"] for r in package["resources"]}


def test_headers_are_exactly_hsds_3_0():
    example = needs_source(HSDS_EXAMPLE, "HSDS 3.0 example package")
    for resource in datapackage()["resources"]:
        with (example / resource["path"]).open(newline="", encoding="utf-8") as handle:
            expected = next(csv.reader(handle))
        assert [f["name"] for f in resource["schema"]["fields"]] == expected, resource["path"]


def _type_ok(value: str, field: dict) -> bool:
    kind, fmt = field["type"], field.get("format")
    try:
        if kind == "number":
            float(value)
        elif kind == "date":
            date.fromisoformat(value)
        elif kind == "datetime":
            datetime.fromisoformat(value.replace("Z", "+00:00"))
        elif kind == "time":
            time.fromisoformat(value)
        elif fmt == "uuid":
            return str(uuid.UUID(value)) == value
        elif fmt == "uri":
            return re.match(r"https?://\S+$", value) is not None
        elif fmt == "email":
            return re.match(r"[^@\s]+@[^@\s]+$", value) is not None
    except ValueError:
        return False
    return True


def test_every_row_meets_its_schema():
    problems = []
    for resource in datapackage()["resources"]:
        rows = table(resource["name"])
        for field in resource["schema"]["fields"]:
            name, rules = field["name"], field.get("constraints", {})
            values = [row[name] for row in rows]
            for n, value in enumerate(values, start=2):
                where = f"{resource['path']} line {n} {name}={value!r}"
                if value == "":
                    if rules.get("required"):
                        problems.append(f"{where}: required")
                    continue
                if not _type_ok(value, field):
                    problems.append(f"{where}: not a {field['type']} {field.get('format', '')}")
                if rules.get("enum") and value not in rules["enum"]:
                    problems.append(f"{where}: not one of {rules['enum']}")
            if rules.get("unique"):
                repeated = [v for v, c in Counter(v for v in values if v).items() if c > 1]
                if repeated:
                    problems.append(f"{resource['path']} {name}: repeated {repeated[:3]}")
    assert not problems, "\n".join(problems[:30])


def test_every_foreign_key_resolves():
    ids = {r["name"]: {row["id"] for row in table(r["name"])} for r in datapackage()["resources"]}
    problems = []
    for resource in datapackage()["resources"]:
        for fk in resource["schema"].get("foreignKeys", []):
            target = ids[fk["reference"]["resource"]]
            for row in table(resource["name"]):
                if row[fk["fields"]] and row[fk["fields"]] not in target:
                    problems.append(f"{resource['path']} {row['id']}: {fk['fields']}")
    # Links a Frictionless foreign key cannot express: they name their target table.
    for row in table("attribute"):
        if row["link_id"] not in ids.get(row["link_entity"], set()):
            problems.append(f"attributes.csv {row['id']}: {row['link_entity']} {row['link_id']}")
    for row in table("metadata"):
        if row["resource_id"] not in ids.get(row["resource_type"], set()):
            problems.append(f"metadata.csv {row['id']}: {row['resource_type']} {row['resource_id']}")
    # contact_id and program_id point at tables this package does not have: always empty.
    assert all(not row["contact_id"] for row in table("phone"))
    assert all(not row["program_id"] for row in table("service"))
    assert not problems, "\n".join(problems[:30])


# --- nothing lost, nothing invented ---------------------------------------------------------

def test_row_counts_match_the_source_files():
    per_file = Counter(source_file(row["id"]) for row in table("service"))
    assert per_file == Counter({**FACILITY_ROWS, STATEWIDE: STATEWIDE_ROWS})
    facilities = sum(FACILITY_ROWS.values())
    assert len(table("organization")) == facilities + STATEWIDE_ROWS
    for name in ("location", "address", "service_at_location"):
        assert len(table(name)) == facilities, name
    assert len(table("service_area")) == STATEWIDE_ROWS
    # Each source row is used exactly once.
    rows = Counter((p["source_file"], p["source_row"]) for p in provenance().values())
    assert set(rows.values()) == {1}


def test_row_counts_match_the_source_files_themselves(source_dir):
    for name, expected in {**FACILITY_ROWS, STATEWIDE: STATEWIDE_ROWS}.items():
        assert len(read_source_rows(source_dir, name)) == expected, name


def test_names_addresses_and_coordinates_are_copied_from_the_source(source_dir):
    sources = {name: read_source_rows(source_dir, name) for name in FACILITY_ROWS}
    locations = {row["service_id"]: by_id("location")[row["location_id"]] for row in table("service_at_location")}
    addresses = {row["location_id"]: row for row in table("address")}
    for service in table("service"):
        where = provenance()[service["id"]]
        if where["source_file"] == STATEWIDE:
            continue
        row = sources[where["source_file"]][int(where["source_row"]) - 1]
        published = " ".join(p for p in (tidy(row["name"]), tidy(row.get("name2", ""))) if p)
        # As published, but in person-first words where they drop in ("substance use"), recorded.
        assert service["name"] == person_first_rewording(published, "en")
        assert ("name_reworded" in where) == (service["name"] != published)
        location = locations[service["id"]]
        assert (location["latitude"], location["longitude"]) == (row["latitude"].strip(), row["longitude"].strip())
        address = addresses[location["id"]]
        assert address["address_1"] == tidy(row["street1"])
        if tidy(row.get("zip", "")):
            assert address["postal_code"] == tidy(row["zip"])
        else:
            # No ZIP in the source: one derived from the site's town, and recorded as derived.
            assert address["postal_code"] and where["postal_code_derived"].startswith(address["postal_code"])


def test_no_phone_is_invented():
    """Phones only for services whose source file has phone columns, one per listed number."""
    for phone in table("phone"):
        assert phone["service_id"], phone["id"]
        assert source_file(phone["service_id"]) in FILES_WITH_PHONES, phone
    for service in table("service"):
        if source_file(service["id"]) not in FILES_WITH_PHONES:
            assert not any(p["service_id"] == service["id"] for p in table("phone")), service["name"]


def test_every_phone_is_in_its_source_row(source_dir):
    sources = {name: read_source_rows(source_dir, name) for name in FILES_WITH_PHONES}
    listed_total = 0
    for name, columns in FILES_WITH_PHONES.items():
        listed_total += sum(1 for row in sources[name] for c in columns if row[c].strip())
    assert len(table("phone")) == listed_total
    for phone in table("phone"):
        where = provenance()[phone["service_id"]]
        row = sources[where["source_file"]][int(where["source_row"]) - 1]
        written = phone["number"] + (f" x{phone['extension']}" if phone["extension"] else "")
        listed = {row[c].strip() for c in FILES_WITH_PHONES[where["source_file"]]}
        assert written in listed, (written, listed)


def test_provenance_and_verified_on_dates():
    for service in table("service"):
        where = provenance()[service["id"]]
        assert where["upstream_directory"]
        if where["source_file"] == STATEWIDE:
            assert service["assured_date"] == ""
            assert where["verification_status"]
            assert "Re-verify" in service["alert"]
        else:
            assert service["assured_date"] == VERIFIED_ON
            assert "opioid-policy-scan" in where["upstream_directory"]
        assert service["status"] == "active"


# --- need categories -------------------------------------------------------------------------

def test_every_service_has_a_need_category():
    crisis_only = []
    for service in table("service"):
        codes = set(terms_of(service["id"], "needs-screening-categories"))
        assert codes, f"{service['name']} has no need category"
        if not codes & set(NEED_CATEGORIES):
            crisis_only.append(service["name"])
            assert codes == {"crisis"} and source_file(service["id"]) == STATEWIDE
        if source_file(service["id"]) in FILE_CATEGORIES:
            assert codes == FILE_CATEGORIES[source_file(service["id"])], service["name"]
    # 911 is left to the crisis path, as in screening/resources.py.
    assert crisis_only == ["Emergency services"]


def test_statewide_needs_come_from_the_need_column(source_dir):
    rows = read_source_rows(source_dir, STATEWIDE)
    for service in table("service"):
        where = provenance()[service["id"]]
        if where["source_file"] == STATEWIDE:
            row = rows[int(where["source_row"]) - 1]
            assert set(terms_of(service["id"], "needs-screening-categories")) == set(row["need"].split(";"))


def test_need_terms_match_need_categories_yaml():
    mapping = yaml.safe_load(CATEGORIES_YAML.read_text(encoding="utf-8"))
    known = {**mapping["categories"], **mapping["extra_terms"]}
    for term in table("taxonomy_term"):
        if term["taxonomy"] == "needs-screening-categories":
            assert term["code"] in known
            assert term["name"] == known[term["code"]]["label"]
    used = {t["taxonomy_term_id"] for t in table("attribute")}
    parents = {t["parent_id"] for t in table("taxonomy_term")}
    assert all(t["id"] in used | parents for t in table("taxonomy_term")), "unused taxonomy term"


def test_need_categories_yaml_covers_every_category():
    mapping = yaml.safe_load(CATEGORIES_YAML.read_text(encoding="utf-8"))
    categories = mapping["categories"]
    assert set(NEED_CATEGORIES) - {"other"} <= set(categories)
    assert set(categories) <= set(NEED_CATEGORIES)
    assert set(mapping["extra_terms"]) == {"moud", "crisis"}
    for code, entry in {**categories, **mapping["extra_terms"]}.items():
        assert entry["label"] and entry["description"] and entry["notes"], code
        assert entry["open_eligibility"], f"{code}: no Open Eligibility term"
        for term in entry["open_eligibility"]:
            assert isinstance(term["verified"], bool), code
            assert term["match"] in {"exact", "close", "broader", "narrower", "related"}, code
            assert term["name"] and term["path"], code
            if term["verified"]:
                assert re.fullmatch(r"1[0-9]{3}", term["code"] or ""), f"{code}: verified needs a 2.0 id"
            else:
                assert term["code"] is None, f"{code}: unverified terms carry no code"


# --- place ------------------------------------------------------------------------------------

def test_every_location_is_in_massachusetts_or_flagged():
    outside = []
    for location in table("location"):
        flags = terms_of(location["id"], "directory-data-flags")
        try:
            lat, lon = float(location["latitude"]), float(location["longitude"])
        except ValueError:
            assert "no-coordinates" in flags, location["name"]
            continue
        if not (MA_LAT[0] <= lat <= MA_LAT[1] and MA_LON[0] <= lon <= MA_LON[1]):
            outside.append(f"{location['name']} ({lat}, {lon})")
            assert "coordinates-outside-massachusetts" in flags, location["name"]
    if outside:   # kept with a flag, by decision; reported here
        warnings.warn("locations outside Massachusetts (kept, flagged): " + "; ".join(outside))


# --- words ------------------------------------------------------------------------------------

def _strings(node):
    if isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)
    elif isinstance(node, str):
        yield node


def test_no_stigmatizing_words_in_text_we_wrote():
    ours = []
    for service in table("service"):
        ours += [service["description"], service["alert"]]
        if source_file(service["id"]) == STATEWIDE:   # the project's own statewide lines
            ours.append(service["name"])
    ours += [o["description"] for o in table("organization")]
    ours += [t[c] for t in table("taxonomy") for c in ("name", "description")]
    ours += [t[c] for t in table("taxonomy_term") for c in ("name", "description")]
    ours += [a["value"] for a in table("attribute")]
    ours += [r[c] for r in table("service_area") for c in ("name", "description")]
    ours += [r["description"] for r in table("phone")] + [r["description"] for r in table("schedule")]
    ours += [r[c] for r in table("metadata") for c in ("field_name", "replacement_value")]
    ours += list(_strings(yaml.safe_load(CATEGORIES_YAML.read_text(encoding="utf-8"))))
    ours += list(_strings(datapackage()))
    found = {text: stigma_terms_in(text, "en") for text in set(ours)}
    assert not {t: w for t, w in found.items() if w}


def test_published_names_are_shown_in_person_first_words_or_kept_and_listed_beside_the_package():
    """Names people read in referrals use the better words where they drop in ("substance use");
    the ones our word list still flags (a company's name, say) are kept as published and listed
    beside the package, with every reworded name as published, so nobody mistakes either."""
    section = (PACKAGE.parent / "ma_published_names_stigma_words.md").read_text(encoding="utf-8")
    kept = set(re.findall(r"^- `([^`]+)`", section, re.M))
    reworded = dict(re.findall(r"^\| `([^`]+)` \| `([^`]+)` \|$", section, re.M))
    flagged, shown_reworded = set(), set()
    reworded_ids = {r["resource_id"] for r in table("metadata") if r["field_name"] == "name_reworded"}
    for service in table("service"):
        if source_file(service["id"]) != STATEWIDE and stigma_terms_in(service["name"], "en"):
            flagged.add(service["name"])
        if service["id"] in reworded_ids:
            shown_reworded.add(service["name"])
    assert flagged == kept
    assert shown_reworded and shown_reworded == set(reworded.values())
    assert all(person_first_rewording(published, "en") == shown for published, shown in reworded.items())
    for name in [o["name"] for o in table("organization")] + [l["name"] for l in table("location")]:
        if stigma_terms_in(name, "en"):
            assert any(name in full for full in kept), name


# --- documentation ----------------------------------------------------------------------------

def test_readme_row_counts_match_the_files():
    readme = (PACKAGE / "README.md").read_text(encoding="utf-8")
    counts = {name: int(n.replace(",", "")) for name, n in
              re.findall(r"^\|\s*`([a-z_]+\.csv)`\s*\|\s*([\d,]+)\s*\|", readme, re.M)}
    actual = {p.name: sum(1 for _ in csv.reader(p.open(newline="", encoding="utf-8"))) - 1
              for p in PACKAGE.glob("*.csv")}
    assert counts == actual
