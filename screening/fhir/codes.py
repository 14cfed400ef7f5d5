"""Code systems, canonical URLs and the parts every exported resource shares."""
from __future__ import annotations

import uuid
from typing import Any

LOINC = "http://loinc.org"
SDOH_CATEGORY = "http://hl7.org/fhir/us/sdoh-clinicalcare/CodeSystem/SDOHCC-CodeSystemTemporaryCodes"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
CONDITION_CATEGORY = "http://hl7.org/fhir/us/core/CodeSystem/condition-category"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
DATA_ABSENT_REASON = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
TASK_CODE = "http://hl7.org/fhir/CodeSystem/task-code"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
CONFIDENTIALITY = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"

# The project's own names: URNs, so they never depend on where a program runs the app.
PROJECT = "urn:needs-screening"
PERSON_SYSTEM = f"{PROJECT}:person"                 # the pseudonymous person id (never a phone number)
SCREENING_SYSTEM = f"{PROJECT}:screening"
NEED_SYSTEM = f"{PROJECT}:need"                     # screening.needs.NEED_CATEGORIES
OUTCOME_SYSTEM = f"{PROJECT}:referral-outcome"      # the person's check-in outcome
HSDS_SERVICE_SYSTEM = f"{PROJECT}:hsds:service"     # Open Referral HSDS ids from the loaded directory
HSDS_LOCATION_SYSTEM = f"{PROJECT}:hsds:location"
HSDS_ORGANIZATION_SYSTEM = f"{PROJECT}:hsds:organization"
RANK_EXTENSION = f"{PROJECT}:fhir:extension:rank"   # 1 = first: a need's rank, a referral's place for its need

NOTICE_42_CFR_PART_2 = (
    "This record is protected by federal confidentiality rules (42 CFR part 2). Federal rules prohibit any "
    "further disclosure of this record unless further disclosure is expressly permitted by the written consent "
    "of the individual whose information is being disclosed or as otherwise permitted by 42 CFR part 2.")

SECURITY_LABELS = [
    {"system": CONFIDENTIALITY, "code": "R", "display": "restricted"},
    {"system": ACT_CODE, "code": "42CFRPart2", "display": "42 CFR Part2"},
]

# SDOH categories (Gravity's value set) for each instrument domain and each need the person can name.
# Where Gravity has no category yet, `sdoh-category-unspecified` with the domain in words.
_SDOH_DISPLAY = {
    "homelessness": "Homelessness", "housing-instability": "Housing Instability",
    "inadequate-housing": "Inadequate Housing", "food-insecurity": "Food Insecurity",
    "transportation-insecurity": "Transportation Insecurity", "utility-insecurity": "Utility Insecurity",
    "financial-insecurity": "Financial Insecurity", "employment-status": "Employment Status",
    "stress": "Stress", "sdoh-category-unspecified": "SDOH Category Unspecified",
}
DOMAIN_CATEGORIES: dict[str, tuple[tuple[str, ...], str | None]] = {
    "housing_instability": (("homelessness", "housing-instability"), None),
    "housing_quality": (("inadequate-housing",), None),
    "food": (("food-insecurity",), None),
    "transportation": (("transportation-insecurity",), None),
    "utilities": (("utility-insecurity",), None),
    "safety": (("sdoh-category-unspecified",), "Interpersonal safety"),
    "financial_strain": (("financial-insecurity",), None),
    "employment": (("employment-status",), None),
    "substance_use": (("sdoh-category-unspecified",), "Substance use"),
    "depression": (("sdoh-category-unspecified",), "Mental health"),
    "self_harm_thoughts": (("sdoh-category-unspecified",), "Mental health"),
    "stress": (("stress",), None),
    "legal": (("sdoh-category-unspecified",), "Legal help"),
}
NEED_CATEGORIES: dict[str, tuple[tuple[str, ...], str | None]] = {
    "housing": (("housing-instability",), None),
    "food": (("food-insecurity",), None),
    "employment": (("employment-status",), None),
    "utilities": (("utility-insecurity",), None),
    "transportation": (("transportation-insecurity",), None),
    "substance_use": (("sdoh-category-unspecified",), "Substance use treatment or support"),
    "harm_reduction": (("sdoh-category-unspecified",), "Harm reduction"),
    "mental_health": (("sdoh-category-unspecified",), "Mental health"),
    "health_care": (("sdoh-category-unspecified",), "Health care"),
    "legal": (("sdoh-category-unspecified",), "Legal help"),
    "safety": (("sdoh-category-unspecified",), "Safety"),
    "other": (("sdoh-category-unspecified",), "Another need"),
}
NEED_DISPLAY = {
    "housing": "A place to live", "food": "Food", "employment": "Work", "substance_use": "Substance use support",
    "harm_reduction": "Harm reduction", "mental_health": "Mental health", "health_care": "Health care",
    "legal": "Legal help", "utilities": "Paying bills", "transportation": "Transportation", "safety": "Safety",
    "other": "Another need",
}


def sdoh_category(codes: tuple[str, ...], text: str | None) -> dict[str, Any]:
    concept: dict[str, Any] = {"coding": [{"system": SDOH_CATEGORY, "code": c, "display": _SDOH_DISPLAY[c]}
                                          for c in codes]}
    if text:
        concept["text"] = text
    return concept


def sdoh_categories(table: dict[str, tuple[tuple[str, ...], str | None]], key: str) -> list[dict[str, Any]]:
    """One CodeableConcept per SDOH category (Gravity slices category by code)."""
    codes, text = table.get(key, (("sdoh-category-unspecified",), key))
    return [sdoh_category((code,), text) for code in codes]


def need_concept(need: str) -> dict[str, Any]:
    return {"coding": [{"system": NEED_SYSTEM, "code": need, "display": NEED_DISPLAY.get(need, need)}],
            "text": NEED_DISPLAY.get(need, need)}


def observation_categories(*codes: str) -> list[dict[str, Any]]:
    names = {"social-history": "Social History", "survey": "Survey"}
    return [{"coding": [{"system": OBSERVATION_CATEGORY, "code": c, "display": names[c]}]} for c in codes]


def answer_system(instrument_id: str, item_id: str) -> str:
    """The project's code system for one item's answer options (used where LOINC has no LA code)."""
    return f"{PROJECT}:{instrument_id}:{item_id}"


def domain_system(instrument_id: str) -> str:
    return f"{PROJECT}:{instrument_id}:domain"


_NAMESPACE = uuid.UUID("6f1d7c52-4b0e-4f55-9a55-7d7c0a1e4e21")


def resource_id(*parts: str) -> str:
    """A stable FHIR id (at most 64 characters of [A-Za-z0-9-.]) for a resource derived from `parts`,
    so exporting the same case again updates the same resources instead of adding copies."""
    return str(uuid.uuid5(_NAMESPACE, "/".join(parts)))


def protected(resource: dict[str, Any]) -> dict[str, Any]:
    """The 42 CFR Part 2 security labels and notice, on a resource (its `text` when it has one)."""
    resource["meta"] = {"security": [dict(label) for label in SECURITY_LABELS]}
    if resource["resourceType"] != "Bundle":
        resource["text"] = {"status": "additional",
                            "div": f'<div xmlns="http://www.w3.org/1999/xhtml">{NOTICE_42_CFR_PART_2}</div>'}
    return resource


def rank_extension(rank: int) -> list[dict[str, Any]]:
    return [{"url": RANK_EXTENSION, "valueInteger": rank}]


def person_reference(person_id: str) -> dict[str, Any]:
    return {"reference": f"Patient/{person_id}"}


def person(person_id: str) -> dict[str, Any]:
    """The person: only the pseudonymous id, nothing that names or reaches them."""
    return protected({"resourceType": "Patient", "id": person_id,
                      "identifier": [{"system": PERSON_SYSTEM, "value": person_id}]})
