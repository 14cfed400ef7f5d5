"""The FHIR export a program hands to a health system: valid R4 (checked with fhir.resources),
the instrument as a Questionnaire, the Gravity SDOH shape, the same facts as the JSON export,
and nothing that identifies the person."""
from __future__ import annotations

import json
import re
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest

from screening import cli
from screening.dialogue.engine import ScreeningEngine
from screening.directory.importer import import_package
from screening.export import case_bundle, questionnaire_response, screening_record, screening_records
from screening.fhir.codes import HSDS_SERVICE_SYSTEM, NOTICE_42_CFR_PART_2, RANK_EXTENSION
from screening.fhir.questionnaire import questionnaire
from screening.fhir.referrals import OUTCOMES, referral_task, task_state
from screening.fhir.validation import InvalidFhir, validate
from screening.instrument import default_instrument
from screening.program import Program
from screening.records import migrate

from ..conftest import Clock, make_repository
from .fhir_people import CRISIS_WORDS, NAME, OWN_WORDS, PHONE, STATES, screen_fully

MA_PACKAGE = Path(__file__).resolve().parents[2] / "screening" / "content" / "directory" / "ma"
CASES = [(mode, language, state) for mode in ("fine_waiver", "voluntary") for language in ("en", "es")
         for state in STATES]
EVERY_TYPE = {"Patient", "QuestionnaireResponse", "Observation", "Condition", "HealthcareService", "Organization",
              "Location", "ServiceRequest", "Task"}


@pytest.fixture(scope="module")
def screened(tmp_path_factory):
    """Twenty people screened on one SQLite database with the Massachusetts directory loaded:
    each language, each program mode, each way a screening can end."""
    url = f"sqlite:///{tmp_path_factory.mktemp('fhir') / 'screening.db'}"
    migrate.upgrade(url)
    repository = make_repository(url)
    import_package(repository.engine, MA_PACKAGE)
    ids = {}
    for n, (mode, language, state) in enumerate(CASES):
        engine = ScreeningEngine(repository, clock=Clock(), program=Program(mode=mode))
        sender = PHONE if n == 0 else f"+1617555{n:04d}"
        ids[(mode, language, state)] = screen_fully(engine, repository, sender, language=language, state=state)
    yield repository, ids
    repository.engine.dispose()


def exported(repository, screening_id):
    with repository.transaction() as unit:
        record = screening_record(unit, screening_id, default_instrument())
        return record, case_bundle(unit, record)


def resources_of(bundle):
    return [entry["resource"] for entry in bundle["entry"]]


@pytest.mark.parametrize("case", CASES, ids=["-".join(c) for c in CASES])
def test_every_resource_of_every_kind_of_screening_is_valid_r4_and_labelled(screened, case):
    repository, ids = screened
    record, bundle = exported(repository, ids[case])
    mode, language, state = case
    validate(bundle)                                   # the Bundle and each entry, with fhir.resources
    validate(questionnaire_response(record))           # `--format fhir`, one resource per line
    assert bundle["type"] == "transaction" and bundle["meta"]["security"][1]["code"] == "42CFRPart2"
    for resource in resources_of(bundle):
        assert {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "42CFRPart2",
                "display": "42 CFR Part2"} in resource["meta"]["security"], resource["resourceType"]
        assert NOTICE_42_CFR_PART_2 in resource["text"]["div"]
    kinds = Counter(r["resourceType"] for r in resources_of(bundle))
    response = next(r for r in resources_of(bundle) if r["resourceType"] == "QuestionnaireResponse")
    assert response["language"] == language
    expected_status = {"answered": "completed", "skipped": "completed", "crisis": "completed",
                       "partial": "in-progress", "stopped": "stopped"}[state]
    assert response["status"] == expected_status
    assert kinds["Condition"] == 3                     # the person's three needs, in their order
    if state in ("answered", "crisis"):
        assert EVERY_TYPE <= set(kinds)
    if state == "skipped":
        assert "item" not in response                  # nothing answered: no items at all, not empty answers
        assert kinds["ServiceRequest"] > 0             # their own needs still get referrals


def test_the_questionnaire_is_valid_and_every_answer_is_coded_in_its_systems(screened):
    repository, ids = screened
    instrument = default_instrument()
    form = questionnaire(instrument)
    validate(form)
    options = {item["linkId"]: {(o["valueCoding"]["system"], o["valueCoding"]["code"]) for o in item.get("answerOption", [])}
               for item in form["item"]}
    by_link = {item["linkId"]: item for item in form["item"]}
    assert by_link["ahc_1"]["code"] == [{"system": "http://loinc.org", "code": "71802-3"}]
    assert ("http://loinc.org", "LA31995-6") in options["ahc_1"]            # LOINC's answer code
    assert ("urn:needs-screening:ahc-hrsn-2018:ahc_11", "very_hard") in options["ahc_11"]   # none known: ours
    assert "code" not in by_link["legal_needs"]
    assert form["code"][0]["code"] == "96777-8" and form["url"] and form["version"]
    record, bundle = exported(repository, ids[("fine_waiver", "es", "answered")])
    response = next(r for r in resources_of(bundle) if r["resourceType"] == "QuestionnaireResponse")
    assert response["questionnaire"] == f"{form['url']}|{form['version']}"
    assert response["item"]
    for item in response["item"]:
        assert "code" not in item                      # the R4 error of the old export
        for answer in item["answer"]:
            if "valueCoding" in answer:
                coding = answer["valueCoding"]
                assert (coding["system"], coding["code"]) in options[item["linkId"]]
            else:
                assert by_link[item["linkId"]]["type"] == "integer"


def _round_trip(bundle_text: str):
    """Read the Bundle back with the library: answers, needs and referrals as the JSON export has them."""
    from fhir.resources.R4B.bundle import Bundle

    bundle = Bundle.parse_raw(bundle_text)
    resources = [entry.resource for entry in bundle.entry]
    form = questionnaire(default_instrument())
    option_of = {(item["linkId"], o["valueCoding"]["system"], o["valueCoding"]["code"]): o["valueCoding"].get("code")
                 for item in form["item"] for o in item.get("answerOption", [])}
    instrument = default_instrument()
    answers = {}
    [response] = [r for r in resources if r.resource_type == "QuestionnaireResponse"]
    for item in response.item or []:
        if item.linkId.endswith("_total"):
            continue
        codes = [option_of[(item.linkId, a.valueCoding.system, a.valueCoding.code)] for a in item.answer]
        # LOINC answer codes back to the instrument's option ids
        answers[item.linkId] = [next(o.id for o in instrument.item(item.linkId).options if code in (o.id, o.loinc))
                                for code in codes]
    rank = lambda r: next(e.valueInteger for e in r.extension if e.url == RANK_EXTENSION)  # noqa: E731
    needs = [c.code.coding[0].code for c in sorted((r for r in resources if r.resource_type == "Condition"), key=rank)]
    services = {f"HealthcareService/{r.id}": r for r in resources if r.resource_type == "HealthcareService"}
    locations = {f"Location/{r.id}": r for r in resources if r.resource_type == "Location"}
    referrals = []
    for request in (r for r in resources if r.resource_type == "ServiceRequest"):
        service = services[request.performer[0].reference]
        hsds = [i.value for i in service.identifier or [] if i.system == HSDS_SERVICE_SYSTEM]
        location = locations.get(service.location[0].reference) if service.location else None
        referrals.append({
            "need": request.code.coding[0].code, "rank": rank(request), "service_id": hsds[0] if hsds else None,
            "location_id": location.identifier[0].value if location and location.identifier else None,
            "name": service.name, "town": location.address.city if location and location.address else None,
            "phone": service.telecom[0].value if service.telecom else None, "reason": request.patientInstruction,
            "shown_at": request.authoredOn.isoformat().replace("+00:00", "Z")})
    return answers, needs, referrals


@pytest.mark.parametrize("case", [("fine_waiver", "en", "answered"), ("voluntary", "es", "crisis"),
                                  ("fine_waiver", "es", "stopped"), ("voluntary", "en", "skipped")],
                         ids=lambda c: "-".join(c))
def test_a_bundle_read_back_gives_the_answers_needs_and_referrals_of_the_json_export(screened, case):
    repository, ids = screened
    record, bundle = exported(repository, ids[case])
    answers, needs, referrals = _round_trip(json.dumps(bundle))
    assert answers == {item: a["option_ids"] for item, a in record["answers"].items() if not a["skipped"]}
    assert needs == record["self_identified_needs"]
    keys = ("need", "rank", "service_id", "location_id", "name", "town", "phone", "reason", "shown_at")
    assert referrals == [{k: r[k] for k in keys} for r in record["referrals"]]
    if case[2] != "skipped":
        assert answers                               # the comparison above was not between two empty things
    if case[2] in ("answered", "crisis"):
        assert any(r["service_id"] for r in referrals)   # services from the directory, with their HSDS ids


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def test_no_resource_carries_the_persons_phone_name_or_words(screened):
    repository, ids = screened
    # Everything the people typed, decrypted, to look for: their messages and answers in their own words.
    with repository.transaction() as unit:
        typed = [unit.cipher.decrypt(body) for (body,) in unit.conn.exec_driver_sql(
            "SELECT body_enc FROM messages WHERE direction = 'in'")]
    distinctive = {t for t in typed if len(t) > 12}
    assert OWN_WORDS in distinctive and CRISIS_WORDS in distinctive and any(NAME in t for t in distinctive)
    with repository.transaction() as unit:
        bundles = [case_bundle(unit, r) for r in screening_records(unit)]
    text = json.dumps(bundles, ensure_ascii=False)
    for words in distinctive:
        assert words not in text
    assert NAME not in text and "Quince" not in text and "Marisol" not in text
    # The phone number in no form: not the whole number, not the ten digits.
    numbers = {_digits(value) for value in re.findall(r"[+\d][\d ()\-.]{9,}", text)}
    assert not {n for n in numbers if n.endswith("6175550123")}
    assert PHONE not in text and "617 555 0123" not in text
    # The person is referenced by the pseudonymous id only.
    for bundle in bundles:
        [person] = [r for r in resources_of(bundle) if r["resourceType"] == "Patient"]
        assert set(person) == {"resourceType", "id", "identifier", "meta", "text"}


def test_the_export_command_writes_bundles_responses_and_the_questionnaire(screened, tmp_path, monkeypatch):
    repository, ids = screened
    monkeypatch.setattr(cli, "build_repository", lambda: repository)
    bundles = tmp_path / "bundles.ndjson"
    assert cli.main(["export", "--format", "fhir-bundle", "-o", str(bundles), "--include-text"]) == 0
    lines = bundles.read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(ids)
    for line in lines:
        assert json.loads(line)["resourceType"] == "Bundle"
    assert OWN_WORDS not in bundles.read_text(encoding="utf-8")       # --include-text is for JSON only
    responses = tmp_path / "responses.ndjson"
    assert cli.main(["export", "--format", "fhir", "-o", str(responses)]) == 0
    kinds = {json.loads(line)["resourceType"] for line in responses.read_text(encoding="utf-8").splitlines()}
    assert kinds == {"QuestionnaireResponse"}
    form = tmp_path / "questionnaire.json"
    assert cli.main(["export", "--format", "fhir-questionnaire", "-o", str(form)]) == 0
    assert validate(json.loads(form.read_text(encoding="utf-8"))).url == "urn:needs-screening:questionnaire:ahc-hrsn-2018"


REFERRAL = {"need": "housing", "rank": 1, "service_id": "svc-1", "location_id": "loc-1", "name": "Pine Street Inn",
            "town": "Boston", "phone": "617-892-9100", "miles": 0.4, "reason": "0.4 miles away · free",
            "shown_at": "2026-11-24T15:00:00Z"}
CHECKED_IN = datetime(2026, 12, 1, 10, 30)


@pytest.mark.parametrize("outcome, status, request_status, business", [
    (None, "requested", "active", "pending"),
    ("reached", "completed", "completed", "reached"),
    ("not_reached", "failed", "active", "not_reached"),
    ("other_help", "cancelled", "revoked", "other_help"),
    ("something_new", "requested", "active", "pending"),       # an outcome this version does not know
])
def test_the_check_in_outcome_becomes_the_task_status(outcome, status, request_status, business):
    task = referral_task("s-1", "p-1", 0, REFERRAL, outcome, CHECKED_IN if outcome else None)
    validate(task)
    assert task["status"] == status and task_state(outcome).request_status == request_status
    assert task["businessStatus"]["coding"][0]["code"] == business
    assert task["for"] == task["owner"] == {"reference": "Patient/p-1"}
    assert task["focus"]["reference"].startswith("ServiceRequest/")
    assert task["lastModified"] == ("2026-12-01T10:30:00Z" if business != "pending" else REFERRAL["shown_at"])
    assert set(OUTCOMES) == {"reached", "not_reached", "other_help"}


def test_a_recorded_outcome_reaches_the_bundle(screened):
    """Once referrals carry the person's check-in outcome, the case's Tasks and ServiceRequests say it."""
    repository, ids = screened
    record, _ = exported(repository, ids[("fine_waiver", "en", "answered")])
    assert "outcome" not in record["referrals"][0] or record["referrals"][0]["outcome"] is None
    record["referrals"][0].update(outcome="reached", outcome_at="2026-12-01T10:30:00Z")
    record["referrals"][1].update(outcome="other_help", outcome_at="2026-12-02T09:00:00Z")
    from screening.fhir.bundle import case_bundle as pure_bundle

    bundle = pure_bundle(record, default_instrument())
    validate(bundle)
    tasks = [r for r in resources_of(bundle) if r["resourceType"] == "Task"]
    requests = [r for r in resources_of(bundle) if r["resourceType"] == "ServiceRequest"]
    assert [t["status"] for t in tasks[:3]] == ["completed", "cancelled", "requested"]
    assert [r["status"] for r in requests[:3]] == ["completed", "revoked", "active"]


def test_an_invalid_resource_is_refused_with_its_reason():
    """The check itself can fail: the old export's `code` on an answered item is refused."""
    with pytest.raises(InvalidFhir, match="code"):
        validate({"resourceType": "QuestionnaireResponse", "status": "completed",
                  "item": [{"linkId": "ahc_1", "code": [{"system": "http://loinc.org", "code": "71802-3"}]}]})


def test_a_case_bundle_is_the_same_on_sqlite_and_postgresql(repository, clock):
    """The export reads the directory's organizations too: on both databases."""
    import_package(repository.engine, MA_PACKAGE)
    engine = ScreeningEngine(repository, clock=clock)
    screening_id = screen_fully(engine, repository, PHONE, language="en", state="answered")
    record, bundle = exported(repository, screening_id)
    validate(bundle)
    organizations = [r for r in resources_of(bundle) if r["resourceType"] == "Organization"]
    assert organizations and all(o["name"] for o in organizations)
    assert PHONE not in json.dumps(bundle)
